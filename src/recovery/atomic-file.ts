// Durability helpers shared by the ways aiOS replaces files (verified-dir writes, restores):
// a rename is durable only once its directory is fsynced, and only root may give a file away.
export { fsyncDirSync } from '../files/write-file-atomic.js';

/** Root may give a file any owner; anyone else may only keep their own ids. */
export function mayChown(uid: number, gid: number): boolean {
  const me = process.getuid?.();
  if (me === 0) return true;
  return me === uid && process.getgid?.() === gid;
}
