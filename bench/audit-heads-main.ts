// `node bench/run.mjs audit-heads`: only the head log's cost (bench/audit-heads.ts).
import { join } from 'node:path';
import { headLogBenchmarks } from './audit-heads.js';
import { runAlone } from './results-file.js';

await runAlone(join(import.meta.dirname, '..', '..'), 'audit-heads', 'audit head log', headLogBenchmarks);
