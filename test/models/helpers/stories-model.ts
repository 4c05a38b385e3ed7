// The real 260K-parameter TinyStories Llama in ../shared/models, verified by its sha256.
// Tests that need it skip, saying why, when the shared folder is not there.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../helpers/daemon.js';

export const STORIES_SHA256 = '270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d';
export const storiesPath = join(repoRoot, '..', 'shared', 'models', 'stories260K.gguf');
export const workerScript = join(repoRoot, 'dist', 'model-worker.js');

/** The file's sha256, or null when the shared folder is absent. */
export const storiesSha256 = existsSync(storiesPath)
  ? createHash('sha256').update(readFileSync(storiesPath)).digest('hex')
  : null;

function check(): string | null {
  if (storiesSha256 === null) return `${storiesPath} is absent (the shared models folder is not mounted here)`;
  // A wrong file is not skipped quietly: the checksum test fails, and these skip.
  if (storiesSha256 !== STORIES_SHA256) return `${storiesPath} has sha256 ${storiesSha256}, expected ${STORIES_SHA256}`;
  if (!existsSync(workerScript)) return `${workerScript} is not built; run node scripts/build.mjs`;
  return null;
}

/** null when the model can be used; otherwise why the tests that need it are skipped. */
export const storiesMissing = check();
if (storiesMissing !== null) process.stderr.write(`skipping local-model tests: ${storiesMissing}\n`);
