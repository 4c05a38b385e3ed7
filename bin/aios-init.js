#!/usr/bin/env node
// aios-init: boot phases, supervision of aiosd, login integration (see init/main.ts).
import { runInitMain } from '../dist/aios-init.js';
runInitMain(process.argv.slice(2), import.meta.url);
