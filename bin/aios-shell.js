#!/usr/bin/env node
// The login shell. Invoked with -c (ssh host cmd, scp, rsync) it refuses: a command
// string is never handed to /bin/sh.
import { runMain } from '../dist/aios.js';
const args = process.argv.slice(2);
if (args.includes('-c')) {
  process.stderr.write('aios-shell: this account logs in to aiOS; commands are not run through a shell. Use the TUI or `aios goal`.\n');
  process.exit(1);
}
runMain(['shell']);
