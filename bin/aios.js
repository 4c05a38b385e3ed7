#!/usr/bin/env node
import { runMain } from '../dist/aios.js';
runMain(process.argv.slice(2));
