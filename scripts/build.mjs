// Bundles aiOS into dist/ with esbuild: one minified ESM entry plus lazily loaded chunks,
// so `aios shell` loads only what the TUI needs (start-up time is a measured goal).
// `--if-stale` skips the build when dist/ is newer than every source file.
import { build } from 'esbuild';
import { readFileSync, readdirSync, statSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'dist', 'aios.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

if (process.argv.includes('--if-stale') && existsSync(out)) {
  const sources = Math.max(
    newestMtime(join(root, 'src')),
    newestMtime(join(root, 'init')),
    statSync(join(root, 'package.json')).mtimeMs,
  );
  if (statSync(out).mtimeMs >= sources) process.exit(0);
}

rmSync(join(root, 'dist'), { recursive: true, force: true });
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
await build({
  // model-worker: the local model runtime, started by aiosd as a child process (src/models/local).
  // aios-init: boot phases, supervision and login integration (init/main.ts), run by bin/aios-init.js.
  // runas-helper: runs an operator's steps with the operator's credentials (src/runas), started by aiosd.
  entryPoints: {
    aios: join(root, 'src/cli/main.ts'),
    'model-worker': join(root, 'src/models/local/model-worker.ts'),
    'aios-init': join(root, 'init/main.ts'),
    'runas-helper': join(root, 'src/runas/helper-main.ts'),
  },
  outdir: join(root, 'dist'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  // Native addons load from node_modules; react-devtools-core is only for Ink's dev mode.
  // sh-syntax is never bundled (its worker and WASM are found by require.resolve at run time,
  // src/policy/mvdan-check.ts): listed so that iso/runtime-modules.mjs puts it in the image.
  external: ['better-sqlite3', 'node-pty', 'node-llama-cpp', 'react-devtools-core', 'sh-syntax'],
  define: { 'process.env.NODE_ENV': '"production"', __AIOS_VERSION__: JSON.stringify(pkg.version) },
  // Bundled CommonJS dependencies call require() for Node built-ins.
  banner: {
    js: "import{createRequire as __aiosCreateRequire}from'node:module';const require=__aiosCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
