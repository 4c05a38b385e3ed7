// Builds the benchmark and its Ink baseline with esbuild (production, minified, as aiOS
// itself is built), then runs it.
import { build } from 'esbuild';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'bench', '.build');
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  banner: { js: "import{createRequire as __r}from'node:module';const require=__r(import.meta.url);" },
};
// Split like aiOS's own bundle, so Ink's dev-only devtools import stays in a chunk never loaded.
await build({
  ...common,
  entryPoints: [join(root, 'bench/fixtures/ink-hello.tsx'), join(root, 'bench/fixtures/ink-stream.tsx')],
  outdir: out,
  splitting: true,
  minify: true,
  define: { 'process.env.NODE_ENV': '"production"' },
  external: ['react-devtools-core'],
});
// `aios top` built with blessed-contrib (bench/top.ts measures it). blessed loads its widgets and
// terminfo with computed require() paths, so it stays in node_modules rather than in the bundle.
await build({
  ...common,
  entryPoints: [join(root, 'bench/fixtures/blessed-top.mjs')],
  outfile: join(out, 'blessed-top.js'),
  external: ['blessed', 'blessed-contrib'],
});
// `node bench/run.mjs models`: only bench/models.ts (bench/models-main.ts); `audit-heads`: only bench/audit-heads.ts;
// `fleet`: only bench/fleet.ts; `gc`: only bench/gc.ts.
const entry =
  { models: 'models-main', 'audit-heads': 'audit-heads-main', fleet: 'fleet-main', gc: 'gc-main' }[
    process.argv[2] ?? ''
  ] ?? 'main';
await build({
  ...common,
  entryPoints: [join(root, `bench/${entry}.ts`)],
  outfile: join(out, `${entry}.js`),
  external: ['node-pty', 'better-sqlite3', 'node-llama-cpp'],
});
await import(join(out, `${entry}.js`));
// The figures go into docs/benchmarks.md (bench/page.mjs).
(await import('./page.mjs')).writePages();
