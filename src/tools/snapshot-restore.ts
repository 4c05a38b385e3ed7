// Restoring the files of a snapshot, all or nothing. Planning compares each recorded path with
// what is there now and keeps only what differs; staging prepares every file and link beside
// its target from verified blobs; the journal (restore-journal.ts) records intent before and
// "committing" after staging; only then do renames put things in place.
import { randomBytes } from 'node:crypto';
import {
  chmodSync, chownSync, lchownSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmdirSync, statSync, unlinkSync, type Stats,
} from 'node:fs';
import { lchown, mkdir, open, symlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsyncDirSync, mayChown } from './atomic-file.js';
import { hashFile, removeQuietly, syncFilesystem, syncFilesystemAsync, writeAll, type BlobStore } from './blob-store.js';
import { failpoint } from './failpoints.js';
import { forEachBounded, ioPoolWidth } from './io-pool.js';
import type { RestoreJournal, RestoreOp } from './restore-journal.js';
import { lstatOrNull } from './lstat-or-null.js';
import type { SparePool, SpareUse } from './spare-files.js';

export type SnapshotEntryType = 'file' | 'dir' | 'symlink' | 'absent';

export interface SnapshotEntry {
  path: string;
  type: SnapshotEntryType;
  mode: number | null;
  uid: number | null;
  gid: number | null;
  sha256: string | null;
  linkTarget: string | null;
}

/** The state of a path in the snapshot could not be brought back; nothing was changed. */
export class SnapshotRestoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SnapshotRestoreError';
  }
}

const SYNC_EACH_LIMIT = 16;


const tempFor = (path: string): string => join(dirname(path), `.${basename(path)}.aios-restore-${randomBytes(6).toString('hex')}`);

/** Owner differences count only where we could put the owner back (as root). */
function metaDiffers(e: SnapshotEntry, st: Stats): boolean {
  const modeOff = e.mode !== null && (st.mode & 0o7777) !== e.mode && !st.isSymbolicLink();
  const ownerOff = e.uid !== null && e.gid !== null && (st.uid !== e.uid || st.gid !== e.gid) && mayChown(e.uid, e.gid);
  return modeOff || ownerOff;
}

/** What must change for each entry to match the snapshot; entries that already match need nothing. */
export function planRestore(entries: readonly SnapshotEntry[], sameContent: (path: string, st: Stats, sha256: string) => boolean): RestoreOp[] {
  const ops: RestoreOp[] = [];
  for (const e of entries) {
    const now = lstatOrNull(e.path);
    const meta = { mode: e.mode, uid: e.uid, gid: e.gid };
    switch (e.type) {
      case 'file':
        if (e.sha256 === null) throw new SnapshotRestoreError(`snapshot entry for ${e.path} has no content hash`);
        if (now?.isDirectory() === true) throw new SnapshotRestoreError(`cannot restore ${e.path}: a directory is there now; move it away first`);
        if (now?.isFile() === true && sameContent(e.path, now, e.sha256)) {
          if (metaDiffers(e, now)) ops.push({ kind: 'meta', path: e.path, ...meta, link: false });
        } else {
          ops.push({ kind: 'replace', path: e.path, temp: tempFor(e.path), sha256: e.sha256 });
        }
        break;
      case 'symlink':
        if (e.linkTarget === null) throw new SnapshotRestoreError(`snapshot entry for ${e.path} has no link target`);
        if (now?.isDirectory() === true) throw new SnapshotRestoreError(`cannot restore ${e.path}: a directory is there now; move it away first`);
        if (now?.isSymbolicLink() === true && readlinkSync(e.path) === e.linkTarget) {
          if (metaDiffers(e, now)) ops.push({ kind: 'meta', path: e.path, ...meta, link: true });
        } else {
          ops.push({ kind: 'replace', path: e.path, temp: tempFor(e.path), sha256: null });
        }
        break;
      case 'dir':
        if (now !== null && !now.isDirectory()) throw new SnapshotRestoreError(`cannot restore directory ${e.path}: something else is there now; move it away first`);
        if (now === null || metaDiffers(e, now)) ops.push({ kind: 'dir', path: e.path, ...meta, created: now === null });
        break;
      case 'absent':
        if (now === null) break;
        if (now.isDirectory() && readdirSync(e.path).length > 0) throw new SnapshotRestoreError(`cannot restore ${e.path} to absent: a non-empty directory is there now`);
        ops.push({ kind: 'remove', path: e.path, isDir: now.isDirectory() });
        break;
    }
  }
  return ops;
}

/** Whether a restore sets this owner (as root, or when it is our own). */
function ownerSettable(e: { uid: number | null; gid: number | null }): e is { uid: number; gid: number } {
  return e.uid !== null && e.gid !== null && mayChown(e.uid, e.gid);
}

function setOwner(e: { uid: number | null; gid: number | null }, chown: (uid: number, gid: number) => void): void {
  if (ownerSettable(e)) chown(e.uid, e.gid);
}

/** Directories staging made (so that files can be staged inside them), removed again when a restore is undone. */
function undoCreatedDirs(ops: readonly RestoreOp[]): void {
  const made = ops.filter((o) => o.kind === 'dir' && o.created).sort((a, b) => b.path.length - a.path.length);
  for (const op of made) {
    try { rmdirSync(op.path); } catch { /* not empty (someone else's file) or already gone: leave it */ }
  }
}

/** Makes the missing directories (or renames spares in), parents first, each depth at once; private until commit sets their mode. */
async function makeDirs(ops: readonly RestoreOp[], width: number, spares: SpareUse | null): Promise<void> {
  const byDepth = new Map<number, Extract<RestoreOp, { kind: 'dir' }>[]>();
  for (const op of ops) {
    if (op.kind !== 'dir' || !op.created) continue;
    const depth = op.path.split('/').length;
    const level = byDepth.get(depth) ?? [];
    level.push(op);
    byDepth.set(depth, level);
  }
  for (const depth of [...byDepth.keys()].sort((a, b) => a - b)) {
    await forEachBounded(byDepth.get(depth) ?? [], width, async (op) => {
      if (await spares?.dir(op.path, ownerSettable(op))) return;
      try {
        await mkdir(op.path, { mode: 0o700 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    });
  }
}

/** Stages one file or link as its temp (chown before chmod: a chown clears setuid bits). */
async function stageOne(op: Extract<RestoreOp, { kind: 'replace' }>, e: SnapshotEntry, blobs: BlobStore, staged: string[], durable: boolean, spares: SpareUse | null): Promise<void> {
  failpoint('restore.stage');
  const owner = ownerSettable(e) ? { uid: e.uid, gid: e.gid } : null;
  if (op.sha256 === null) {
    await symlink(e.linkTarget ?? '', op.temp);
    staged.push(op.temp);
    if (owner !== null) await lchown(op.temp, owner.uid, owner.gid);
    return;
  }
  // Checked before the temp exists: a corrupted blob costs nothing to undo.
  const packed = blobs.packedVerified(op.sha256, op.path);
  let fh: FileHandle;
  try {
    // Created exclusively either way: a spare is linked in (link never replaces), else a new file.
    fh = (await spares?.file(op.temp, owner !== null)) ?? await open(op.temp, 'wx', 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `its directory ${dirname(op.path)} no longer exists` : `${code ?? 'error'} writing beside it`;
    throw new SnapshotRestoreError(`cannot restore ${op.path}: ${why}`, { cause: error });
  }
  staged.push(op.temp);
  try {
    if (packed !== undefined) await writeAll(fh, packed);
    else await blobs.copyFileVerified(op.sha256, fh, op.path);
    if (owner !== null) await fh.chown(owner.uid, owner.gid);
    if (e.mode !== null) await fh.chmod(e.mode);
    if (durable) await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Writes each temp (a verified copy of its blob, or a link) with its mode and owner, several at
 * once; then makes them durable. On any failure every temp and made directory is removed again.
 */
export async function stageAll(
  ops: readonly RestoreOp[], entries: ReadonlyMap<string, SnapshotEntry>, blobs: BlobStore, width = ioPoolWidth(), spares: SparePool | null = null,
): Promise<void> {
  const staged: string[] = [];
  const replaces = ops.filter((o): o is Extract<RestoreOp, { kind: 'replace' }> => o.kind === 'replace');
  // Many files: one filesystem-wide sync at the end beats an fsync each. Spares only then:
  // syncfs makes their new names durable with everything else, with no reliance on what an
  // fsync of a linked inode covers on each filesystem (and a few new files cost little).
  const batch = replaces.length > SYNC_EACH_LIMIT;
  const use = batch ? spares?.forRestore() ?? null : null;
  try {
    await makeDirs(ops, width, use);
    await forEachBounded(replaces, width, (op) => stageOne(op, entries.get(op.path) as SnapshotEntry, blobs, staged, !batch, use));
    if (batch) await syncTemps(staged);
  } catch (error) {
    for (const t of staged) removeQuietly(t);
    undoCreatedDirs(ops);
    throw error;
  }
}

/** One syncfs per filesystem the temps live on (falling back to an fsync per file). */
async function syncTemps(temps: readonly string[]): Promise<void> {
  const byDev = new Map<number, string>();
  for (const dir of new Set(temps.map((t) => dirname(t)))) byDev.set(statSync(dir).dev, dir);
  for (const dir of byDev.values()) {
    if (await syncFilesystemAsync(dir)) continue;
    await forEachBounded(temps, ioPoolWidth(), async (t) => {
      const fh = await open(t, 'r');
      try { await fh.sync(); } finally { await fh.close(); }
    });
  }
}

/** Makes the renames in these directories durable: an fsync each, or one syncfs per filesystem when there are many. */
function syncDirs(dirs: ReadonlySet<string>): void {
  if (dirs.size > SYNC_EACH_LIMIT) {
    const byDev = new Map<number, string>();
    for (const d of dirs) {
      try { byDev.set(statSync(d).dev, d); } catch { /* removed by a later op */ }
    }
    if ([...byDev.values()].every((d) => syncFilesystem(d))) return;
  }
  for (const dir of dirs) {
    try { fsyncDirSync(dir); } catch { /* a parent removed by a later op */ }
  }
}

/** Carries out the ops (idempotently: safe to run again after a crash part way through). */
export function commitAll(ops: readonly RestoreOp[], verify: (op: Extract<RestoreOp, { kind: 'replace' }>) => string | null): string[] {
  const problems: string[] = [];
  const parents = new Set<string>();
  const dirs = ops.filter((o) => o.kind === 'dir').sort((a, b) => a.path.length - b.path.length);
  for (const op of dirs) {
    if (lstatOrNull(op.path) === null) mkdirSync(op.path, { mode: 0o700 });
    setOwner(op, (uid, gid) => chownSync(op.path, uid, gid));
    if (op.mode !== null) chmodSync(op.path, op.mode);
    parents.add(dirname(op.path));
    failpoint('restore.commit');
  }
  for (const op of ops) {
    if (op.kind === 'replace') {
      try {
        renameSync(op.temp, op.path);
      } catch (error) {
        // The temp is gone: renamed before a crash (or removed by someone): check what is there.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        const bad = verify(op);
        if (bad !== null) problems.push(bad);
      }
    } else if (op.kind === 'meta') {
      setOwner(op, (uid, gid) => (op.link ? lchownSync : chownSync)(op.path, uid, gid));
      if (op.mode !== null && !op.link) chmodSync(op.path, op.mode);
    } else {
      continue;
    }
    parents.add(dirname(op.path));
    failpoint('restore.commit');
  }
  const removes = ops.filter((o) => o.kind === 'remove').sort((a, b) => b.path.length - a.path.length);
  for (const op of removes) {
    try {
      if (op.isDir) rmdirSync(op.path);
      else unlinkSync(op.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    parents.add(dirname(op.path));
    failpoint('restore.commit');
  }
  syncDirs(parents);
  return problems;
}

export interface FileRestore {
  /** Paths changed to match the snapshot. */
  changed: string[];
  problems: string[];
}

/** The whole journaled restore of a snapshot's files. */
export async function restoreFiles(
  journal: RestoreJournal, journalId: string, snapshotId: string, entries: readonly SnapshotEntry[], blobs: BlobStore,
  sameContent: (path: string, st: Stats, sha256: string) => boolean, spares: SparePool | null = null,
): Promise<FileRestore> {
  const ops = planRestore(entries, sameContent);
  if (ops.length === 0) return { changed: [], problems: [] };
  journal.begin(journalId, snapshotId, ops);
  try {
    await stageAll(ops, new Map(entries.map((e) => [e.path, e])), blobs, ioPoolWidth(), spares);
  } catch (error) {
    journal.finish(journalId);
    throw error;
  }
  journal.committing(journalId);
  let problems: string[];
  try {
    problems = commitAll(ops, (op) => verifyPlaced(op));
  } catch (error) {
    // Left in the journal: the next start (or the next restore of anything) finishes it.
    throw new SnapshotRestoreError(`restore stopped part way through (${(error as Error).message}); aiosd finishes it when it next starts`, { cause: error });
  }
  journal.finish(journalId);
  return { changed: ops.map((o) => o.path), problems };
}

/** After a crash: the temp of a replace is gone, so the rename happened, or something removed it. */
export function verifyPlaced(op: Extract<RestoreOp, { kind: 'replace' }>): string | null {
  if (op.sha256 === null) return lstatOrNull(op.path)?.isSymbolicLink() === true ? null : `${op.path} is not the restored link`;
  return hashFile(op.path) === op.sha256 ? null : `${op.path} does not hold the restored content`;
}

/** Finishes (committing) or undoes (staging) restores a crash interrupted; returns what it did. */
export function recoverRestores(journal: RestoreJournal): string[] {
  const done: string[] = [];
  for (const row of journal.pending()) {
    if (row.state === 'staging') {
      for (const op of row.ops) if (op.kind === 'replace') removeQuietly(op.temp);
      undoCreatedDirs(row.ops);
      journal.finish(row.id);
      done.push(`undid the interrupted restore of snapshot ${row.snapshotId}: it had not changed anything yet`);
      continue;
    }
    const problems = commitAll(row.ops, verifyPlaced);
    journal.finish(row.id);
    done.push(problems.length === 0
      ? `finished the interrupted restore of snapshot ${row.snapshotId} (${row.ops.length} change(s))`
      : `finished the interrupted restore of snapshot ${row.snapshotId}, but: ${problems.join('; ')}`);
  }
  return done;
}

export { hashFile };
