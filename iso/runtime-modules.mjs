#!/usr/bin/env node
// Prints the node_modules directories aiOS needs at run time, one per line, for the image.
// dist/ is a bundle: only the packages esbuild leaves external (scripts/build.mjs) are loaded
// from node_modules, so the image gets those and what they depend on, resolved through
// package-lock.json the way Node resolves them. Prebuilt binaries for other platforms and
// node-llama-cpp's CUDA and Vulkan builds (about 600 MB) are left out unless --gpu is given.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const gpu = process.argv.includes('--gpu');
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const packages = lock.packages;
const build = readFileSync(join(root, 'scripts/build.mjs'), 'utf8');
const externals = JSON.parse((/external:\s*(\[[^\]]*\])/.exec(build)?.[1] ?? '[]').replaceAll("'", '"'));

// Node's lookup: node_modules of the requiring package, then of each ancestor.
function resolvePackage(from, name) {
  let base = from;
  for (;;) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (base === '') return null;
    const i = base.lastIndexOf('/node_modules/');
    base = i === -1 ? '' : base.slice(0, i);
  }
}

function wanted(key, meta) {
  if (meta.os !== undefined && !meta.os.includes('linux')) return false;
  if (meta.cpu !== undefined && !meta.cpu.includes('x64')) return false;
  const scoped = /node_modules\/@node-llama-cpp\/(.+)$/.exec(key);
  if (scoped !== null)
    return scoped[1] === 'linux-x64' || (gpu && /^linux-x64-(cuda|cuda-ext|vulkan)$/.test(scoped[1]));
  return true;
}

const seen = new Set();
const stack = externals.map((name) => resolvePackage('', name)).filter((k) => k !== null);
while (stack.length > 0) {
  const key = stack.pop();
  if (seen.has(key)) continue;
  const meta = packages[key];
  // The lock also names optional packages for other libcs that npm did not install here.
  if (!wanted(key, meta) || !existsSync(join(root, key))) continue;
  seen.add(key);
  for (const dep of Object.keys({ ...meta.dependencies, ...meta.optionalDependencies })) {
    const next = resolvePackage(key, dep);
    if (next !== null) stack.push(next);
  }
}
process.stdout.write([...seen].sort().join('\n') + '\n');
