// `npm run bench:image` (node bench/run.mjs image-boot): only the disk image's boot against plain
// Debian (bench/image-boot.ts). Not in `npm run bench`: it boots six VMs, minutes each under TCG.
import { loadavg } from 'node:os';
import { imageBootBenchmark } from './image-boot.js';
import { table, type Row } from './stats.js';

const rows: Row[] = [];
const results: Record<string, unknown> = {};
const before = loadavg()[0] ?? 0;
await imageBootBenchmark(rows, results);
process.stdout.write(
  `\nthe disk image's boot (${new Date().toISOString()}; load ${before.toFixed(1)} before, ${(loadavg()[0] ?? 0).toFixed(1)} after)\n\n${table(rows)}\n`,
);
if (process.env['BENCH_JSON'] !== undefined) process.stdout.write(`${JSON.stringify(results)}\n`);
