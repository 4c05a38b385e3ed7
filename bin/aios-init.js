#!/usr/bin/env node
// aios-init: boot phases and supervision arrive with the init issue; today it runs aiosd in the foreground.
import { runMain } from '../dist/aios.js';
runMain(['daemon', ...process.argv.slice(2)]);
