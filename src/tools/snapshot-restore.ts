// Restoring a snapshot in two phases. Staging prepares every file and link beside its target
// and checks every blob; only when all of it succeeded does commit rename them into place.
// A failure while staging removes the temps and leaves every target as it was.
import { chmodSync, chownSync, closeSync, fsyncSync, lchownSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, rmdirSync, symlinkSync, unlinkSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { fsyncDirSync, mayChown, tempPathBeside } from './atomic-file.js';
import { removeQuietly, type BlobStore } from './blob-store.js';

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

type Staged =
  | { kind: 'replace'; path: string; temp: string }
  | { kind: 'remove'; path: string; isDir: boolean }
  | { kind: 'dir'; path: string; entry: SnapshotEntry };

/** The state of a path in the snapshot could not be brought back; nothing was changed. */
export class SnapshotRestoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SnapshotRestoreError';
  }
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function setOwner(entry: SnapshotEntry, chown: (uid: number, gid: number) => void): void {
  if (entry.uid !== null && entry.gid !== null && mayChown(entry.uid, entry.gid)) chown(entry.uid, entry.gid);
}

function stageFile(entry: SnapshotEntry, blobs: BlobStore): string {
  if (entry.sha256 === null) throw new SnapshotRestoreError(`snapshot entry for ${entry.path} has no content hash`);
  const temp = tempPathBeside(entry.path, 'restore');
  let fd: number;
  try {
    fd = openSync(temp, 'wx', 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `its directory ${dirname(entry.path)} no longer exists` : `${code ?? 'error'} writing beside it`;
    throw new SnapshotRestoreError(`cannot restore ${entry.path}: ${why}`, { cause: error });
  }
  try {
    blobs.copyVerified(entry.sha256, fd, entry.path);
    setOwner(entry, (uid, gid) => chownSync(temp, uid, gid));
    if (entry.mode !== null) chmodSync(temp, entry.mode);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    removeQuietly(temp);
    throw error;
  }
  closeSync(fd);
  return temp;
}

function stageSymlink(entry: SnapshotEntry): string {
  if (entry.linkTarget === null) throw new SnapshotRestoreError(`snapshot entry for ${entry.path} has no link target`);
  const temp = tempPathBeside(entry.path, 'restore');
  symlinkSync(entry.linkTarget, temp);
  try {
    setOwner(entry, (uid, gid) => lchownSync(temp, uid, gid));
  } catch (error) {
    removeQuietly(temp);
    throw error;
  }
  return temp;
}

/** Checks the path's current state can be replaced, then prepares what will replace it. */
function stageOne(entry: SnapshotEntry, blobs: BlobStore): Staged {
  const now = lstatOrNull(entry.path);
  switch (entry.type) {
    case 'file':
    case 'symlink':
      if (now?.isDirectory() === true) {
        throw new SnapshotRestoreError(`cannot restore ${entry.path}: a directory is there now; move it away first`);
      }
      return { kind: 'replace', path: entry.path, temp: entry.type === 'file' ? stageFile(entry, blobs) : stageSymlink(entry) };
    case 'absent':
      if (now?.isDirectory() === true && !isEmptyDir(entry.path)) {
        throw new SnapshotRestoreError(`cannot restore ${entry.path} to absent: a non-empty directory is there now`);
      }
      return { kind: 'remove', path: entry.path, isDir: now?.isDirectory() === true };
    case 'dir':
      if (now !== null && !now.isDirectory()) {
        throw new SnapshotRestoreError(`cannot restore directory ${entry.path}: something else is there now; move it away first`);
      }
      return { kind: 'dir', path: entry.path, entry };
  }
}

function isEmptyDir(path: string): boolean {
  return readdirSync(path).length === 0;
}

export function stageAll(entries: readonly SnapshotEntry[], blobs: BlobStore): Staged[] {
  const staged: Staged[] = [];
  try {
    for (const entry of entries) staged.push(stageOne(entry, blobs));
  } catch (error) {
    discard(staged);
    throw error;
  }
  return staged;
}

export function discard(staged: readonly Staged[]): void {
  for (const s of staged) if (s.kind === 'replace') removeQuietly(s.temp);
}

/**
 * Puts everything in place: directories first (outermost first) so files land inside them.
 * Each rename is atomic; a failure here (disk gone read-only) is reported with what was left.
 */
export function commitAll(staged: readonly Staged[]): void {
  try {
    commitInOrder(staged);
  } catch (error) {
    discard(staged);
    throw new SnapshotRestoreError(`restore failed part way through: ${(error as Error).message}; some paths may already be restored`, { cause: error });
  }
}

function commitInOrder(staged: readonly Staged[]): void {
  const dirs = staged.filter((s) => s.kind === 'dir').sort((a, b) => a.path.length - b.path.length);
  const parents = new Set<string>();
  for (const s of dirs) {
    if (lstatOrNull(s.path) === null) mkdirSync(s.path, { mode: 0o700 });
    setOwner(s.entry, (uid, gid) => chownSync(s.path, uid, gid));
    if (s.entry.mode !== null) chmodSync(s.path, s.entry.mode);
    parents.add(dirname(s.path));
  }
  for (const s of staged) {
    if (s.kind === 'replace') renameSync(s.temp, s.path);
    else if (s.kind === 'remove') removePath(s.path, s.isDir);
    else continue;
    parents.add(dirname(s.path));
  }
  for (const dir of parents) fsyncDirSync(dir);
}

function removePath(path: string, isDir: boolean): void {
  try {
    if (isDir) rmdirSync(path);
    else unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
