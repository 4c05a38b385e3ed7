// `node bench/run.mjs gc`: only `aios gc` over 100,000 goals (bench/gc.ts).
import { join } from 'node:path';
import { gcBenchmark } from './gc.js';
import { runAlone } from './results-file.js';

await runAlone(join(import.meta.dirname, '..', '..'), 'gc', 'aios gc', gcBenchmark);
