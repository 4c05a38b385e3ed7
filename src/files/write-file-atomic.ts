// Replacing a file so that a crash leaves either the old content or the new, never a mix or
// nothing: write a temporary file beside it, fsync it, rename it over, fsync the directory
// (without that, the new directory entry itself can be lost on power failure). Every writer of
// a whole file in aiOS goes through here (configs, keys, the ledger's head, manifests, state files).
import { closeSync, fchmodSync, fchownSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** The new file's mode, exactly: the umask does not narrow it. Default 0o644. */
  mode?: number;
  /** Its owner, given only where the writer may give one (root); otherwise the writer's own. */
  owner?: { uid: number; gid: number } | null;
  /** Runs on the complete temporary file before it replaces anything: throwing leaves the old file as it was. */
  check?: (tempPath: string) => void;
}

let serial = 0;

export function writeFileAtomicSync(file: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const dir = dirname(file);
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${Date.now()}.${serial++}.tmp`);
  const mode = opts.mode ?? 0o644;
  // O_EXCL: never write through a link or a file someone placed under the temporary name.
  const fd = openSync(tmp, 'wx', mode);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off);
    fchmodSync(fd, mode);
    if (opts.owner != null && process.getuid?.() === 0) fchownSync(fd, opts.owner.uid, opts.owner.gid);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    opts.check?.(tmp);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDirSync(dir);
}

/** Makes a rename (or a new entry) in `dir` durable: without it the entry can be lost on power failure. */
export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
