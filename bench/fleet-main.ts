// `node bench/run.mjs fleet`: only the fleet's figures (bench/fleet.ts).
import { join } from 'node:path';
import { fleetBenchmarks } from './fleet.js';
import { runAlone } from './results-file.js';

await runAlone(join(import.meta.dirname, '..', '..'), 'fleet', 'fleet', fleetBenchmarks);
