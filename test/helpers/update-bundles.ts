// Update bundles for tests, made by the real scripts/bundle.mjs (signed with a key it makes),
// and taken apart and put together again with tar to forge the bad ones.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './daemon.js';

const script = join(repoRoot, 'scripts', 'bundle.mjs');

/** Signs `tree` into `out` with `key` (made, with key.pub, when missing). */
export function makeBundle(o: { tree: string; key: string; out: string; version: string }): string {
  execFileSync(
    process.execPath,
    [script, '--tree', o.tree, '--key', o.key, '--generate-key', '--out', o.out, '--version', o.version],
    { stdio: 'pipe' },
  );
  return o.out;
}

/** The slot tree of this checkout, assembled as a bundle holds it (dist/ must be built). */
export function stageTree(dir: string): string {
  execFileSync(process.execPath, [script, '--stage', dir], { stdio: 'pipe', maxBuffer: 16 << 20 });
  return dir;
}

/** A tiny tree that passes for a slot (bin/aios-init.js), for tests of the format alone. */
export function tinyTree(dir: string): string {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'bin', 'aios-init.js'), '#!/usr/bin/env node\n', { mode: 0o755 });
  writeFileSync(join(dir, 'dist', 'aios-init.js'), 'export {};\n');
  writeFileSync(join(dir, 'package.json'), '{"name":"aios","version":"0.0.0"}\n');
  return dir;
}

/** Takes the bundle's members out, lets `change` edit them in a directory, and writes a new bundle. */
export function reforge(bundle: string, out: string, change: (dir: string) => void, members?: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'aios-reforge-'));
  execFileSync('tar', ['-xf', bundle, '-C', dir]);
  change(dir);
  const names = members ?? ['aios-bundle.json', 'aios-bundle.sig', 'tree.tar.gz'];
  execFileSync('tar', ['--format=ustar', '-C', dir, '-cf', out, ...names]);
  return out;
}

export function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}
