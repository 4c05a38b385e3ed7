// The config loader under hostile files: whatever a config file holds, loading either
// succeeds or throws a ConfigError naming the file; nothing else escapes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

const dir = mkdtempSync(join(tmpdir(), 'aios-cfgfuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const keys = [
  'system',
  'security',
  'tools',
  'recovery',
  'daemon',
  'monitor',
  'models',
  'api',
  'mode',
  'exec_timeout_ms',
  'dangerous_patterns',
  'x',
];

describe('config loader properties', () => {
  it('never throws anything but a ConfigError that names the file', () => {
    const file = join(dir, 'config.toml');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 400 }),
          fc
            .array(
              fc.tuple(
                fc.constantFrom(...keys),
                fc.constantFrom(...keys),
                fc.oneof(
                  fc.integer(),
                  fc.string({ maxLength: 20 }).map((s) => JSON.stringify(s)),
                  fc.constant('[1, "a"]'),
                  fc.constant('{ a = 1 }'),
                  fc.constant('true'),
                ),
              ),
              { maxLength: 6 },
            )
            .map((rows) => rows.map(([t, k, v]) => `[${t}]\n${k} = ${v}\n`).join('')),
        ),
        (text) => {
          writeFileSync(file, text);
          try {
            loadConfig({ systemFile: null, userFile: file, env: {} });
          } catch (err) {
            expect(err).toBeInstanceOf(ConfigError);
            expect((err as Error).message).toContain(file);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
