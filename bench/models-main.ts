// `npm run bench:models`: only the intelligence hierarchy's figures (bench/models.ts), for
// work on the model runtime without the whole suite; same baselines, same run, same table.
import { join } from 'node:path';
import { modelBenchmarks } from './models.js';
import { table, type Row } from './stats.js';

const root = join(import.meta.dirname, '..', '..');
const rows: Row[] = [];
const results: Record<string, unknown> = {};
await modelBenchmarks(root, rows, results);
process.stdout.write(`\naiOS model benchmarks (${new Date().toISOString()})\n\n${table(rows)}\n`);
if (process.env['BENCH_JSON'] !== undefined) process.stdout.write(`${JSON.stringify(results)}\n`);
