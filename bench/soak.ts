// The soak: sessions stay connected (one reconnects every cycle) while goals are submitted,
// approved by other sessions and half of them rolled back, in a loop, for as long as asked.
// Every cycle samples aiosd's RSS and heap, the WAL and the database size, and the goal
// counts; at the end the ledger says whether any goal was lost or ran twice. Shortened in CI
// (test/hardening/soak.test.ts); `npm run bench` runs it for BENCH_SOAK_S seconds (120 by
// default; `BENCH_SOAK_S=3600 npm run bench` for the hour).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AiosClient } from '../src/protocol/client.js';
import type { GoalView } from '../src/protocol/model.js';
import { rssKb, toolCallsPerGoal } from './load-run.js';
import { fmt, median, type Row } from './stats.js';

export interface SoakSample {
  atMs: number;
  rssKb: number;
  heapUsedBytes: number;
  walBytes: number;
  dbBytes: number;
  goals: number;
}

export interface SoakResult {
  durationMs: number;
  cycles: number;
  submitted: number;
  succeeded: number;
  rolledBack: number;
  lost: number;
  ranTwice: number;
  samples: SoakSample[];
  walMaxBytes: number;
  /** Median RSS of the last quarter of samples less that of the second quarter (the first is warm-up). */
  rssGrowthKb: number;
  heapGrowthBytes: number;
}

export interface SoakOptions {
  socketPath: string;
  stateDir: string;
  workDir: string;
  daemonPid: number;
  durationMs: number;
  sessions: number;
  goalsPerCycle: number;
}

const FINAL = new Set(['succeeded', 'failed', 'rejected', 'not_understood', 'interrupted', 'rolled_back']);
const sizeOf = (path: string): number => (existsSync(path) ? statSync(path).size : 0);

/** The later quarter's median less the second quarter's: growth after warm-up, robust to one odd sample. */
export function growth(values: number[]): number {
  const q = Math.max(1, Math.floor(values.length / 4));
  return median(values.slice(-q)) - median(values.slice(q, 2 * q));
}

async function settle(client: AiosClient, ids: readonly string[]): Promise<GoalView[]> {
  for (;;) {
    const goals = await Promise.all(ids.map((goalId) => client.call('goal/get', { goalId })));
    if (goals.every((g) => FINAL.has(g.state))) return goals;
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const connect = (i: number): Promise<AiosClient> =>
    AiosClient.connect({ socketPath: opts.socketPath, clientName: `soak-${i}` });
  const sessions = await Promise.all(Array.from({ length: opts.sessions }, (_, i) => connect(i)));
  await Promise.all(sessions.map((s) => s.call('events/subscribe', {})));
  const start = Date.now();
  const samples: SoakSample[] = [];
  const ids: string[] = [];
  let succeeded = 0;
  let rolledBack = 0;
  let cycle = 0;
  const session = (i: number): AiosClient => sessions[i % sessions.length] as AiosClient;
  const sample = async (): Promise<void> => {
    const status = await session(0).call('status/get', {});
    samples.push({
      atMs: Date.now() - start,
      rssKb: rssKb(opts.daemonPid),
      heapUsedBytes: status.memory?.heapUsedBytes ?? 0,
      walBytes: sizeOf(join(opts.stateDir, 'aios.db-wal')),
      dbBytes: sizeOf(join(opts.stateDir, 'aios.db')),
      goals: Object.values(status.goals).reduce((a, b) => a + b, 0),
    });
  };
  await sample();
  while (Date.now() - start < opts.durationMs) {
    // Files are reused across cycles, so each goal changes one that exists (or re-creates it).
    const submitted = await Promise.all(
      Array.from({ length: opts.goalsPerCycle }, (_, i) =>
        session(i).call('goal/submit', {
          text: `create a file ${join(opts.workDir, `soak-${i}.txt`)} containing cycle ${cycle} goal ${i}`,
        }),
      ),
    );
    await Promise.all(
      submitted.map((g, i) =>
        session(i + 1).call('plan/decide', {
          planId: g.plan?.id ?? '',
          planHash: g.plan?.hash ?? '',
          decision: 'approve',
        }),
      ),
    );
    ids.push(...submitted.map((g) => g.id));
    const done = await settle(
      session(2),
      submitted.map((g) => g.id),
    );
    succeeded += done.filter((g) => g.state === 'succeeded').length;
    // Half are rolled back, one at a time (each restores a file the others do not touch).
    for (const g of done.filter((_, i) => i % 2 === 0 && done[i]?.state === 'succeeded')) {
      if ((await session(3).call('goal/rollback', { goalId: g.id })).state === 'rolled_back') rolledBack++;
    }
    // One session leaves and another arrives: per-connection state must not pile up.
    const leaving = cycle % sessions.length;
    sessions[leaving]?.close();
    sessions[leaving] = await connect(leaving);
    await sessions[leaving]?.call('events/subscribe', {});
    cycle++;
    await sample();
  }
  const calls = await toolCallsPerGoal(session(0));
  for (const s of sessions) s.close();
  return {
    durationMs: Date.now() - start,
    cycles: cycle,
    submitted: ids.length,
    succeeded,
    rolledBack,
    lost: ids.filter((id) => (calls.get(id) ?? 0) === 0).length,
    ranTwice: ids.filter((id) => (calls.get(id) ?? 0) > 1).length,
    samples,
    walMaxBytes: Math.max(...samples.map((s) => s.walBytes)),
    rssGrowthKb: growth(samples.map((s) => s.rssKb)),
    heapGrowthBytes: growth(samples.map((s) => s.heapUsedBytes)),
  };
}

/** Least-squares slope of RSS after warm-up (the first quarter of samples), in KiB per minute. */
export function rssSlopeKbPerMin(samples: readonly SoakSample[]): number {
  const xs = samples.slice(Math.floor(samples.length / 4));
  if (xs.length < 2) return 0;
  const mx = xs.reduce((a, s) => a + s.atMs, 0) / xs.length;
  const my = xs.reduce((a, s) => a + s.rssKb, 0) / xs.length;
  const cov = xs.reduce((a, s) => a + (s.atMs - mx) * (s.rssKb - my), 0);
  const varX = xs.reduce((a, s) => a + (s.atMs - mx) ** 2, 0);
  return varX === 0 ? 0 : (cov / varX) * 60_000;
}

/** `npm run bench`: the soak against a daemon of its own, for BENCH_SOAK_S seconds (120 by default). */
export async function soakBenchmark(root: string, rows: Row[], results: Record<string, unknown>): Promise<void> {
  const seconds = Number(process.env['BENCH_SOAK_S'] ?? 120);
  const dir = mkdtempSync(join(tmpdir(), 'aios-soak-'));
  const stateDir = join(dir, 'state');
  const socketPath = join(stateDir, 'aiosd.sock');
  const env = {
    ...process.env,
    AIOS_STATE_DIR: stateDir,
    AIOS_CONFIG: join(dir, 'config.toml'),
    AIOS_MODE: 'user',
    HOME: dir,
  };
  const daemon = spawn(process.execPath, [join(root, 'bin', 'aios.js'), 'daemon'], { env, stdio: 'ignore' });
  try {
    for (let i = 0; ; i++) {
      try {
        (await AiosClient.connect({ socketPath, clientName: 'soak-probe' })).close();
        break;
      } catch (err) {
        if (i > 200) throw err;
        await sleep(50);
      }
    }
    const workDir = join(dir, 'work');
    mkdirSync(workDir);
    const r = await runSoak({
      socketPath,
      stateDir,
      workDir,
      daemonPid: daemon.pid ?? 0,
      durationMs: seconds * 1000,
      sessions: 10,
      goalsPerCycle: 10,
    });
    const first = r.samples[0]?.rssKb ?? 0;
    const last = median(r.samples.slice(-Math.max(1, Math.floor(r.samples.length / 4))).map((x) => x.rssKb));
    const slope = rssSlopeKbPerMin(r.samples);
    results['soak'] = {
      seconds,
      ...r,
      rssSlopeKbPerMin: slope,
      samples: r.samples.filter((_, i) => i % Math.max(1, Math.floor(r.samples.length / 200)) === 0),
    };
    const label = `soak ${seconds} s, 10 sessions, ${r.submitted} goals, ${r.rolledBack} rolled back`;
    rows.push({
      name: `${label}: daemon RSS at the end (MiB)`,
      value: fmt(last / 1024),
      baseline: `idle at start: ${fmt(first / 1024)}`,
      ratio: `${fmt(last / Math.max(1, first), 2)}×`,
      goal: 'flat after warm-up',
    });
    rows.push({
      name: `${label}: RSS slope after warm-up (KiB/min)`,
      value: fmt(slope),
      baseline: '—',
      ratio: '—',
      goal: '≈ 0',
    });
    rows.push({
      name: `${label}: heap growth after warm-up (KiB)`,
      value: fmt(r.heapGrowthBytes / 1024),
      baseline: '—',
      ratio: '—',
      goal: '≈ 0',
    });
    rows.push({
      name: `${label}: WAL at most (KiB)`,
      value: fmt(r.walMaxBytes / 1024),
      baseline: '—',
      ratio: '—',
      goal: '< 64 MiB',
    });
    rows.push({
      name: `${label}: goals lost / run twice`,
      value: `${r.lost} / ${r.ranTwice}`,
      baseline: '—',
      ratio: '—',
      goal: '0 / 0',
    });
  } finally {
    if (daemon.exitCode === null && daemon.signalCode === null) {
      const exited = new Promise((r) => daemon.once('exit', r));
      daemon.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
