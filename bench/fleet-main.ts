// `node bench/run.mjs fleet`: only the fleet's figures (bench/fleet.ts).
import { loadavg } from 'node:os';
import { fleetBenchmarks } from './fleet.js';
import { table, type Row } from './stats.js';

const rows: Row[] = [];
const results: Record<string, unknown> = {};
const before = loadavg()[0] ?? 0;
await fleetBenchmarks(rows, results);
process.stdout.write(
  `\nfleet (${new Date().toISOString()}; load ${before.toFixed(1)} before, ${(loadavg()[0] ?? 0).toFixed(1)} after)\n\n${table(rows)}\n`,
);
if (process.env['BENCH_JSON'] !== undefined) process.stdout.write(`${JSON.stringify(results)}\n`);
