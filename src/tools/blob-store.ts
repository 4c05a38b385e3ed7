// Content-addressed file contents for snapshots: each distinct content is stored once, as
// <dir>/<sha256[0..2]>/<sha256>, and is checked against its name whenever it is read back.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDirSync } from './atomic-file.js';

const CHUNK = 1024 * 1024;

/** A blob that is missing or no longer matches its hash: the snapshot cannot be trusted. */
export class SnapshotBlobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SnapshotBlobError';
  }
}

export class BlobStore {
  constructor(private readonly dir: string) {
    // Blobs may be copies of /etc/shadow or private keys: readable by the daemon only.
    mkdirSync(join(dir, '.tmp'), { recursive: true, mode: 0o700 });
  }

  pathOf(sha256: string): string {
    return join(this.dir, sha256.slice(0, 2), sha256);
  }

  /** Streams a file into the store (memory stays bounded for big files) and returns its sha256. */
  putFile(source: string): string {
    const temp = join(this.dir, '.tmp', randomBytes(8).toString('hex'));
    const hash = createHash('sha256');
    // O_NOFOLLOW: the caller lstat'ed a regular file; a link swapped in since is refused.
    const input = openSync(source, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const output = openSync(temp, 'wx', 0o600);
      try {
        copyChunks(input, output, (chunk) => hash.update(chunk));
        // The blob is the undo for a change about to be made: it must survive a crash first.
        fsyncSync(output);
      } finally {
        closeSync(output);
      }
    } catch (error) {
      removeQuietly(temp);
      throw error;
    } finally {
      closeSync(input);
    }
    const sha256 = hash.digest('hex');
    const final = this.pathOf(sha256);
    if (existsSync(final)) {
      removeQuietly(temp);
      return sha256;
    }
    mkdirSync(join(this.dir, sha256.slice(0, 2)), { recursive: true, mode: 0o700 });
    renameSync(temp, final);
    fsyncDirSync(join(this.dir, sha256.slice(0, 2)));
    return sha256;
  }

  /**
   * Copies a blob into an open file, hashing as it goes; throws SnapshotBlobError naming
   * `forPath` when the blob is gone or its content no longer matches its name.
   */
  copyVerified(sha256: string, outputFd: number, forPath: string): void {
    let input: number;
    try {
      input = openSync(this.pathOf(sha256), 'r');
    } catch (error) {
      throw new SnapshotBlobError(`the saved content of ${forPath} is missing from the snapshot store (blob ${sha256}); it cannot be restored`, { cause: error });
    }
    const hash = createHash('sha256');
    try {
      copyChunks(input, outputFd, (chunk) => hash.update(chunk));
    } finally {
      closeSync(input);
    }
    const actual = hash.digest('hex');
    if (actual !== sha256) {
      throw new SnapshotBlobError(`the saved content of ${forPath} is corrupted (blob ${sha256} now hashes to ${actual}); it cannot be restored`);
    }
  }
}

function copyChunks(input: number, output: number, onChunk: (chunk: Buffer) => void): void {
  const buffer = Buffer.alloc(CHUNK);
  for (;;) {
    const n = readSync(input, buffer, 0, CHUNK, null);
    if (n === 0) return;
    const chunk = buffer.subarray(0, n);
    onChunk(chunk);
    let written = 0;
    while (written < n) written += writeSync(output, chunk, written, n - written);
  }
}

export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone is what we wanted.
  }
}
