// Where the built runtime entry lies: dist/model-worker.js, beside dist/aios.js. This module
// may itself be bundled into dist/aios.js or into a chunk under dist/chunks/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function defaultWorkerScript(from: string = import.meta.url): string {
  const candidates = ['./model-worker.js', '../model-worker.js', '../../../dist/model-worker.js'].map((rel) =>
    fileURLToPath(new URL(rel, from)),
  );
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined)
    throw new Error(
      `the model runtime is not built (looked for ${candidates.join(', ')}); run: node scripts/build.mjs`,
    );
  return found;
}
