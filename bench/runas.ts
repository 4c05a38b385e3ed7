// Steps run as their owner (src/runas): what running an operator's step in their helper costs.
// approve → done for a small fs.write, the operator's goal (its helper warm) against the same
// step in an admin's goal (run by the daemon as root), both approved by root and watched with
// goal/get on one client, alternating, in one system-mode aiosd; then the helper's cold start
// (spawn → privileges dropped → tools loaded) against `node -e 0`. Needs root and a real account.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AiosClient } from '../src/protocol/client.js';
import type { GoalView } from '../src/protocol/model.js';
import { HelperPool } from '../src/runas/helper-pool.js';
import { connectAsUid } from '../test/helpers/client-as-uid.js';
import { createAccount } from '../test/helpers/system-users.js';
import { startBenchDaemon } from './bench-daemon.js';
import { timeNodeExit } from './startup.js';
import { fmt, median, type Row } from './stats.js';

const RUNS = Number(process.env['BENCH_RUNAS_RUNS'] ?? 15);
const COLD_RUNS = Number(process.env['BENCH_RUNAS_COLD_RUNS'] ?? 5);

async function systemDaemon(root: string, dir: string): Promise<{ socketPath: string; stop: () => Promise<void> }> {
  const stateDir = join(dir, 'state');
  const socketPath = join(stateDir, 'aiosd.sock');
  writeFileSync(
    join(dir, 'config.toml'),
    '[monitor]\ncpu_pct = false\nmemory_pct = false\ndisk_pct = false\nload_per_core = false\n[recovery]\nspare_files = 0\n',
  );
  const env = {
    ...process.env,
    AIOS_MODE: 'system',
    AIOS_STATE_DIR: stateDir,
    AIOS_CONFIG: join(dir, 'config.toml'),
    HOME: dir,
  };
  return { socketPath, stop: await startBenchDaemon(root, env, socketPath) };
}

/** Approves the goal's plan as root and returns the ms until goal/get says it succeeded. */
async function approveToDone(c: AiosClient, g: GoalView): Promise<number> {
  if (g.plan === null || g.state !== 'awaiting_approval')
    throw new Error(`goal ${g.id} is ${g.state}: ${g.message ?? ''}`);
  const began = performance.now();
  await c.call('plan/decide', { planId: g.plan.id, planHash: g.plan.hash, decision: 'approve' });
  for (;;) {
    const now = await c.call('goal/get', { goalId: g.id });
    if (now.state === 'succeeded') return performance.now() - began;
    if (now.state !== 'running') throw new Error(`goal ${g.id} ended ${now.state}: ${now.message ?? ''}`);
  }
}

export async function runAsBenchmarks(root: string, rows: Row[], results: Record<string, unknown>): Promise<void> {
  if (process.getuid?.() !== 0) {
    rows.push({
      name: 'operator step as the operator, approve → done (needs root)',
      value: 'skipped',
      baseline: '—',
      ratio: '—',
      goal: '≤ 1.5×',
    });
    return;
  }
  const account = createAccount('ar', ['aios-operator']);
  const dir = mkdtempSync(join(tmpdir(), 'aios-bench-runas-'));
  const daemon = await systemDaemon(root, dir);
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'state'), 0o755);
  const admin = await AiosClient.connect({ socketPath: daemon.socketPath, clientName: 'bench' });
  const operator = await connectAsUid(daemon.socketPath, account.uid, account.gid, 'bench-operator');
  const asOperator: number[] = [];
  const asRoot: number[] = [];
  try {
    for (let i = -1; i < RUNS; i++) {
      // run -1 warms the helper (and the daemon)
      const args = (where: string) => ({
        tool: 'fs.write',
        args: { path: join(where, `bench-${i}.txt`), content: `bench ${i}\n` },
      });
      const op = await approveToDone(admin, await operator.call<GoalView>('tool/plan', args(account.home)));
      const rt = await approveToDone(admin, await admin.call('tool/plan', args(dir)));
      if (i >= 0) {
        asOperator.push(op);
        asRoot.push(rt);
      }
    }
  } finally {
    operator.close();
    admin.close();
    await daemon.stop();
  }
  const cold: number[] = [];
  const node: number[] = [];
  const tools = {
    timeoutMs: 10_000,
    outputCapBytes: 1 << 20,
    initSocket: join(dir, 'init.sock'),
    serviceEnv: {},
    locations: { stateDir: join(dir, 'state'), configDirs: [dir], secretsFile: join(dir, 'secrets.toml') },
    sandbox: null,
  };
  try {
    for (let i = 0; i < COLD_RUNS; i++) {
      const pool = new HelperPool({ tools, script: join(root, 'dist', 'runas-helper.js') });
      const helper = pool.get(account.uid);
      await helper.ready;
      cold.push(helper.startMs ?? NaN);
      pool.close();
      node.push(await timeNodeExit({ PATH: process.env['PATH'] ?? '/usr/bin:/bin' }));
    }
  } finally {
    account.remove();
    rmSync(dir, { recursive: true, force: true, maxRetries: 10 });
  }
  results['runAs'] = { asOperator, asRoot, cold, node };
  const op = median(asOperator);
  const rt = median(asRoot);
  rows.push({
    name: 'small fs.write, approve → done, as the operator in a warm helper (median ms)',
    value: fmt(op, 2),
    baseline: `same step as root: ${fmt(rt, 2)}`,
    ratio: `${fmt(op / rt, 2)}×`,
    goal: '≤ 1.5×',
  });
  rows.push({
    name: 'run-as helper cold start: spawn → privileges dropped → tools ready (median ms)',
    value: fmt(median(cold)),
    baseline: `node -e 0: ${fmt(median(node))}`,
    ratio: `${fmt(median(cold) / median(node), 2)}×`,
    goal: 'reported',
  });
}
