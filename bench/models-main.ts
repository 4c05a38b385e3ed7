// `npm run bench:models`: only the intelligence hierarchy's figures (bench/models.ts), for
// work on the model runtime without the whole suite; same baselines, same run, same table.
import { join } from 'node:path';
import { modelBenchmarks } from './models.js';
import { runAlone } from './results-file.js';

const root = join(import.meta.dirname, '..', '..');
await runAlone(root, 'models', 'aiOS model benchmarks', (rows, results) => modelBenchmarks(root, rows, results));
