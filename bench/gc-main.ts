// `node bench/run.mjs gc`: only `aios gc` over 100,000 goals (bench/gc.ts).
import { loadavg } from 'node:os';
import { gcBenchmark } from './gc.js';
import { table, type Row } from './stats.js';

const rows: Row[] = [];
const results: Record<string, unknown> = {};
const before = loadavg()[0] ?? 0;
gcBenchmark(rows, results);
process.stdout.write(
  `\naios gc (${new Date().toISOString()}; load ${before.toFixed(1)} before, ${(loadavg()[0] ?? 0).toFixed(1)} after)\n\n${table(rows)}\n`,
);
if (process.env['BENCH_JSON'] !== undefined) process.stdout.write(`${JSON.stringify(results)}\n`);
