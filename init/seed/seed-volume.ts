// Finds the seed volume (a filesystem labelled cidata or CIDATA, vfat or ISO 9660, as
// NoCloud defines it), mounts it read-only for as long as it takes to read its files, and
// unmounts it again.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { SEED_FILE_NAMES, type SeedFiles } from './seed-files.js';

export const SEED_LABELS = ['cidata', 'CIDATA'] as const;

/** The seed volume's device, from udev's links or, without them, by probing with blkid. */
export function findSeedVolume(byLabel = '/dev/disk/by-label'): string | null {
  for (const label of SEED_LABELS) {
    const link = join(byLabel, label);
    if (existsSync(link)) return realpathSync(link);
  }
  for (const label of SEED_LABELS) {
    try {
      const dev = execFileSync('blkid', ['-c', '/dev/null', '-L', label], { encoding: 'utf8', timeout: 10_000 }).trim();
      if (dev !== '') return dev;
    } catch {
      /* exit 2: no such label */
    }
  }
  return null;
}

/** The seed's files in `dir`, and a digest of them (the instance id of a seed without meta-data). */
export function readSeedDir(dir: string): { files: SeedFiles; digest: string } {
  const read = (name: string): string | null => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      return null;
    }
  };
  const files: SeedFiles = {
    metaData: read(SEED_FILE_NAMES.metaData),
    aiosToml: read(SEED_FILE_NAMES.aiosToml),
    configToml: read(SEED_FILE_NAMES.configToml),
    secretsToml: read(SEED_FILE_NAMES.secretsToml),
    userData: existsSync(join(dir, 'user-data')),
  };
  const hash = createHash('sha256');
  for (const v of [files.metaData, files.aiosToml, files.configToml, files.secretsToml]) hash.update(`${v ?? ''}\0`);
  return { files, digest: hash.digest('hex').slice(0, 16) };
}

/** Mounts `device` read-only on `mountPoint`, reads the seed, and unmounts it. */
export function readSeedVolume(device: string, mountPoint: string): { files: SeedFiles; digest: string } {
  mkdirSync(mountPoint, { recursive: true, mode: 0o700 });
  execFileSync('mount', ['-o', 'ro,nosuid,nodev,noexec', device, mountPoint], { stdio: 'pipe', timeout: 30_000 });
  try {
    return readSeedDir(mountPoint);
  } finally {
    execFileSync('umount', [mountPoint], { stdio: 'pipe', timeout: 30_000 });
  }
}
