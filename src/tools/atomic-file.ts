// The one way aiOS replaces a file: a temp file beside the target, fsynced, renamed over it,
// then the directory fsynced. A reader sees the old file or the new one, never a mix, and a
// crash leaves one of the two on disk (plus, at worst, a stray temp file).
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A name in the target's own directory, so the final rename never crosses filesystems. */
export function tempPathBeside(target: string, tag: string): string {
  const suffix = randomBytes(6).toString('hex');
  return join(dirname(target), `.${basename(target)}.aios-${tag}-${suffix}`);
}

/** Makes a rename durable: without it the new directory entry can be lost on power failure. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

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
