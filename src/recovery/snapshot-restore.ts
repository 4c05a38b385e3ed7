// Restoring the files of a snapshot, all or nothing. Planning compares each recorded path with
// what is there now and keeps only what differs; staging prepares every file and link beside
// its target from verified blobs; the journal (restore-journal.ts) records intent before and
// "committing" after staging; only then do renames put things in place. Metadata (owner, mode,
// xattrs and ACLs, times) goes on each temp before it is renamed, and on what is kept in place
// at commit (restore-meta.ts); what cannot be put back is named in the result, never dropped.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  ftruncateSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeSync,
  type BigIntStats,
} from 'node:fs';
import { lchown, mkdir, open, symlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsyncDirSync } from './atomic-file.js';
import {
  hashFile,
  removeQuietly,
  syncFilesystem,
  syncFilesystemAsync,
  writeAll,
  type BlobStore,
} from './blob-store.js';
import { failpoint } from '../tools/failpoints.js';
import { forEachBounded, ioPoolWidth } from './io-pool.js';
import type { RestoreJournal, RestoreOp } from './restore-journal.js';
import { applyExtra, applyMeta, metaDiffers, metaOf, ownerSettable } from './restore-meta.js';
import { lstatOrNull } from '../tools/lstat-or-null.js';
import { NoFollowDirs } from './nofollow-dirs.js';
import { PathChangedError } from '../tools/verified-dir.js';
import { treePaths } from './snapshot-tree.js';
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
  /** Nanoseconds since the epoch as decimal text; null or absent: not recorded (snapshots before schema 6). */
  mtimeNs?: string | null;
  atimeNs?: string | null;
  /** With dev and ino: a restore skips comparing the metadata of an inode whose ctime has not moved. */
  ctimeNs?: string | null;
  /** Every xattr (POSIX ACLs among them), as fs-meta.ts encodes them; "[]" for none. */
  xattrs?: string | null;
  /** For a file: its link count and inode when recorded, so that a restore keeps a hard link a link. */
  nlink?: number | null;
  dev?: string | null;
  ino?: string | null;
}

export interface RestoreOptions {
  /** Put access times back too (they change whenever a file is read, so only when asked). */
  atime?: boolean;
  /** Directories the snapshot recorded whole (a step's writeDirs): what is in them now and was not then is removed. */
  trees?: readonly string[];
}

/** The state of a path in the snapshot could not be brought back; nothing was changed. */
export class SnapshotRestoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SnapshotRestoreError';
  }
}

const SYNC_EACH_LIMIT = 16;

const tempFor = (path: string): string =>
  join(dirname(path), `.${basename(path)}.aios-restore-${randomBytes(6).toString('hex')}`);

const inode = (st: BigIntStats | null): string | null => (st === null ? null : `${st.dev}:${st.ino}`);

export interface RestorePlan {
  ops: RestoreOp[];
  /** What the plan already knows it cannot bring back (hard links whose other names are not recorded). */
  problems: string[];
  /** The paths that differ from the snapshot (not the directories whose times only the restore itself disturbs). */
  changed: string[];
}

/**
 * What must change for each entry to match the snapshot; entries that already match need
 * nothing. Names a snapshot recorded as one inode (a tree holding both names of a hard link)
 * become one inode again; a file recorded with more links than the snapshot names is written
 * in place while it is still that inode, so that its other names see the old content too.
 */
export function planRestore(
  entries: readonly SnapshotEntry[],
  sameContent: (path: string, st: BigIntStats, sha256: string) => boolean,
  opts: RestoreOptions = {},
): RestorePlan {
  const ops: RestoreOp[] = [];
  const problems: string[] = [];
  const atime = opts.atime === true;
  const recorded = (e: SnapshotEntry): string | null => (e.dev != null && e.ino != null ? `${e.dev}:${e.ino}` : null);
  // The first name of each recorded inode with several links, and how many names the snapshot holds for it.
  const firstName = new Map<string, string>();
  const names = new Map<string, number>();
  for (const e of entries) {
    const key = recorded(e);
    if (e.type !== 'file' || key === null || (e.nlink ?? 1) < 2) continue;
    if (!firstName.has(key)) firstName.set(key, e.path);
    names.set(key, (names.get(key) ?? 0) + 1);
  }
  const replaced = new Set<string>();
  for (const e of entries) {
    const now = lstatOrNull(e.path, true);
    const meta = metaOf(e, atime);
    switch (e.type) {
      case 'file': {
        if (e.sha256 === null) throw new SnapshotRestoreError(`snapshot entry for ${e.path} has no content hash`);
        if (now?.isDirectory() === true)
          throw new SnapshotRestoreError(`cannot restore ${e.path}: a directory is there now; move it away first`);
        const key = recorded(e);
        const first = key === null ? undefined : firstName.get(key);
        if (first !== undefined && first !== e.path) {
          // Another name of an inode restored under its first name: linked to it again unless it still is.
          if (replaced.has(first) || inode(now) !== inode(lstatOrNull(first, true)))
            ops.push({ kind: 'link', path: e.path, target: first, temp: tempFor(e.path) });
          break;
        }
        if (now?.isFile() === true && sameContent(e.path, now, e.sha256)) {
          if (metaDiffers(e, now, e.path, atime)) ops.push({ kind: 'meta', path: e.path, ...meta, link: false });
          break;
        }
        const links = e.nlink ?? 1;
        if (links > 1 && now?.isFile() === true && key !== null && inode(now) === key) {
          ops.push({ kind: 'inplace', path: e.path, temp: tempFor(e.path), sha256: e.sha256, ...meta });
          break;
        }
        ops.push({ kind: 'replace', path: e.path, temp: tempFor(e.path), sha256: e.sha256 });
        replaced.add(e.path);
        const named = key === null ? 1 : (names.get(key) ?? 1);
        if (links > named) {
          problems.push(
            `${e.path}: had ${links} hard links; it is no longer that file, and the snapshot does not know its other ${links - named === 1 ? 'name' : `${links - named} names`}, so it comes back as a file of its own and they keep what they hold now`,
          );
        }
        break;
      }
      case 'symlink':
        if (e.linkTarget === null) throw new SnapshotRestoreError(`snapshot entry for ${e.path} has no link target`);
        if (now?.isDirectory() === true)
          throw new SnapshotRestoreError(`cannot restore ${e.path}: a directory is there now; move it away first`);
        if (now?.isSymbolicLink() === true && readlinkSync(e.path) === e.linkTarget) {
          if (metaDiffers(e, now, e.path, atime)) ops.push({ kind: 'meta', path: e.path, ...meta, link: true });
        } else {
          ops.push({ kind: 'replace', path: e.path, temp: tempFor(e.path), sha256: null });
        }
        break;
      case 'dir':
        if (now !== null && !now.isDirectory())
          throw new SnapshotRestoreError(
            `cannot restore directory ${e.path}: something else is there now; move it away first`,
          );
        if (now === null || metaDiffers(e, now, e.path, atime))
          ops.push({ kind: 'dir', path: e.path, ...meta, created: now === null });
        break;
      case 'absent':
        if (now === null) break;
        if (now.isDirectory() && readdirSync(e.path).length > 0)
          throw new SnapshotRestoreError(`cannot restore ${e.path} to absent: a non-empty directory is there now`);
        ops.push({ kind: 'remove', path: e.path, isDir: now.isDirectory() });
        break;
    }
  }
  ops.push(...newInTrees(entries, opts.trees ?? []));
  return { ops: withParentTimes(ops, entries, atime), problems, changed: ops.map((o) => o.path) };
}

/** What is in a recorded tree now that the snapshot did not hold: removed (deepest first, at commit). */
export function newInTrees(entries: readonly SnapshotEntry[], trees: readonly string[]): RestoreOp[] {
  if (trees.length === 0) return [];
  const recorded = new Set(entries.map((e) => e.path));
  const ops: RestoreOp[] = [];
  for (const root of trees) {
    if (lstatOrNull(root, true)?.isDirectory() !== true) continue;
    for (const path of treePaths(root)) {
      if (recorded.has(path)) continue;
      const now = lstatOrNull(path, true);
      if (now !== null) ops.push({ kind: 'remove', path, isDir: now.isDirectory() });
    }
  }
  return ops;
}

/** What a restore's ops do, as a review lists them (not the directory times a restore itself disturbs). */
export interface RestoreReview {
  /** Paths written back to what the snapshot holds (content, link, mode, owner, xattrs or times). */
  restore: string[];
  /** Paths that are there now and were not then: removed. */
  remove: string[];
  /** Directories made again. */
  create: string[];
}

export function reviewOf(ops: readonly RestoreOp[]): RestoreReview {
  const review: RestoreReview = { restore: [], remove: [], create: [] };
  for (const op of ops) {
    if (op.kind === 'remove') review.remove.push(op.path);
    else if (op.kind === 'dir' && op.created) review.create.push(op.path);
    else if (!(op.kind === 'dir' && op.timesOnly === true)) review.restore.push(op.path);
  }
  return review;
}

/**
 * Staging and renames change the times of the directories they happen in: each recorded
 * directory that holds a change gets its times put back last, even when it matched at planning.
 */
function withParentTimes(ops: RestoreOp[], entries: readonly SnapshotEntry[], atime: boolean): RestoreOp[] {
  if (ops.length === 0) return ops;
  const dirs = new Map(entries.filter((e) => e.type === 'dir' && e.mtimeNs != null).map((e) => [e.path, e]));
  if (dirs.size === 0) return ops;
  const planned = new Set(ops.filter((o) => o.kind === 'dir').map((o) => o.path));
  const extra: RestoreOp[] = [];
  for (const op of ops) {
    const parent = dirname(op.path);
    const e = dirs.get(parent);
    if (e === undefined || planned.has(parent)) continue;
    planned.add(parent);
    extra.push({ kind: 'dir', path: parent, ...metaOf(e, atime), created: false, timesOnly: true });
  }
  return [...ops, ...extra];
}

/** Directories staging made (so that files can be staged inside them), removed again when a restore is undone. */
function undoCreatedDirs(ops: readonly RestoreOp[], dirs: NoFollowDirs): void {
  const made = ops.filter((o) => o.kind === 'dir' && o.created).sort((a, b) => b.path.length - a.path.length);
  for (const op of made) {
    try {
      rmdirSync(dirs.via(op.path));
    } catch {
      /* not empty (someone else's file) or already gone: leave it */
    }
  }
}

/** Makes the missing directories (or renames spares in), parents first, each depth at once; private until commit sets their mode. */
async function makeDirs(
  ops: readonly RestoreOp[],
  width: number,
  spares: SpareUse | null,
  dirs: NoFollowDirs,
): Promise<void> {
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
      const at = dirs.via(op.path);
      if (await spares?.dir(at, ownerSettable(op))) return;
      try {
        await mkdir(at, { mode: 0o700 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    });
  }
}

type Staged = Extract<RestoreOp, { kind: 'replace' | 'inplace' }>;

/** What staging shares: temps made so far (removed on failure) and what could not be put on them. */
interface StageRun {
  staged: string[];
  problems: string[];
  durable: boolean;
  atime: boolean;
  spares: SpareUse | null;
  dirs: NoFollowDirs;
}

/**
 * Stages one file or link as its temp with the recorded metadata (chown before chmod: a chown
 * clears setuid bits). An in-place op's temp only carries content: its metadata is set on the
 * file itself at commit.
 */
async function stageOne(op: Staged, e: SnapshotEntry, blobs: BlobStore, run: StageRun): Promise<void> {
  failpoint('restore.stage');
  const { staged, durable, spares } = run;
  const withMeta = op.kind === 'replace';
  const owner = withMeta && ownerSettable(e) ? { uid: e.uid, gid: e.gid } : null;
  const extra = withMeta ? metaOf(e, run.atime) : {};
  // The temp is named through its directory as opened without following links.
  const temp = run.dirs.via(op.temp);
  if (op.sha256 === null) {
    await symlink(e.linkTarget ?? '', temp);
    staged.push(op.temp);
    if (owner !== null) await lchown(temp, owner.uid, owner.gid);
    run.problems.push(...applyExtra(temp, extra).map((p) => p.replace(temp, op.path)));
    return;
  }
  // Checked before the temp exists: a corrupted blob costs nothing to undo.
  const packed = blobs.packedVerified(op.sha256, op.path);
  let fh: FileHandle;
  try {
    // Created exclusively either way: a spare is linked in (link never replaces), else a new file.
    fh = (await spares?.file(temp, owner !== null)) ?? (await open(temp, 'wx', 0o600));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? `its directory ${dirname(op.path)} no longer exists` : `${code ?? 'error'} writing beside it`;
    throw new SnapshotRestoreError(`cannot restore ${op.path}: ${why}`, { cause: error });
  }
  staged.push(op.temp);
  try {
    if (packed !== undefined) await writeAll(fh, packed);
    else await blobs.copyFileVerified(op.sha256, fh, op.path);
    if (owner !== null) await fh.chown(owner.uid, owner.gid);
    if (withMeta && e.mode !== null) await fh.chmod(e.mode);
    // Xattrs (ACLs) and times on the temp, before the sync that makes it durable; problems name the real path.
    run.problems.push(...applyExtra(temp, extra).map((p) => p.replace(temp, op.path)));
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
  ops: readonly RestoreOp[],
  entries: ReadonlyMap<string, SnapshotEntry>,
  blobs: BlobStore,
  width = ioPoolWidth(),
  spares: SparePool | null = null,
  opts: RestoreOptions = {},
  dirs: NoFollowDirs = new NoFollowDirs(),
): Promise<string[]> {
  const staged: string[] = [];
  const problems: string[] = [];
  const replaces = ops.filter((o): o is Staged => o.kind === 'replace' || o.kind === 'inplace');
  // Many files: one filesystem-wide sync at the end beats an fsync each. Spares only then:
  // syncfs makes their new names durable with everything else, with no reliance on what an
  // fsync of a linked inode covers on each filesystem (and a few new files cost little).
  const batch = replaces.length > SYNC_EACH_LIMIT;
  const use = batch ? (spares?.forRestore() ?? null) : null;
  try {
    await makeDirs(ops, width, use, dirs);
    const run: StageRun = { staged, problems, durable: !batch, atime: opts.atime === true, spares: use, dirs };
    await forEachBounded(replaces, width, (op) => stageOne(op, entries.get(op.path) as SnapshotEntry, blobs, run));
    if (batch) await syncTemps(staged);
  } catch (error) {
    try {
      for (const t of staged) removeQuietly(dirs.via(t));
      undoCreatedDirs(ops, dirs);
    } catch {
      /* a directory on the way became a link: what is behind it is left alone */
    }
    throw error;
  }
  return problems;
}

/** One syncfs per filesystem the temps live on (falling back to an fsync per file). */
async function syncTemps(temps: readonly string[]): Promise<void> {
  const byDev = new Map<number, string>();
  for (const dir of new Set(temps.map((t) => dirname(t)))) byDev.set(statSync(dir).dev, dir);
  for (const dir of byDev.values()) {
    if (await syncFilesystemAsync(dir)) continue;
    await forEachBounded(temps, ioPoolWidth(), async (t) => {
      const fh = await open(t, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    });
  }
}

/** Makes the renames in these directories durable: an fsync each, or one syncfs per filesystem when there are many. */
function syncDirs(dirs: ReadonlySet<string>): void {
  if (dirs.size > SYNC_EACH_LIMIT) {
    const byDev = new Map<number, string>();
    for (const d of dirs) {
      try {
        byDev.set(statSync(d).dev, d);
      } catch {
        /* removed by a later op */
      }
    }
    if ([...byDev.values()].every((d) => syncFilesystem(d))) return;
  }
  for (const dir of dirs) {
    try {
      fsyncDirSync(dir);
    } catch {
      /* a parent removed by a later op */
    }
  }
}

/** Carries out the ops (idempotently: safe to run again after a crash part way through). */
export function commitAll(
  ops: readonly RestoreOp[],
  verify: (op: Extract<RestoreOp, { kind: 'replace' }>) => string | null,
  dirs?: NoFollowDirs,
): string[] {
  if (dirs === undefined) {
    const own = new NoFollowDirs();
    try {
      return commitAll(ops, verify, own);
    } finally {
      own.close();
    }
  }
  // Every change names its leaf through the parent opened without following links; a path
  // whose directory is a link now is left alone and named.
  const via = (path: string): string => dirs.via(path);
  const named = (list: string[]): string[] => list.map((p) => dirs.readable(p));
  const problems: string[] = [];
  const guarded = (op: RestoreOp, fn: () => void): void => {
    try {
      fn();
    } catch (error) {
      if (!(error instanceof PathChangedError)) throw error;
      problems.push(`${op.path}: ${error.message}`);
    }
  };
  const parents = new Set<string>();
  const dirOps = ops.filter((o) => o.kind === 'dir').sort((a, b) => a.path.length - b.path.length);
  for (const op of dirOps) {
    if (op.timesOnly === true) continue;
    guarded(op, () => {
      if (lstatOrNull(via(op.path)) === null) mkdirSync(via(op.path), { mode: 0o700 });
      // Its times last of all: what is renamed into it below changes them.
      problems.push(...named(applyMeta(via(op.path), op, false, false)));
    });
    parents.add(dirname(op.path));
    failpoint('restore.commit');
  }
  for (const op of ops) {
    if (op.kind === 'dir' || op.kind === 'remove') continue;
    guarded(op, () => commitOne(op, via, named, verify, problems));
    parents.add(dirname(op.path));
    failpoint('restore.commit');
  }
  const removes = ops.filter((o) => o.kind === 'remove').sort((a, b) => b.path.length - a.path.length);
  for (const op of removes) {
    guarded(op, () => {
      try {
        if (op.isDir) rmdirSync(via(op.path));
        else unlinkSync(via(op.path));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    });
    parents.add(dirname(op.path));
    failpoint('restore.commit');
  }
  // Deepest first: setting a directory's times changes nothing in its parent.
  for (const op of [...dirOps].reverse())
    guarded(op, () =>
      problems.push(...named(applyExtra(via(op.path), { mtimeNs: op.mtimeNs ?? null, atimeNs: op.atimeNs ?? null }))),
    );
  syncDirs(parents);
  return problems;
}

/** One replace, in-place write, hard link or metadata change, through its verified directory. */
function commitOne(
  op: Exclude<RestoreOp, { kind: 'dir' | 'remove' }>,
  via: (path: string) => string,
  named: (list: string[]) => string[],
  verify: (op: Extract<RestoreOp, { kind: 'replace' }>) => string | null,
  problems: string[],
): void {
  if (op.kind === 'replace') {
    const [from, to] = [via(op.temp), via(op.path)];
    try {
      renameSync(from, to);
    } catch (error) {
      // The temp is gone: renamed before a crash (or removed by someone): check what is there.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const bad = verify(op);
      if (bad !== null) problems.push(bad);
    }
  } else if (op.kind === 'inplace') {
    const bad = lstatOrNull(via(op.temp)) === null ? verifyInPlace(op) : copyInPlace(op, via);
    if (bad !== null) problems.push(bad);
    else problems.push(...named(applyMeta(via(op.path), op, false)));
    removeQuietly(via(op.temp));
  } else if (op.kind === 'link') {
    const bad = relink(op, via);
    if (bad !== null) problems.push(bad);
  } else {
    problems.push(...named(applyMeta(via(op.path), op, op.link)));
  }
}

/**
 * Writes the staged content into the file itself (the same inode, so every hard link to it sees
 * it), then syncs it. Not atomic, unlike a rename: run again after a crash (the temp is kept until done).
 */
function copyInPlace(op: Extract<RestoreOp, { kind: 'inplace' }>, via: (path: string) => string): string | null {
  let dst: number;
  try {
    dst = openSync(via(op.path), constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return `${op.path}: could not be written in place (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); it was not restored`;
  }
  const src = openSync(via(op.temp), constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const buffer = Buffer.alloc(1024 * 1024);
    let pos = 0;
    for (
      let n = readSync(src, buffer, 0, buffer.length, null);
      n > 0;
      n = readSync(src, buffer, 0, buffer.length, null)
    ) {
      for (let w = 0; w < n;) w += writeSync(dst, buffer, w, n - w, pos + w);
      pos += n;
    }
    ftruncateSync(dst, pos);
    fsyncSync(dst);
  } finally {
    closeSync(src);
    closeSync(dst);
  }
  return null;
}

function verifyInPlace(op: Extract<RestoreOp, { kind: 'inplace' }>): string | null {
  return hashFile(op.path) === op.sha256 ? null : `${op.path} does not hold the restored content`;
}

/** Makes path a name of target again (a hard link the snapshot recorded); idempotent. */
function relink(op: Extract<RestoreOp, { kind: 'link' }>, via: (path: string) => string): string | null {
  const target = lstatOrNull(via(op.target), true);
  if (target === null || !target.isFile())
    return `${op.path}: could not be made a hard link of ${op.target} again (${op.target} is not a file now)`;
  const now = lstatOrNull(via(op.path), true);
  if (now !== null && inode(now) === inode(target)) return null;
  removeQuietly(via(op.temp));
  try {
    linkSync(via(op.target), via(op.temp));
    renameSync(via(op.temp), via(op.path));
  } catch (error) {
    removeQuietly(via(op.temp));
    return `${op.path}: could not be made a hard link of ${op.target} again (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
  return null;
}

export interface FileRestore {
  /** Paths changed to match the snapshot. */
  changed: string[];
  problems: string[];
}

/** The whole journaled restore of a snapshot's files. */
export async function restoreFiles(
  journal: RestoreJournal,
  journalId: string,
  snapshotId: string,
  entries: readonly SnapshotEntry[],
  blobs: BlobStore,
  sameContent: (path: string, st: BigIntStats, sha256: string) => boolean,
  spares: SparePool | null = null,
  opts: RestoreOptions = {},
): Promise<FileRestore> {
  const plan = planRestore(entries, sameContent, opts);
  const dirs = new NoFollowDirs();
  try {
    return await restorePlanned(plan, dirs, journal, journalId, snapshotId, entries, blobs, spares, opts);
  } finally {
    dirs.close();
  }
}

async function restorePlanned(
  plan: RestorePlan,
  dirs: NoFollowDirs,
  journal: RestoreJournal,
  journalId: string,
  snapshotId: string,
  entries: readonly SnapshotEntry[],
  blobs: BlobStore,
  spares: SparePool | null,
  opts: RestoreOptions,
): Promise<FileRestore> {
  // A path whose directory is a link now (swapped in since the snapshot, or since the rollback's
  // check) is not restored, and said so; its directory stays open for the rest, so a swap made
  // later cannot redirect what is written there either.
  const refused: string[] = [];
  const ops = plan.ops.filter((op) => {
    const why = dirs.problem(op.path) ?? (op.kind === 'link' ? dirs.problem(op.target) : null);
    if (why !== null) refused.push(`${op.path}: ${why}`);
    return why === null;
  });
  if (ops.length === 0) return { changed: [], problems: [...plan.problems, ...refused] };
  journal.begin(journalId, snapshotId, ops);
  let staging: string[];
  try {
    staging = await stageAll(ops, new Map(entries.map((e) => [e.path, e])), blobs, ioPoolWidth(), spares, opts, dirs);
  } catch (error) {
    journal.finish(journalId);
    throw error;
  }
  journal.committing(journalId);
  let problems: string[];
  try {
    problems = commitAll(ops, (op) => verifyPlaced(op), dirs);
  } catch (error) {
    // Left in the journal: the next start (or the next restore of anything) finishes it.
    throw new SnapshotRestoreError(
      `restore stopped part way through (${(error as Error).message}); aiosd finishes it when it next starts`,
      { cause: error },
    );
  }
  journal.finish(journalId);
  const done = new Set(ops.map((o) => o.path));
  return {
    changed: plan.changed.filter((p) => done.has(p)),
    problems: [...plan.problems, ...refused, ...staging, ...problems],
  };
}

/** After a crash: the temp of a replace is gone, so the rename happened, or something removed it. */
export function verifyPlaced(op: Extract<RestoreOp, { kind: 'replace' }>): string | null {
  if (op.sha256 === null)
    return lstatOrNull(op.path)?.isSymbolicLink() === true ? null : `${op.path} is not the restored link`;
  return hashFile(op.path) === op.sha256 ? null : `${op.path} does not hold the restored content`;
}

/** Finishes (committing) or undoes (staging) restores a crash interrupted; returns what it did. */
export function recoverRestores(journal: RestoreJournal): string[] {
  const done: string[] = [];
  for (const row of journal.pending()) {
    if (row.state === 'staging') {
      const dirs = new NoFollowDirs();
      try {
        for (const op of row.ops) if (op.kind === 'replace' || op.kind === 'inplace') removeQuietly(dirs.via(op.temp));
        undoCreatedDirs(row.ops, dirs);
      } catch {
        /* a directory on the way is a link now: what is behind it is left alone */
      } finally {
        dirs.close();
      }
      journal.finish(row.id);
      done.push(`undid the interrupted restore of snapshot ${row.snapshotId}: it had not changed anything yet`);
      continue;
    }
    const problems = commitAll(row.ops, verifyPlaced);
    journal.finish(row.id);
    done.push(
      problems.length === 0
        ? `finished the interrupted restore of snapshot ${row.snapshotId} (${row.ops.filter((o) => !(o.kind === 'dir' && o.timesOnly === true)).length} change(s))`
        : `finished the interrupted restore of snapshot ${row.snapshotId}, but: ${problems.join('; ')}`,
    );
  }
  return done;
}

export { hashFile };
