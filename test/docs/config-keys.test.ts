// docs/configuration.md names every key config.toml may hold, and no other: checked against the
// zod schema, so the reference cannot drift from what aiosd accepts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configKeys } from '../../src/config/config-keys.js';

const page = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');

function documentedKeys(): string[] {
  const section = /<!-- config-keys -->([\s\S]*?)<!-- \/config-keys -->/.exec(page)?.[1] ?? '';
  return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1] ?? '');
}

describe('docs/configuration.md', () => {
  it('lists every key of the schema', () => {
    const documented = new Set(documentedKeys());
    expect(configKeys().filter((k) => !documented.has(k))).toEqual([]);
  });

  it('names no key the schema does not have, and each once', () => {
    const keys = new Set(configKeys());
    const documented = documentedKeys();
    expect(documented.filter((k) => !keys.has(k))).toEqual([]);
    expect(documented.length).toBe(new Set(documented).size);
  });

  it('reads keys from nested tables, arrays of tables and named tables', () => {
    expect(configKeys()).toEqual(
      expect.arrayContaining(['system.hostname', 'schedule[].goal', 'api.<name>.price.input_per_mtok']),
    );
  });
});
