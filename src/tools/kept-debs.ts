// The installed .deb of each package a transaction will replace or remove, kept before it runs.
// Mirrors drop superseded versions (and a node may be offline when it must roll back), so a
// package rollback reinstalls from this file, never from a download. It is taken from apt's
// archive cache when there, downloaded while the version is still published otherwise, checked
// to be that very package and version, and recorded as a file of the step's snapshot: its content
// lives in the snapshot store for as long as the goal can be rolled back (retention keeps it; no
// cache cleaning can take it), and the restore writes it back before reinstalling from it.
import { existsSync } from 'node:fs';
import { hostPath, inRoot } from './package-root.js';
import { runProgram, type RunResult } from './run-program.js';

/** A package's kept .deb: the version it holds and where it is inside the package root. */
export interface KeptDeb {
  version: string;
  path: string;
}
export type KeptDebs = Record<string, KeptDeb>;

export const ARCHIVES = '/var/cache/apt/archives';

/** apt's own name for a version's file: name_version_arch.deb, an epoch's colon written %3a. */
export function debFileName(name: string, version: string, arch: string): string {
  return `${name.replace(/:.*$/, '')}_${version.replace(/:/g, '%3a')}_${arch}.deb`;
}

/** Keeps the installed .deb of each package; throws, naming the package, where one cannot be had. */
export async function keepInstalledDebs(
  root: string,
  packages: readonly { name: string; version: string }[],
): Promise<KeptDebs> {
  const kept: KeptDebs = {};
  for (const { name, version } of packages) {
    const archQuery = await queryApt(['dpkg-query', '-W', '-f', '${Architecture}', name], root);
    const arch = archQuery.started && archQuery.exitCode === 0 ? archQuery.stdout.trim() : '';
    if (arch === '') throw new Error(`cannot keep the installed .deb of ${name}: dpkg does not say its architecture`);
    const path = `${ARCHIVES}/${debFileName(name, version, arch)}`;
    if (!(await holds(root, path, name, version))) {
      const got = await queryApt(['env', `--chdir=${ARCHIVES}`, 'apt-get', 'download', `${name}=${version}`], root);
      if (!(await holds(root, path, name, version))) {
        const why = got.started
          ? got.stderr
              .split('\n')
              .filter((l) => /^E:/.test(l))
              .join('; ') || `apt-get download exited with ${got.exitCode ?? '?'}`
          : got.error;
        throw new Error(
          `cannot keep the installed .deb of ${name} ${version}: it is not in ${ARCHIVES} and apt cannot download it (${why}); ` +
            'a rollback could not bring it back, so nothing is changed. Put the .deb in the archive cache, or change the package by hand',
        );
      }
    }
    kept[name] = { version, path };
  }
  return kept;
}

const queryApt = (argv: string[], root: string): Promise<RunResult> =>
  runProgram(inRoot(root, argv), {
    timeoutMs: 10 * 60_000,
    outputCapBytes: 1024 * 1024,
    env: { DEBIAN_FRONTEND: 'noninteractive' },
  });

/** Whether a .deb at this path (inside the root) is this package at this version. */
async function holds(root: string, path: string, name: string, version: string): Promise<boolean> {
  if (!existsSync(hostPath(root, path))) return false;
  const r = await queryApt(['dpkg-deb', '--field', path, 'Package', 'Version'], root);
  if (!r.started || r.exitCode !== 0) return false;
  const field = (key: string): string | undefined => new RegExp(`^${key}: (.*)$`, 'm').exec(r.stdout)?.[1]?.trim();
  return field('Package') === name.replace(/:.*$/, '') && field('Version') === version;
}
