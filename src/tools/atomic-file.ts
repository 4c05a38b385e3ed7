// Durability helpers shared by the ways aiOS replaces files (verified-dir writes, restores):
// a rename is durable only once its directory is fsynced, and only root may give a file away.
import { closeSync, fsyncSync, openSync } from 'node:fs';

/** Makes a rename durable: without it the new directory entry can be lost on power failure. */
export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Root may give a file any owner; anyone else may only keep their own ids. */
export function mayChown(uid: number, gid: number): boolean {
  const me = process.getuid?.();
  if (me === 0) return true;
  return me === uid && process.getgid?.() === gid;
}
