// The xattrs (ACLs among them) a snapshot store last read for each path, with the inode and
// ctime they were read at. Setting or removing an xattr or an ACL moves the inode's ctime, so a
// path whose device, inode and ctime are still those holds the same xattrs, and a re-snapshot of
// an unchanged tree need not ask the kernel again for each entry (an llistxattr costs about as
// much as the lstat the snapshot already made). Kept in memory only: the first snapshot after
// aiosd starts reads every entry's.
import type { BigIntStats } from 'node:fs';
import { encodeXattrs, readXattrs } from './fs-meta.js';

/** A change this recent may be followed by another within the same ctime tick: not kept (as the content index does). */
const RACY_NS = 20_000_000n;
/** About 10 MiB at most: /etc holds a few thousand entries. */
const LIMIT = 50_000;

interface Known {
  dev: bigint;
  ino: bigint;
  ctimeNs: bigint;
  xattrs: string;
}

export class XattrCache {
  private readonly known = new Map<string, Known>();

  constructor(private readonly limit = LIMIT) {}

  /** The path's xattrs, encoded (fs-meta.ts encodeXattrs); `st` is its lstat, made just before. */
  read(path: string, st: BigIntStats): string {
    const k = this.known.get(path);
    if (k !== undefined && k.ctimeNs === st.ctimeNs && k.ino === st.ino && k.dev === st.dev) return k.xattrs;
    const xattrs = encodeXattrs(readXattrs(path));
    if (BigInt(Date.now()) * 1_000_000n - st.ctimeNs > RACY_NS) this.remember(path, st, xattrs);
    else this.known.delete(path);
    return xattrs;
  }

  get size(): number {
    return this.known.size;
  }

  private remember(path: string, st: BigIntStats, xattrs: string): void {
    // Newest last: when full, the entries read longest ago go first.
    this.known.delete(path);
    this.known.set(path, { dev: st.dev, ino: st.ino, ctimeNs: st.ctimeNs, xattrs });
    if (this.known.size > this.limit) {
      const oldest = this.known.keys().next();
      if (oldest.done !== true) this.known.delete(oldest.value);
    }
  }
}
