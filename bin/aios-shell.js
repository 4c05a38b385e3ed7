#!/usr/bin/env node
// The login shell: the TUI, or with -c (ssh host cmd) exactly one `aios …` command, run without
// a shell; any other command string is refused (src/cli/main.ts runLoginShell).
import { runLoginShell } from '../dist/aios.js';
runLoginShell(process.argv.slice(2));
