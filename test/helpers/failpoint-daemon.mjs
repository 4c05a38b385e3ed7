// The kill -9 tests' own entry: aiosd (the built dist/aios.js) with one failpoint armed, so a
// test can stop it dead at a chosen point and kill it there. The real launcher (bin/aios.js)
// never arms one, so a production aiosd cannot be stopped this way by any setting.
// Usage: node failpoint-daemon.mjs <name:N> <marker file>
import { armFailpoint, runMain } from '../../dist/aios.js';

const [spec, marker] = process.argv.slice(2);
if (spec === undefined || marker === undefined) throw new Error('usage: failpoint-daemon.mjs <name:N> <marker file>');
armFailpoint(spec, marker);
runMain(['daemon']);
