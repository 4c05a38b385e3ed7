// Writes docs/security.md's permission table from methods.ts (the test in
// test/protocol/permission-table.test.ts fails while they differ): node scripts/permission-table.mjs
import { build } from 'esbuild';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(mkdtempSync(join(tmpdir(), 'aios-perm-')), 'table.mjs');
await build({
  entryPoints: [join(root, 'src/protocol/permission-table.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: out,
  logLevel: 'error',
});
const { permissionTable } = await import(out);
const page = join(root, 'docs', 'security.md');
const text = readFileSync(page, 'utf8');
const next = text.replace(
  /<!-- permissions:begin -->\n[\s\S]*?\n<!-- permissions:end -->/,
  `<!-- permissions:begin -->\n${permissionTable()}\n<!-- permissions:end -->`,
);
writeFileSync(page, next);
console.log(
  next === text
    ? 'docs/security.md: the permission table was already current'
    : 'docs/security.md: permission table written',
);
