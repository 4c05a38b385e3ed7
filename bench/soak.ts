// The soak: sessions stay connected (one reconnects every cycle) while goals are submitted,
// approved by other sessions and half of them rolled back, in a loop, for as long as asked.
// Every cycle samples aiosd's RSS and heap, the WAL and the database size, and the goal
// counts; at the end the ledger says whether any goal was lost or ran twice. Shortened in CI
// (test/hardening/soak.test.ts); `npm run bench` runs it for BENCH_SOAK_S seconds (120 by
// default; `BENCH_SOAK_S=3600 npm run bench` for the hour).
// With retention on (a short [retention] window, collected every few seconds), the samples also
// split the database's pages between the audit ledger, which is never collected, and everything
// else, and count the blob files: after the window, everything but the ledger should stay flat.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AiosClient, RpcError } from '../src/protocol/client.js';
import { ErrorCode } from '../src/protocol/jsonrpc.js';
import type { GoalView } from '../src/protocol/model.js';
import { rssKb, toolCallsPerGoal } from './load-run.js';
import { ageMs } from '../src/config/retention-schema.js';
import { fmt, median, type Row } from './stats.js';
import { dbParts, type DbParts } from './db-parts.js';

export interface SoakSample {
  atMs: number;
  rssKb: number;
  heapUsedBytes: number;
  walBytes: number;
  dbBytes: number;
  /** Goals in the database (with retention on, those not collected yet). */
  goals: number;
  /** Goals submitted so far. */
  submitted: number;
  /** With `detailEveryMs`: the database's pages by part, and the blob files' bytes. */
  parts?: DbParts & { blobFileBytes: number };
}

export interface SoakResult {
  durationMs: number;
  cycles: number;
  submitted: number;
  succeeded: number;
  rolledBack: number;
  /** With retention: goals collected before the soak saw them end, and rollbacks not made because the goal was collected first. */
  collectedUnseen: number;
  rollbacksMissed: number;
  lost: number;
  ranTwice: number;
  samples: SoakSample[];
  walMaxBytes: number;
  /** Median RSS of the last quarter of samples less that of the second quarter (the first is warm-up). */
  rssGrowthKb: number;
  heapGrowthBytes: number;
  /** With `retention`: what the database kept, measured after the window. */
  retention?: RetentionFigures;
}

export interface RetentionFigures {
  /** Samples after the window and one collection interval: the steady state. */
  steadySamples: number;
  /** Growth (as growth()) over the steady samples of the pages not the ledger's. */
  restGrowthBytes: number;
  /** The goals submitted between the quarters growth() compares, and that growth over them. */
  restGrowthGoals: number;
  restGrowthPerGoalBytes: number;
  /** Those pages at the start (an empty database's tables), the first steady sample and the end. */
  restStartBytes: number;
  restSteadyStartBytes: number;
  restEndBytes: number;
  /** What a goal added to those pages before anything was collected (the first window's slope). */
  restPerGoalBytes: number;
  /** The ledger's pages at the end less at the start, over the goals submitted. */
  ledgerBytesPerGoal: number;
  ledgerEndBytes: number;
  /** Goals still in the database at the end. */
  goalsKeptEnd: number;
  blobFileBytesEnd: number;
}

export interface SoakOptions {
  socketPath: string;
  stateDir: string;
  workDir: string;
  daemonPid: number;
  durationMs: number;
  sessions: number;
  goalsPerCycle: number;
  /** [retention] goals and events as configured, and its `every`: turns on the retention figures. */
  retention?: { windowMs: number; everyMs: number };
  /** With retention: run past durationMs until this many samples are after the window and one collection. */
  minSteadySamples?: number;
  /** The database's parts are measured at most this often (dbstat reads every page); default every sample. */
  detailEveryMs?: number;
  /**
   * At most this many goals a second: a cycle that ends early waits for its time. Without it the
   * rate follows the machine's load, and with retention on one window's goals (and so the
   * database's steady size) move with it.
   */
  goalsPerSecond?: number;
}

const FINAL = new Set(['succeeded', 'failed', 'rejected', 'not_understood', 'interrupted', 'rolled_back']);
const sizeOf = (path: string): number => (existsSync(path) ? statSync(path).size : 0);

/** The later quarter's median less the second quarter's: growth after warm-up, robust to one odd sample. */
export function growth(values: number[]): number {
  const q = Math.max(1, Math.floor(values.length / 4));
  return median(values.slice(-q)) - median(values.slice(q, 2 * q));
}

/**
 * A goal, or null once retention has collected it: only an ended goal is collected, so on a machine
 * slow enough that a cycle outlasts the window, the soak can find one gone before it looks again.
 */
async function goalOrCollected(client: AiosClient, goalId: string): Promise<GoalView | null> {
  try {
    return await client.call('goal/get', { goalId });
  } catch (err) {
    if (err instanceof RpcError && err.code === ErrorCode.NotFound) return null;
    throw err;
  }
}

async function settle(client: AiosClient, ids: readonly string[]): Promise<(GoalView | null)[]> {
  for (;;) {
    const goals = await Promise.all(ids.map((goalId) => goalOrCollected(client, goalId)));
    if (goals.every((g) => g === null || FINAL.has(g.state))) return goals;
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
  let collectedUnseen = 0;
  let rollbacksMissed = 0;
  let cycle = 0;
  const session = (i: number): AiosClient => sessions[i % sessions.length] as AiosClient;
  const detailed = opts.retention !== undefined || opts.detailEveryMs !== undefined;
  let lastParts: SoakSample['parts'];
  let partsAt = -Infinity;
  const sample = async (): Promise<void> => {
    const status = await session(0).call('status/get', {});
    const atMs = Date.now() - start;
    if (detailed && atMs - partsAt >= (opts.detailEveryMs ?? 0)) {
      partsAt = atMs;
      lastParts = {
        ...dbParts(join(opts.stateDir, 'aios.db')),
        blobFileBytes: treeBytes(join(opts.stateDir, 'snapshots')),
      };
    }
    samples.push({
      atMs,
      rssKb: rssKb(opts.daemonPid),
      heapUsedBytes: status.memory?.heapUsedBytes ?? 0,
      walBytes: sizeOf(join(opts.stateDir, 'aios.db-wal')),
      dbBytes: sizeOf(join(opts.stateDir, 'aios.db')),
      goals: Object.values(status.goals).reduce((a, b) => a + b, 0),
      submitted: ids.length,
      ...(lastParts === undefined ? {} : { parts: lastParts }),
    });
  };
  await sample();
  // With retention on, a slow machine runs on until the steady state has enough samples to judge.
  const steadyFrom = opts.retention === undefined ? 0 : opts.retention.windowMs + opts.retention.everyMs;
  const steady = (): number => samples.filter((s) => s.atMs >= steadyFrom).length;
  while (Date.now() - start < opts.durationMs || steady() < (opts.minSteadySamples ?? 0)) {
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
    succeeded += done.filter((g) => g?.state === 'succeeded').length;
    collectedUnseen += done.filter((g) => g === null).length;
    // Half are rolled back, one at a time (each restores a file the others do not touch).
    for (const [i, g] of done.entries()) {
      if (i % 2 !== 0) continue;
      if (g === null) {
        rollbacksMissed++;
        continue;
      }
      if (g.state !== 'succeeded') continue;
      const back = await session(3)
        .call('goal/rollback', { goalId: g.id })
        .catch((err: unknown) => {
          if (err instanceof RpcError && err.code === ErrorCode.NotFound) return null;
          throw err;
        });
      if (back === null) rollbacksMissed++;
      else if (back.state === 'rolled_back') rolledBack++;
    }
    // One session leaves and another arrives: per-connection state must not pile up.
    const leaving = cycle % sessions.length;
    sessions[leaving]?.close();
    sessions[leaving] = await connect(leaving);
    await sessions[leaving]?.call('events/subscribe', {});
    cycle++;
    await sample();
    if (opts.goalsPerSecond !== undefined) {
      const due = start + (ids.length / opts.goalsPerSecond) * 1000;
      if (due > Date.now()) await sleep(due - Date.now());
    }
  }
  const calls = await toolCallsPerGoal(session(0));
  for (const s of sessions) s.close();
  return {
    durationMs: Date.now() - start,
    cycles: cycle,
    submitted: ids.length,
    succeeded,
    rolledBack,
    collectedUnseen,
    rollbacksMissed,
    lost: ids.filter((id) => (calls.get(id) ?? 0) === 0).length,
    ranTwice: ids.filter((id) => (calls.get(id) ?? 0) > 1).length,
    samples,
    walMaxBytes: Math.max(...samples.map((s) => s.walBytes)),
    rssGrowthKb: growth(samples.map((s) => s.rssKb)),
    heapGrowthBytes: growth(samples.map((s) => s.heapUsedBytes)),
    ...(opts.retention === undefined ? {} : { retention: retentionFigures(samples, opts.retention) }),
  };
}

/** The steady state after the window: what the database kept, and what the ledger grew by per goal. */
export function retentionFigures(
  samples: readonly SoakSample[],
  r: { windowMs: number; everyMs: number },
): RetentionFigures {
  const withParts = samples.filter((s) => s.parts !== undefined);
  const parts = (s: SoakSample | undefined): DbParts & { blobFileBytes: number } =>
    s?.parts ?? { ledgerBytes: 0, restBytes: 0, freeBytes: 0, blobFileBytes: 0 };
  // Nothing is collected before the window has passed once: that part of the run shows what goals cost.
  const first = withParts[0];
  const beforeAny = withParts.filter((s) => s.atMs <= r.windowMs).at(-1);
  const restPerGoal =
    beforeAny === undefined || first === undefined || beforeAny.submitted === first.submitted
      ? 0
      : (parts(beforeAny).restBytes - parts(first).restBytes) / (beforeAny.submitted - first.submitted);
  const steady = withParts.filter((s) => s.atMs >= r.windowMs + r.everyMs);
  const last = withParts.at(-1);
  const submitted = (last?.submitted ?? 0) - (first?.submitted ?? 0);
  const restGrowth = steady.length < 4 ? 0 : growth(steady.map((s) => parts(s).restBytes));
  // growth() compares the last quarter's median with the second's: the goals between their middles.
  const q = Math.max(1, Math.floor(steady.length / 4));
  const between =
    (steady[steady.length - Math.ceil(q / 2)]?.submitted ?? 0) - (steady[q + Math.floor(q / 2)]?.submitted ?? 0);
  return {
    steadySamples: steady.length,
    restGrowthBytes: restGrowth,
    restGrowthGoals: between,
    restGrowthPerGoalBytes: between <= 0 ? 0 : restGrowth / between,
    restStartBytes: parts(first).restBytes,
    restSteadyStartBytes: parts(steady[0]).restBytes,
    restEndBytes: parts(last).restBytes,
    restPerGoalBytes: restPerGoal,
    ledgerBytesPerGoal: submitted === 0 ? 0 : (parts(last).ledgerBytes - parts(first).ledgerBytes) / submitted,
    ledgerEndBytes: parts(last).ledgerBytes,
    goalsKeptEnd: last?.goals ?? 0,
    blobFileBytesEnd: parts(last).blobFileBytes,
  };
}

/** Bytes of the regular files under a directory (the snapshot store's blob files). */
function treeBytes(dir: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const p = join(dir, name);
    try {
      const st = statSync(p);
      total += st.isDirectory() ? treeBytes(p) : st.isFile() ? st.size : 0;
    } catch {
      /* collected meanwhile */
    }
  }
  return total;
}

function retentionRows(label: string, f: RetentionFigures, rows: Row[]): void {
  const row = (name: string, value: string, goal: string, baseline = '—'): void => {
    rows.push({ name: `${label}: ${name}`, value, baseline, ratio: '—', goal });
  };
  row(
    'database less the ledger, after the window (KiB)',
    `${fmt(f.restSteadyStartBytes / 1024)} → ${fmt(f.restEndBytes / 1024)}`,
    'flat',
  );
  row(
    'its growth per goal after the window (B)',
    fmt(f.restGrowthPerGoalBytes),
    '≈ 0',
    `before any collection: ${fmt(f.restPerGoalBytes)}`,
  );
  row(
    'audit ledger per goal (B)',
    fmt(f.ledgerBytesPerGoal),
    'bounded',
    `ledger at the end: ${fmt(f.ledgerEndBytes / 1024)} KiB`,
  );
  row('goals kept at the end', String(f.goalsKeptEnd), 'those of one window');
  row('snapshot blob files at the end (KiB)', fmt(f.blobFileBytesEnd / 1024), 'flat (a file is kept 10 min)');
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

/**
 * `npm run bench`: the soak against a daemon of its own, for BENCH_SOAK_S seconds (120 by default).
 * BENCH_SOAK_RETENTION="10m" runs it with retention on: goals, events and memories kept that long,
 * collected every BENCH_SOAK_RETENTION_EVERY ("1m" by default). BENCH_SOAK_RATE=N holds the rate at
 * no more than N goals a second, so that one window holds the same number of goals however busy the
 * machine is.
 */
export async function soakBenchmark(root: string, rows: Row[], results: Record<string, unknown>): Promise<void> {
  const seconds = Number(process.env['BENCH_SOAK_S'] ?? 120);
  const window = process.env['BENCH_SOAK_RETENTION'];
  const every = process.env['BENCH_SOAK_RETENTION_EVERY'] ?? '1m';
  const rate = process.env['BENCH_SOAK_RATE'] === undefined ? undefined : Number(process.env['BENCH_SOAK_RATE']);
  if (rate !== undefined && !(rate > 0)) throw new Error('BENCH_SOAK_RATE must be a number of goals a second above 0');
  const dir = mkdtempSync(join(tmpdir(), 'aios-soak-'));
  if (window !== undefined)
    writeFileSync(
      join(dir, 'config.toml'),
      `[retention]\ngoals = "${window}"\nevents = "${window}"\nmemories = "${window}"\nevery = "${every}"\n`,
    );
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
      ...(rate === undefined ? {} : { goalsPerSecond: rate }),
      ...(window === undefined
        ? {}
        : { retention: { windowMs: ageMs(window), everyMs: ageMs(every) }, detailEveryMs: 5000 }),
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
    const paced = rate === undefined ? '' : ` at most ${rate} goals/s,`;
    const label = `soak ${seconds} s${window === undefined ? '' : ` with retention ${window} (collected every ${every})`},${paced} 10 sessions, ${r.submitted} goals, ${r.rolledBack} rolled back`;
    if (r.retention !== undefined) retentionRows(label, r.retention, rows);
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
