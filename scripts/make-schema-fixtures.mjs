#!/usr/bin/env node
// Writes test/fixtures/schema/vN.sql for every schema version that has none yet: a state
// database of that version (its migrations' SQL and representative rows, from
// test/helpers/schema-fixture.ts). Existing fixtures are never rewritten: they stand for what
// databases of that version hold, and today's code must keep opening them
// (test/memory/schema-fixtures.test.ts). Run it after adding a migration, and commit the new file.
import { build } from 'esbuild';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
const outDir = join(root, 'test', 'fixtures', 'schema');
// Inside the checkout, so that the bundle's one external (better-sqlite3) resolves from node_modules.
const work = mkdtempSync(join(root, '.schema-fixtures-'));
try {
  const entry = join(work, 'fixture.mjs');
  await build({
    entryPoints: [join(root, 'test', 'helpers', 'schema-fixture.ts')],
    outfile: entry,
    bundle: true,
    platform: 'node',
    format: 'esm',
    external: ['better-sqlite3'],
    logLevel: 'warning',
  });
  const { fixtureSql, migrations } = await import(pathToFileURL(entry).href);
  mkdirSync(outDir, { recursive: true });
  for (const m of migrations) {
    const file = join(outDir, `v${m.version}.sql`);
    if (existsSync(file)) continue;
    writeFileSync(file, fixtureSql(m.version));
    process.stdout.write(`wrote ${file}\n`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
