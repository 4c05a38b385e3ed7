// `node bench/recovery-alone.mjs`: only the snapshot and restore benchmarks of bench/recovery.ts
// (not the audit ledger's, nor the rest of `npm run bench`), built as bench/run.mjs builds the
// whole bench. BENCH_RECOVERY_RUNS sets the number of pairs (default 5); `--pairs` times only
// the with-metadata ÷ without pairs (no cp -a, lstat walk or spare-file rows).
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';

// As aiosd runs (src/recovery/io-pool.ts daemonEnv): libuv reads this only when a process starts.
if (process.env['UV_THREADPOOL_SIZE'] === undefined) {
  process.exit(
    spawnSync(process.execPath, process.argv.slice(1), {
      stdio: 'inherit',
      env: { ...process.env, UV_THREADPOOL_SIZE: '16' },
    }).status ?? 1,
  );
}

const root = new URL('..', import.meta.url).pathname;
const outfile = join(root, 'bench', '.build', 'recovery-alone.js');
await build({
  entryPoints: [join(root, 'bench/recovery.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  external: ['better-sqlite3', 'node-pty', 'node-llama-cpp'],
  banner: { js: "import{createRequire as __r}from'node:module';const require=__r(import.meta.url);" },
});
const { recoveryBenchmarks } = await import(outfile);
const rows = [];
const results = {};
const before = loadavg()[0];
await recoveryBenchmarks(rows, results, { audit: false, spares: !process.argv.includes('--pairs') });
process.stdout.write(
  `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Linux ${release()}, Node ${process.version}; load average ${before.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after\n`,
);
process.stdout.write(`${JSON.stringify(results.recovery)}\n`);
for (const r of rows)
  process.stdout.write(`${r.name}: ${r.value} (baseline ${r.baseline}, ${r.ratio}; goal ${r.goal})\n`);
