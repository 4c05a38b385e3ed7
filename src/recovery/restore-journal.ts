// The write-ahead journal that makes a restore all-or-nothing across kill -9 and power loss.
// A restore first records its intent (every operation and the temp file it stages), then
// stages, then records "committing", then renames. Started again after a crash, aiosd undoes
// a restore that was still staging (nothing had changed yet: it removes the temps) and finishes
// one that was committing (every temp was durable before the first rename, so it can).
import { durably, type Db } from '../memory/database.js';

/**
 * What a restore puts back beyond mode and owner; null or absent where the snapshot did not
 * record it (rows from before version 6, or atime when the restore was not asked to).
 * Times are nanoseconds since the epoch as decimal text; xattrs as fs-meta.ts encodes them.
 */
export interface ExtraMeta {
  mtimeNs?: string | null;
  atimeNs?: string | null;
  xattrs?: string | null;
}

export interface Meta extends ExtraMeta {
  mode: number | null;
  uid: number | null;
  gid: number | null;
}

export type RestoreOp =
  /** Put the staged temp (a file or a link) in place of path. */
  | { kind: 'replace'; path: string; temp: string; sha256: string | null }
  /** Copy the staged temp's content into the file at path, the same inode: its other hard links see it too. */
  | ({ kind: 'inplace'; path: string; temp: string; sha256: string } & Meta)
  /** Make path another name of target (a hard link the snapshot recorded), through temp. */
  | { kind: 'link'; path: string; target: string; temp: string }
  /** Remove what is at path (the snapshot says it did not exist). */
  | { kind: 'remove'; path: string; isDir: boolean }
  /**
   * Make sure a directory exists with this mode and owner; `created` when staging had to make it
   * (files go inside); `timesOnly` when it matched and only needs its times back after the changes inside it.
   */
  | ({ kind: 'dir'; path: string; created: boolean; timesOnly?: boolean } & Meta)
  /** Content is right; only mode, owner, xattrs and times are put back. */
  | ({ kind: 'meta'; path: string; link: boolean } & Meta);

export interface JournalRow {
  id: string;
  snapshotId: string;
  state: 'staging' | 'committing';
  ops: RestoreOp[];
}

interface Row {
  id: string;
  snapshot_id: string;
  state: 'staging' | 'committing';
  ops: string;
}

export class RestoreJournal {
  constructor(private readonly db: Db) {}

  /** Records intent durably before any temp file is written. */
  begin(id: string, snapshotId: string, ops: readonly RestoreOp[]): void {
    this.durably(() => {
      this.db
        .prepare('INSERT INTO restore_journal (id, snapshot_id, state, ops, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(id, snapshotId, 'staging', JSON.stringify(ops), new Date().toISOString());
    });
  }

  /** Every temp is durable: from here on, a crash means finishing the restore, not undoing it. */
  committing(id: string): void {
    this.durably(() => this.db.prepare(`UPDATE restore_journal SET state = 'committing' WHERE id = ?`).run(id));
  }

  finish(id: string): void {
    this.durably(() => this.db.prepare('DELETE FROM restore_journal WHERE id = ?').run(id));
  }

  pending(): JournalRow[] {
    const rows = this.db
      .prepare('SELECT id, snapshot_id, state, ops FROM restore_journal ORDER BY created_at')
      .all() as Row[];
    return rows.map((r) => ({
      id: r.id,
      snapshotId: r.snapshot_id,
      state: r.state,
      ops: JSON.parse(r.ops) as RestoreOp[],
    }));
  }

  /**
   * WAL with synchronous=NORMAL may lose the last commits on power loss; a journal step must
   * not, so it is written with synchronous=FULL (the WAL is fsynced at commit).
   */
  private durably(fn: () => void): void {
    durably(this.db, () => this.db.transaction(fn)());
  }
}
