// Snapshots: the state of some paths before a step changed them, and the way back to it.
// Rows live in SQLite (snapshots, snapshot_entries); file contents live in a BlobStore.
import { lstatSync, readlinkSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { monotonicFactory } from 'ulid';
import type { Db } from '../memory/database.js';
import type { SnapshotView } from '../protocol/model.js';
import { BlobStore } from './blob-store.js';
import { commitAll, stageAll, type SnapshotEntryType, type SnapshotEntry } from './snapshot-restore.js';

export { SnapshotBlobError } from './blob-store.js';
export { SnapshotRestoreError, type SnapshotEntry } from './snapshot-restore.js';

/** Monotonic, so snapshots taken in the same millisecond still list in the order taken. */
const nextId = monotonicFactory();

export class SnapshotNotFoundError extends Error {
  constructor(readonly snapshotId: string) {
    super(`no snapshot "${snapshotId}"; list them with 'aios snapshots'`);
    this.name = 'SnapshotNotFoundError';
  }
}

interface SnapshotRow {
  id: string;
  label: string;
  goal_id: string | null;
  step_id: string | null;
  created_at: string;
  restored_at: string | null;
}

interface EntryRow {
  path: string;
  type: SnapshotEntryType;
  mode: number | null;
  uid: number | null;
  gid: number | null;
  sha256: string | null;
  link_target: string | null;
}

export class SnapshotStore {
  private readonly blobs: BlobStore;

  constructor(private readonly db: Db, blobDir: string) {
    this.blobs = new BlobStore(blobDir);
  }

  /** Records each path as it is now (lstat: a symlink is saved as a link, never followed). */
  capture(input: { paths: string[]; label: string; goalId?: string; stepId?: string }): SnapshotView {
    for (const p of input.paths) {
      if (!isAbsolute(p)) throw new Error(`snapshot paths must be absolute, got "${p}"`);
    }
    const paths = [...new Set(input.paths.map((p) => resolve(p)))];
    // Blobs are written before the rows: a row never names content that is not on disk.
    const entries = paths.map((p) => this.describe(p));
    const id = nextId();
    const createdAt = new Date().toISOString();
    const insertEntry = this.db.prepare(
      'INSERT INTO snapshot_entries (snapshot_id, path, type, mode, uid, gid, sha256, link_target) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO snapshots (id, label, goal_id, step_id, created_at, restored_at) VALUES (?, ?, ?, ?, ?, NULL)')
        .run(id, input.label, input.goalId ?? null, input.stepId ?? null, createdAt);
      for (const e of entries) insertEntry.run(id, e.path, e.type, e.mode, e.uid, e.gid, e.sha256, e.linkTarget);
    })();
    return { id, label: input.label, goalId: input.goalId ?? null, stepId: input.stepId ?? null, createdAt, paths, restoredAt: null };
  }

  /** Brings every path back to its captured state, or changes none of them. */
  restore(id: string): { snapshot: SnapshotView; restored: string[] } {
    if (this.row(id) === undefined) throw new SnapshotNotFoundError(id);
    const entries = this.entries(id);
    commitAll(stageAll(entries, this.blobs));
    this.db.prepare('UPDATE snapshots SET restored_at = ? WHERE id = ?').run(new Date().toISOString(), id);
    const snapshot = this.get(id);
    if (snapshot === undefined) throw new SnapshotNotFoundError(id);
    return { snapshot, restored: entries.map((e) => e.path) };
  }

  list(limit = 50): SnapshotView[] {
    const rows = this.db.prepare('SELECT * FROM snapshots ORDER BY created_at DESC, id DESC LIMIT ?').all(limit) as SnapshotRow[];
    return rows.map((r) => this.view(r));
  }

  get(id: string): SnapshotView | undefined {
    const row = this.row(id);
    return row === undefined ? undefined : this.view(row);
  }

  /** What was recorded for each path, in capture order. */
  entries(id: string): SnapshotEntry[] {
    const rows = this.db.prepare('SELECT path, type, mode, uid, gid, sha256, link_target FROM snapshot_entries WHERE snapshot_id = ? ORDER BY rowid')
      .all(id) as EntryRow[];
    return rows.map((r) => ({ path: r.path, type: r.type, mode: r.mode, uid: r.uid, gid: r.gid, sha256: r.sha256, linkTarget: r.link_target }));
  }

  private row(id: string): SnapshotRow | undefined {
    return this.db.prepare('SELECT * FROM snapshots WHERE id = ?').get(id) as SnapshotRow | undefined;
  }

  private view(row: SnapshotRow): SnapshotView {
    return {
      id: row.id,
      label: row.label,
      goalId: row.goal_id,
      stepId: row.step_id,
      createdAt: row.created_at,
      paths: this.entries(row.id).map((e) => e.path),
      restoredAt: row.restored_at,
    };
  }

  private describe(path: string): SnapshotEntry {
    let st;
    try {
      st = lstatSync(path);
    } catch (error) {
      // A path that did not exist is part of the state too: restoring removes what a step created.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        return { path, type: 'absent', mode: null, uid: null, gid: null, sha256: null, linkTarget: null };
      }
      throw error;
    }
    const base = { path, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
    if (st.isFile()) return { ...base, type: 'file', sha256: this.blobs.putFile(path), linkTarget: null };
    if (st.isSymbolicLink()) return { ...base, type: 'symlink', sha256: null, linkTarget: readlinkSync(path) };
    // Only the directory itself (mode, owner, existence): its contents are other paths.
    if (st.isDirectory()) return { ...base, type: 'dir', sha256: null, linkTarget: null };
    throw new Error(`cannot snapshot ${path}: it is not a file, directory or symbolic link`);
  }
}
