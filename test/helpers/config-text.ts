// A config.toml with the given text, loaded as the system file alone: for tests of what loads
// and what is refused, each in a temp dir of its own that is removed after each test.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { loadConfig } from '../../src/config/config.js';

/** Registers the temp dir's hooks; returns the loader and where the dir is now. */
export function configFromText(prefix = 'aios-config-'): {
  load: (text: string) => ReturnType<typeof loadConfig>;
  dir: () => string;
} {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir: () => dir,
    load: (text) => {
      const file = join(dir, 'config.toml');
      writeFileSync(file, text);
      return loadConfig({ systemFile: file, userFile: null, env: {} });
    },
  };
}
