// Content-addressed file contents for snapshots: each distinct content is stored once, and is
// checked against its sha256 whenever it is read back. A blob is either a file
// <dir>/<sha256[0..2]>/<sha256> (step snapshots, and anything large) or, for the small files of
// whole-tree snapshots, a row in the state database: creating thousands of inodes costs far more
// than one transaction (measured: 0.3-0.7 ms per new file on the project's VM).
import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../memory/database.js';
import { fsyncDirSync } from './atomic-file.js';

const CHUNK = 1024 * 1024;
/** Files up to this size are packed into the database by tree snapshots. */
export const PACK_MAX_BYTES = 1024 * 1024;
/** Packed blobs waiting for their snapshot's transaction; past this many bytes they are written early. */
const PENDING_MAX_BYTES = 64 * 1024 * 1024;
/** Past this many new blobs in one batch, one filesystem-wide sync beats a sync per file. */
const BATCH_SYNC_THRESHOLD = 16;

/** A blob that is missing or no longer matches its hash: the snapshot cannot be trusted. */
export class SnapshotBlobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SnapshotBlobError';
  }
}

export class BlobStore {
  private readonly madeDirs = new Set<string>();
  private readonly buffer = Buffer.alloc(CHUNK);
  private readonly pending = new Map<string, Buffer>();
  private pendingBytes = 0;
  private readonly sql;

  constructor(
    readonly dir: string,
    private readonly db: Db | null = null,
  ) {
    // Blobs may be copies of /etc/shadow or private keys: readable by the daemon only.
    mkdirSync(join(dir, '.tmp'), { recursive: true, mode: 0o700 });
    this.sql =
      db === null
        ? null
        : {
            has: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM blobs WHERE sha256 = ?'),
            get: db.prepare<[string], { data: Buffer }>('SELECT data FROM blobs WHERE sha256 = ?'),
            put: db.prepare('INSERT OR IGNORE INTO blobs (sha256, size, data) VALUES (?, ?, ?)'),
          };
  }

  pathOf(sha256: string): string {
    return join(this.dir, sha256.slice(0, 2), sha256);
  }

  has(sha256: string): boolean {
    return this.pending.has(sha256) || this.sql?.has.get(sha256) !== undefined || existsSync(this.pathOf(sha256));
  }

  /** A blob's bytes (verified), or null when it is missing or corrupted. */
  read(sha256: string): Buffer | null {
    const row = this.pending.get(sha256) ?? this.sql?.get.get(sha256)?.data;
    let data: Buffer;
    try {
      data = row ?? readFileSync(this.pathOf(sha256));
    } catch {
      return null;
    }
    return createHash('sha256').update(data).digest('hex') === sha256 ? data : null;
  }

  /**
   * Reads a small file into the pending pack (written with the snapshot's rows by
   * writePending); null when the file is too big to pack (the caller stores it as a file).
   */
  putPacked(source: string): { sha256: string } | null {
    if (this.sql === null) return null;
    const fd = openSync(source, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    let data: Buffer;
    try {
      if (fstatSync(fd).size > PACK_MAX_BYTES) return null;
      data = readFileSync(fd);
    } finally {
      closeSync(fd);
    }
    const sha256 = createHash('sha256').update(data).digest('hex');
    if (!this.has(sha256)) {
      this.pending.set(sha256, data);
      this.pendingBytes += data.length;
      if (this.pendingBytes > PENDING_MAX_BYTES) this.db?.transaction(() => this.writePending())();
    }
    return { sha256 };
  }

  /** Writes the pending packed blobs; call inside the transaction that records the snapshot. */
  writePending(): void {
    for (const [sha256, data] of this.pending) this.sql?.put.run(sha256, data.length, data);
    this.pending.clear();
    this.pendingBytes = 0;
  }

  /**
   * Streams a file into the store (memory stays bounded for big files) and returns its sha256
   * and whether the blob is new. With `durable` false the caller makes the batch durable with
   * syncBatch(); until then a crash may lose new blobs, so nothing may name them yet.
   */
  putFile(source: string, durable = true): { sha256: string; fresh: string | null } {
    const temp = join(this.dir, '.tmp', randomBytes(8).toString('hex'));
    const hash = createHash('sha256');
    // O_NOFOLLOW: the caller lstat'ed a regular file; a link swapped in since is refused.
    const input = openSync(source, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const output = openSync(temp, 'wx', 0o600);
      try {
        this.copyChunks(input, output, (chunk) => hash.update(chunk));
        // The blob is the undo for a change about to be made: it must survive a crash first.
        if (durable) fsyncSync(output);
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
    if (existsSync(final) || this.pending.has(sha256) || this.sql?.has.get(sha256) !== undefined) {
      removeQuietly(temp);
      return { sha256, fresh: null };
    }
    const sub = join(this.dir, sha256.slice(0, 2));
    if (!this.madeDirs.has(sub)) {
      mkdirSync(sub, { recursive: true, mode: 0o700 });
      this.madeDirs.add(sub);
    }
    renameSync(temp, final);
    if (durable) fsyncDirSync(sub);
    return { sha256, fresh: final };
  }

  /** Makes blobs written with durable=false durable: one syncfs for a big batch, else a sync each. */
  syncBatch(fresh: readonly string[]): void {
    if (fresh.length === 0) return;
    if (fresh.length > BATCH_SYNC_THRESHOLD && syncFilesystem(this.dir)) return;
    const dirs = new Set<string>();
    for (const path of fresh) {
      const fd = openSync(path, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      dirs.add(join(path, '..'));
    }
    for (const d of dirs) fsyncDirSync(d);
  }

  /**
   * A packed blob's bytes, verified against its name; undefined when the blob is kept as a file
   * (copy it with copyFileVerified). Throws SnapshotBlobError naming `forPath` when corrupted.
   */
  packedVerified(sha256: string, forPath: string): Buffer | undefined {
    const packed = this.pending.get(sha256) ?? this.sql?.get.get(sha256)?.data;
    if (packed === undefined) return undefined;
    const actual = createHash('sha256').update(packed).digest('hex');
    if (actual !== sha256) throw corrupted(forPath, sha256, actual);
    return packed;
  }

  /**
   * Streams a blob kept as a file into an open handle, hashing as it goes (the copy is checked
   * without reading it back); throws SnapshotBlobError naming `forPath` when the blob is gone
   * or its content no longer matches its name.
   */
  async copyFileVerified(sha256: string, output: FileHandle, forPath: string): Promise<void> {
    let input: FileHandle;
    try {
      input = await open(this.pathOf(sha256), 'r');
    } catch (error) {
      throw new SnapshotBlobError(
        `the saved content of ${forPath} is missing from the snapshot store (blob ${sha256}); it cannot be restored`,
        { cause: error },
      );
    }
    const hash = createHash('sha256');
    // Its own buffer: several copies run at once.
    const buffer = Buffer.alloc(CHUNK);
    try {
      for (;;) {
        const { bytesRead } = await input.read(buffer, 0, CHUNK, null);
        if (bytesRead === 0) break;
        hash.update(buffer.subarray(0, bytesRead));
        await writeAll(output, buffer.subarray(0, bytesRead));
      }
    } finally {
      await input.close();
    }
    const actual = hash.digest('hex');
    if (actual !== sha256) throw corrupted(forPath, sha256, actual);
  }

  /** Removes every blob no snapshot names any more; returns how many went. */
  collectGarbage(referenced: ReadonlySet<string>): number {
    let removed = 0;
    if (this.db !== null) {
      const packed = (this.db.prepare('SELECT sha256 FROM blobs').all() as { sha256: string }[]).filter(
        (r) => !referenced.has(r.sha256),
      );
      const del = this.db.prepare('DELETE FROM blobs WHERE sha256 = ?');
      this.db.transaction(() => {
        for (const r of packed) del.run(r.sha256);
      })();
      removed += packed.length;
    }
    for (const sub of readdirSync(this.dir)) {
      if (!/^[0-9a-f]{2}$/.test(sub)) continue;
      for (const name of readdirSync(join(this.dir, sub))) {
        if (referenced.has(name)) continue;
        removeQuietly(join(this.dir, sub, name));
        removed += 1;
      }
    }
    return removed;
  }

  private copyChunks(input: number, output: number, onChunk: (chunk: Buffer) => void): void {
    for (;;) {
      const n = readSync(input, this.buffer, 0, CHUNK, null);
      if (n === 0) return;
      const chunk = this.buffer.subarray(0, n);
      onChunk(chunk);
      let written = 0;
      while (written < n) written += writeSync(output, chunk, written, n - written);
    }
  }
}

const corrupted = (forPath: string, sha256: string, actual: string): SnapshotBlobError =>
  new SnapshotBlobError(
    `the saved content of ${forPath} is corrupted (blob ${sha256} now hashes to ${actual}); it cannot be restored`,
  );

/** Writes all of `data` through the handle (a write may be short). */
export async function writeAll(output: FileHandle, data: Uint8Array): Promise<void> {
  for (let written = 0; written < data.length;)
    written += (await output.write(data, written, data.length - written, null)).bytesWritten;
}

/** Hashes a file's content (for comparing what is there with what a snapshot holds). */
export function hashFile(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(64 * 1024);
  try {
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** syncfs(2) through coreutils' sync -f: every dirty page of the filesystem holding `dir`. */
export function syncFilesystem(dir: string): boolean {
  const r = spawnSync('sync', ['-f', dir], { stdio: 'ignore', timeout: 60_000 });
  return r.status === 0;
}

/** The same, off the event loop. */
export function syncFilesystemAsync(dir: string): Promise<boolean> {
  return new Promise((done) => {
    execFile('sync', ['-f', dir], { timeout: 60_000 }, (error) => done(error === null));
  });
}

export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone is what we wanted.
  }
}
