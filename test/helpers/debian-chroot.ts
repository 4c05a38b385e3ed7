// A real Debian tree for package tests that must never touch the CI host's own apt: a minbase
// system made once with mmdebstrap, its tarball cached under ~/.cache/aios-test, unpacked fresh
// for each test file. Where the tests do not run as root, or mmdebstrap is missing or cannot
// build one (no mirror reachable), the caller skips and says why.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './daemon.js';

const CACHE = join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'aios-test');
const SUITE = 'bookworm';
const TARBALL = join(CACHE, `debian-minbase-${SUITE}.tar`);

export type Chroot = { root: string; dispose: () => void } | { skip: string };

export function debianChroot(): Chroot {
  if (process.getuid?.() !== 0) return { skip: 'needs root (chroot, dpkg)' };
  if (!existsSync(TARBALL)) {
    if (spawnSync('mmdebstrap', ['--version']).status !== 0)
      return { skip: 'mmdebstrap is not installed (scripts/install-system-deps.sh installs it)' };
    mkdirSync(CACHE, { recursive: true });
    const partial = `${TARBALL}.partial`;
    const made = spawnSync('mmdebstrap', ['--variant=minbase', '--format=tar', SUITE, partial], {
      encoding: 'utf8',
      timeout: 15 * 60_000,
    });
    if (made.status !== 0) {
      rmSync(partial, { force: true });
      return { skip: `mmdebstrap could not build a ${SUITE} tree: ${(made.stderr ?? '').trim().slice(-300)}` };
    }
    renameSync(partial, TARBALL);
  }
  // Not under /tmp: a sandboxed check command gets a private /tmp, and must still see the tree.
  const root = mkdtempSync('/var/tmp/aios-chroot-');
  const untar = spawnSync('tar', ['-xf', TARBALL, '-C', root], { encoding: 'utf8' });
  if (untar.status !== 0) {
    rmSync(root, { recursive: true, force: true });
    return { skip: `could not unpack ${TARBALL}: ${untar.stderr}` };
  }
  // Only the test's own repository: the tree never reaches a mirror again.
  rmSync(join(root, 'etc/apt/sources.list'), { force: true });
  rmSync(join(root, 'etc/apt/sources.list.d'), { recursive: true, force: true });
  mkdirSync(join(root, 'etc/apt/sources.list.d'));
  return { root, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * Publishes aios-hello at these versions as the tree's only package source, replacing what was
 * there (a mirror that dropped the old versions), and refreshes the index. `copy:` makes apt keep
 * what it installs in its archive cache, as it does with a network mirror.
 */
export function publish(root: string, versions: string[], suite = 'aios-fixture'): void {
  // One directory per suite: apt refuses a source whose Release changes its Label.
  const repo = join(root, 'srv', suite);
  rmSync(repo, { recursive: true, force: true });
  const made = spawnSync(join(repoRoot, 'scripts/make-apt-fixture.sh'), [repo, ...versions], {
    encoding: 'utf8',
    env: { ...process.env, APT_FIXTURE_SUITE: suite },
  });
  if (made.status !== 0) throw new Error(`make-apt-fixture.sh failed: ${made.stderr}`);
  writeFileSync(join(root, 'etc/apt/sources.list.d/aios.list'), `deb [trusted=yes] copy:/srv/${suite} ./\n`);
  inChroot(root, ['apt-get', 'update']);
}

/** Runs a command in the tree; throws with its output when it fails. */
export function inChroot(root: string, argv: string[]): string {
  const r = spawnSync('chroot', [root, ...argv], {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed in ${root}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** The installed version of a package in the tree, or null. */
export function installedVersion(root: string, name: string): string | null {
  const r = spawnSync('chroot', [root, 'dpkg-query', '-W', '-f', '${db:Status-Abbrev}${Version}', name], {
    encoding: 'utf8',
  });
  return r.status === 0 && r.stdout.startsWith('ii') ? r.stdout.slice(3).trim() : null;
}
