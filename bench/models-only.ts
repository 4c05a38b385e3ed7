// `node bench/run.mjs models`: only the intelligence hierarchy's figures (bench/models.ts), e.g. to
// measure the local runtime on a machine with a GPU without the TUI, recovery and boot parts.
import { join } from 'node:path';
import { modelBenchmarks } from './models.js';
import { table, type Row } from './stats.js';

const root = join(import.meta.dirname, '..', '..');
const rows: Row[] = [];
const results: Record<string, unknown> = {};
await modelBenchmarks(root, rows, results);
console.log(table(rows));
console.log(JSON.stringify(results));
