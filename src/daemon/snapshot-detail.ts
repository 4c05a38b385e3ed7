// What a snapshot holds, path by path, and how each path compares with the node as it is now:
// the answer behind "diff against now" in the TUI's snapshot view, read before a restore.
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readFileSync, readlinkSync, readSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { SnapshotEntryView, SnapshotView } from '../protocol/model.js';
import type { SnapshotEntry, SnapshotStore } from '../recovery/snapshot-store.js';

/** Files larger than this are compared by hash only. */
const DIFF_MAX_BYTES = 256 * 1024;
const DIFF_MAX_CHARS = 64 * 1024;

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

function kindOf(st: Stats | null): SnapshotEntryView['now'] {
  if (st === null) return 'absent';
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}

function sha256File(path: string): string | null {
  try {
    const hash = createHash('sha256');
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(1024 * 1024);
      for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) hash.update(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    return hash.digest('hex');
  } catch {
    return null;
  }
}

function textOf(path: string, size: number): string | null {
  if (size > DIFF_MAX_BYTES) return null;
  try {
    const buf = readFileSync(path);
    return buf.includes(0) ? null : buf.toString('utf8');
  } catch {
    return null;
  }
}

function blobPath(blobDir: string, sha256: string): string {
  return join(blobDir, sha256.slice(0, 2), sha256);
}

function sizeOf(path: string): number | null {
  try {
    return statSync(path).size;
  } catch {
    return null;
  }
}

function clip(diff: string): string {
  return diff.length <= DIFF_MAX_CHARS
    ? diff
    : `${diff.slice(0, DIFF_MAX_CHARS)}\n… diff cut at ${DIFF_MAX_CHARS} characters`;
}

/** One path: saved state against current state; content diffs only when `showContent`. */
export function compareEntry(e: SnapshotEntry, blobDir: string, showContent: boolean): SnapshotEntryView {
  const st = lstatOrNull(e.path);
  const now = kindOf(st);
  const saved = e.type === 'file' && e.sha256 !== null ? blobPath(blobDir, e.sha256) : null;
  const size = saved === null ? null : sizeOf(saved);
  const base = { path: e.path, type: e.type, mode: e.mode, size, now };
  const notes: string[] = [];
  let changed = now !== e.type;
  if (!changed && st !== null && e.mode !== null && (st.mode & 0o7777) !== e.mode) {
    changed = true;
    notes.push(`mode ${e.mode.toString(8)} → ${(st.mode & 0o7777).toString(8)}`);
  }
  if (e.type === 'symlink' && now === 'symlink') {
    const target = (() => {
      try {
        return readlinkSync(e.path);
      } catch {
        return null;
      }
    })();
    if (target !== e.linkTarget) {
      changed = true;
      notes.push(`link target ${e.linkTarget ?? '?'} → ${target ?? '?'}`);
    }
  }
  let contentChanged = false;
  if (e.type === 'file' && now === 'file') {
    contentChanged = sha256File(e.path) !== e.sha256;
    changed ||= contentChanged;
  }
  if (saved === null && e.type === 'file') notes.push('the saved content is missing from the snapshot store');
  if (!changed) return { ...base, changed, diff: null, note: notes.join('; ') || null };
  if (!showContent)
    return { ...base, changed, diff: null, note: [...notes, 'content diffs are shown to admins only'].join('; ') };
  // Text content on either side, when it is small enough to read.
  const before =
    e.type === 'file' && saved !== null ? textOf(saved, size ?? Infinity) : e.type === 'absent' ? '' : null;
  const after = now === 'file' && st !== null ? textOf(e.path, st.size) : now === 'absent' ? '' : null;
  const wantDiff = contentChanged || (e.type === 'file') !== (now === 'file');
  if (!wantDiff) return { ...base, changed, diff: null, note: notes.join('; ') || null };
  if (before === null || after === null) {
    return {
      ...base,
      changed,
      diff: null,
      note: [...notes, 'content differs (binary or too large to show)'].join('; '),
    };
  }
  const diff = createTwoFilesPatch(e.path, e.path, before, after, 'in the snapshot', 'now', { context: 3 });
  return { ...base, changed, diff: clip(diff), note: notes.join('; ') || null };
}

export function snapshotDetail(
  snapshots: SnapshotStore,
  blobDir: string,
  id: string,
  showContent: boolean,
): { snapshot: SnapshotView; entries: SnapshotEntryView[] } | undefined {
  const snapshot = snapshots.get(id);
  if (snapshot === undefined) return undefined;
  return { snapshot, entries: snapshots.entries(id).map((e) => compareEntry(e, blobDir, showContent)) };
}
