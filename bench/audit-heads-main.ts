// `node bench/run.mjs audit-heads`: only the head log's cost (bench/audit-heads.ts).
import { loadavg } from 'node:os';
import { headLogBenchmarks } from './audit-heads.js';
import { table, type Row } from './stats.js';

const rows: Row[] = [];
const results: Record<string, unknown> = {};
const before = loadavg()[0] ?? 0;
await headLogBenchmarks(rows, results);
process.stdout.write(
  `\naudit head log (${new Date().toISOString()}; load ${before.toFixed(1)} before, ${(loadavg()[0] ?? 0).toFixed(1)} after)\n\n${table(rows)}\n`,
);
if (process.env['BENCH_JSON'] !== undefined) process.stdout.write(`${JSON.stringify(results)}\n`);
