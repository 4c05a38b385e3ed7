// aiOS's own native addons (native/<name>, built from source by `npm install`): found from the
// source tree (tests) and from the bundle in dist/ alike, by walking up to the repository root.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const loaded = new Map<string, unknown>();

/** Loads native/<name>/build/Release/<name>.node once; throws, saying how to build it, when it is not built. */
export function loadNativeAddon<T>(name: string): T {
  const known = loaded.get(name);
  if (known !== undefined) return known as T;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'native', name, 'build', 'Release', `${name}.node`);
    if (existsSync(candidate)) {
      const addon = createRequire(import.meta.url)(candidate) as T;
      loaded.set(name, addon);
      return addon;
    }
    dir = dirname(dir);
  }
  throw new Error(`the ${name} native addon is not built; run 'npm ci' (or 'npm run install') in the aiOS directory`);
}
