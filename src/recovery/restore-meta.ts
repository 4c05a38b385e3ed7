// Metadata a restore compares and puts back: mode and owner (as before), and since schema
// version 6 the xattrs (ACLs among them) and times a snapshot recorded. Order matters: a chown
// clears setuid bits and security.capability, so owner first, then mode, then xattrs (ACLs
// last, they rewrite the group bits), then times (every change above touches ctime, never mtime).
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  lchownSync,
  openSync,
  type BigIntStats,
} from 'node:fs';
import { mayChown } from './atomic-file.js';
import { applyXattrs, setTimes, xattrsNow } from './fs-meta.js';
import type { ExtraMeta, Meta } from './restore-journal.js';

/** What a snapshot recorded about one path, as far as metadata goes. */
export interface RecordedMeta {
  mode: number | null;
  uid: number | null;
  gid: number | null;
  mtimeNs?: string | null;
  atimeNs?: string | null;
  xattrs?: string | null;
  ctimeNs?: string | null;
  dev?: string | null;
  ino?: string | null;
}

/** Whether a restore sets this owner (as root, or when it is our own). */
export function ownerSettable(e: { uid: number | null; gid: number | null }): e is { uid: number; gid: number } {
  return e.uid !== null && e.gid !== null && mayChown(e.uid, e.gid);
}

/** The metadata a restore puts back for an entry: atime only when the restore was asked to. */
export function metaOf(e: RecordedMeta, atime: boolean): Meta {
  return {
    mode: e.mode,
    uid: e.uid,
    gid: e.gid,
    mtimeNs: e.mtimeNs ?? null,
    atimeNs: atime ? (e.atimeNs ?? null) : null,
    xattrs: e.xattrs ?? null,
  };
}

/** Owner differences count only where we could put the owner back (as root). */
export function metaDiffers(e: RecordedMeta, st: BigIntStats, path: string, atime: boolean): boolean {
  const atimeOff = atime && e.atimeNs != null && st.atimeNs !== BigInt(e.atimeNs);
  // Every change to an inode's metadata (and content) moves its ctime: the same inode with the
  // recorded ctime is as recorded, and its xattrs need not be read (most of a tree, most times).
  if (
    e.ctimeNs != null &&
    e.ino != null &&
    st.ctimeNs === BigInt(e.ctimeNs) &&
    String(st.ino) === e.ino &&
    String(st.dev) === e.dev
  )
    return atimeOff;
  const link = st.isSymbolicLink();
  const modeOff = e.mode !== null && Number(st.mode & 0o7777n) !== e.mode && !link;
  const ownerOff =
    e.uid !== null &&
    e.gid !== null &&
    (Number(st.uid) !== e.uid || Number(st.gid) !== e.gid) &&
    mayChown(e.uid, e.gid);
  if (modeOff || ownerOff) return true;
  if (e.mtimeNs != null && st.mtimeNs !== BigInt(e.mtimeNs)) return true;
  if (atimeOff) return true;
  return e.xattrs != null && xattrsNow(path) !== e.xattrs;
}

/** Xattrs first, then times: what could not be set, each naming the path and why. */
export function applyExtra(path: string, m: ExtraMeta): string[] {
  const problems = m.xattrs == null ? [] : applyXattrs(path, m.xattrs);
  if (m.mtimeNs != null || m.atimeNs != null) {
    try {
      setTimes(path, m.atimeNs == null ? null : BigInt(m.atimeNs), m.mtimeNs == null ? null : BigInt(m.mtimeNs));
    } catch (error) {
      problems.push(
        `${path}: could not restore its times (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
  }
  return problems;
}

/** Owner, mode, xattrs; times too unless `times` is false (a directory's wait until its contents are back). */
export function applyMeta(path: string, m: Meta, link: boolean, times = true): string[] {
  if (link) {
    if (ownerSettable(m)) lchownSync(path, m.uid, m.gid);
  } else if (ownerSettable(m) || m.mode !== null) {
    // Through a descriptor opened without following a link: a file swapped for a link since the
    // restore was planned does not lend root's chown and chmod to what it points at.
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP')
        return [`${path}: is a symbolic link now; its owner, mode and attributes were not restored`];
      // Not root, and a mode that lets even the owner not read it: the owner's chmod, as before.
      if (code !== 'EACCES') throw error;
      if (ownerSettable(m)) lchownSync(path, m.uid, m.gid);
      if (m.mode !== null) chmodSync(path, m.mode);
      return applyExtra(path, times ? m : { xattrs: m.xattrs ?? null });
    }
    try {
      if (ownerSettable(m)) fchownSync(fd, m.uid, m.gid);
      if (m.mode !== null) fchmodSync(fd, m.mode);
    } finally {
      closeSync(fd);
    }
  }
  return applyExtra(path, times ? m : { xattrs: m.xattrs ?? null });
}
