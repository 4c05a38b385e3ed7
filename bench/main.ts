// `npm run bench`: every figure is a median (or percentile) set against a baseline
// measured in the same run, on this machine, so ratios stay comparable across machines.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReactivePlanner } from '../src/agents/reactive-planner.js';
import { startBenchDaemon } from './bench-daemon.js';
import { LineClient, measureRoundTrips, startEchoServer } from './rpc.js';
import { measureSection, saveResults, type Sections } from './results-file.js';
import { timeNodeExit, timeToMarker } from './startup.js';
import { fmt, median, percentile, table, type Row } from './stats.js';
import { benchTui } from './tui.js';

const root = join(import.meta.dirname, '..', '..');
const runs = Number(process.env['BENCH_RUNS'] ?? 15);
const rows: Row[] = [];
const results: Record<string, unknown> = {};
const sections: Sections = {};

const dir = mkdtempSync(join(tmpdir(), 'aios-bench-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  AIOS_STATE_DIR: join(dir, 'state'),
  AIOS_CONFIG: join(dir, 'config.toml'),
  AIOS_MODE: 'user',
  HOME: dir,
};
const socketPath = join(dir, 'state', 'aiosd.sock');

const startDaemon = (): Promise<() => Promise<void>> => startBenchDaemon(root, env, socketPath);

async function startup(): Promise<void> {
  const node: number[] = [];
  const ink: number[] = [];
  const shell: number[] = [];
  const inkApp = join(root, 'bench', '.build', 'ink-hello.js');
  for (let i = 0; i < runs; i++) {
    node.push(await timeNodeExit(env));
    ink.push(await timeToMarker(process.execPath, [inkApp], /hello from ink/, env));
    shell.push(await timeToMarker(process.execPath, [join(root, 'bin', 'aios-shell.js')], /goal>/, env));
  }
  results['startup'] = { node, ink, shell };
  const s = median(shell);
  rows.push({
    name: 'aios shell: exec → first frame with the input line (median ms)',
    value: fmt(s),
    baseline: `node -e 0: ${fmt(median(node))}`,
    ratio: `${fmt(s / median(node), 2)}×`,
    goal: '≤ 100 ms, ≤ 1.7×',
  });
  rows.push({
    name: 'same, against a minimal bundled Ink app',
    value: fmt(s),
    baseline: `Ink hello: ${fmt(median(ink))}`,
    ratio: `${fmt(s / median(ink), 2)}×`,
    goal: '< 1×',
  });
}

async function roundTrips(): Promise<void> {
  const echoPath = join(dir, 'echo.sock');
  const echo = await startEchoServer(echoPath);
  const n = 5000;
  const echoClient = await LineClient.open(echoPath);
  const payload = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'status/get', params: {} });
  const c = await LineClient.open(socketPath);
  await c.roundTrip(
    JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: 1, client: { name: 'bench', version: '0' } },
    }),
  );
  let id = 1;
  // Interleaved blocks, so drift in the machine's scheduling hits both sides alike.
  const raw: number[] = [];
  const status: number[] = [];
  for (let block = 0; block < 10; block++) {
    raw.push(...(await measureRoundTrips(echoClient, () => payload, n / 10, 50)));
    status.push(
      ...(await measureRoundTrips(
        c,
        () => JSON.stringify({ jsonrpc: '2.0', id: id++, method: 'status/get', params: {} }),
        n / 10,
        50,
      )),
    );
  }
  echoClient.close();
  echo.kill();
  results['rpc'] = {
    echoP50: percentile(raw, 50),
    echoP99: percentile(raw, 99),
    statusP50: percentile(status, 50),
    statusP99: percentile(status, 99),
  };
  rows.push({
    name: 'status/get round trip p50 (µs)',
    value: fmt(percentile(status, 50)),
    baseline: `raw echo: ${fmt(percentile(raw, 50))}`,
    ratio: `${fmt(percentile(status, 50) / percentile(raw, 50), 2)}×`,
    goal: '≤ 50 µs',
  });
  rows.push({
    name: 'status/get round trip p99 (µs)',
    value: fmt(percentile(status, 99)),
    baseline: `raw echo: ${fmt(percentile(raw, 99))}`,
    ratio: `${fmt(percentile(status, 99) / percentile(raw, 99), 2)}×`,
    goal: '≤ 300 µs',
  });

  // goal → plan over the socket: persist the goal, plan, preview (a diff), hash, persist the plan.
  const target = join(dir, 'bench-target.txt');
  const submit = await measureRoundTrips(
    c,
    () =>
      JSON.stringify({
        jsonrpc: '2.0',
        id: id++,
        method: 'goal/submit',
        params: { text: `create a file ${target} containing bench ${id}` },
      }),
    300,
    20,
  );
  c.close();
  const statusMedian = percentile(status, 50);
  results['goalToPlan'] = { p50: percentile(submit, 50), p99: percentile(submit, 99) };
  rows.push({
    name: 'goal → plan, reactive tier, over the socket (median ms)',
    value: fmt(percentile(submit, 50) / 1000, 2),
    baseline: `status/get: ${fmt(statusMedian / 1000, 3)}`,
    ratio: `${fmt(percentile(submit, 50) / statusMedian, 1)}×`,
    goal: '≤ 10 ms',
  });
}

async function plannerOnly(): Promise<void> {
  const planner = new ReactivePlanner();
  const times: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t = process.hrtime.bigint();
    await planner.plan({ text: `create a file notes-${i}.txt containing hello ${i}`, home: dir });
    times.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  rows.push({
    name: 'reactive planner alone (median µs)',
    value: fmt(median(times)),
    baseline: '—',
    ratio: '—',
    goal: '≤ 10 ms',
  });
}

// Each section's rows are saved under its name for docs/benchmarks.md (bench/page.mjs).
// BENCH_ONLY=NAME runs one section alone (soak with BENCH_SOAK_S=3600 is the hour, `soak-hour`, or
// `soak-hour-retention` with BENCH_SOAK_RETENTION);
// guard is the key guard's cost alone.
const sectionRuns: Record<string, () => unknown> = {
  foundation: async () => {
    await startup();
    await roundTrips();
    await plannerOnly();
  },
  tui: () => benchTui(root, env, rows, results),
  guard: async () => (await import('./tui-guard.js')).benchGuard(root, env, rows, results),
  models: async () => (await import('./models.js')).modelBenchmarks(root, rows, results),
  'plan-cost': async () => (await import('./plan-cost.js')).planCostBenchmarks(rows, results),
  recovery: async () => (await import('./recovery.js')).recoveryBenchmarks(rows, results),
  boot: async () => (await import('./boot.js')).bootBenchmarks(root, rows, results),
  agents: async () => (await import('./agents.js')).agentBenchmarks(rows, results),
  runas: async () => (await import('./runas.js')).runAsBenchmarks(root, rows, results),
  gc: async () => (await import('./gc.js')).gcBenchmark(rows, results),
  soak: async () => (await import('./soak.js')).soakBenchmark(root, rows, results),
  fleet: async () => (await import('./fleet.js')).fleetBenchmarks(rows, results),
  top: async () => (await import('./top.js')).topBenchmarks(root, env, socketPath, rows, results),
};
const inEverything = Object.keys(sectionRuns).filter((name) => name !== 'guard');
const only = process.env['BENCH_ONLY'];
if (only !== undefined && !(only in sectionRuns))
  throw new Error(`BENCH_ONLY=${only}: no such section (one of ${Object.keys(sectionRuns).join(', ')})`);
// The hour with retention on has a block of its own, beside the hour without.
const sectionName = (name: string): string =>
  name !== 'soak' || Number(process.env['BENCH_SOAK_S'] ?? 0) < 3600
    ? name
    : process.env['BENCH_SOAK_RETENTION'] === undefined
      ? 'soak-hour'
      : 'soak-hour-retention';

const stop = await startDaemon();
try {
  for (const name of only === undefined ? inEverything : [only])
    await measureSection(sectionName(name), sections, rows, sectionRuns[name] as () => unknown);
} finally {
  await stop();
}

const report = table(rows);
process.stdout.write(
  `\naiOS benchmarks (${runs} start-up runs, 5000 round trips; ${new Date().toISOString()})\n\n${report}\n`,
);
saveResults(root, only === undefined ? 'latest' : sectionName(only), { rows, results, sections });
rmSync(dir, { recursive: true, force: true, maxRetries: 10 }); // aiosd may still be writing as it stops
