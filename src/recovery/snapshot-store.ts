// Snapshots: the state of some paths (and of packages, services, the firewall) before a step
// changed them, or of whole trees like /etc on a schedule, and the way back to it. Rows live in
// SQLite; file contents in a content-addressed BlobStore; a file index lets an unchanged file
// be recorded again without reading it.
import { readdirSync, readlinkSync, statSync, type BigIntStats } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { monotonicFactory } from 'ulid';
import { durably, type Db } from '../memory/database.js';
import { failpoint } from '../tools/failpoints.js';
import type { SnapshotView } from '../protocol/model.js';
import { BlobStore, hashFile } from './blob-store.js';
import { RestoreJournal } from './restore-journal.js';
import { SparePool, type SparePoolOptions } from './spare-files.js';
import { lstatMeta, xattrsNow, type MetaStat } from './fs-meta.js';
import { inTree, treePaths } from './snapshot-tree.js';
import { onDisk, treeRoot } from './on-disk.js';
import {
  planRestore,
  recoverRestores,
  restoreFiles,
  reviewOf,
  SnapshotRestoreError,
  type RestoreOptions,
  type RestoreReview,
  type SnapshotEntry,
  type SnapshotEntryType,
} from './snapshot-restore.js';
import type { StateProvider, StateRestoreReport } from './state-provider.js';
import type { StateUse } from '../tools/tool.js';

export { SnapshotBlobError } from './blob-store.js';
export { SnapshotRestoreError, type RestoreOptions, type SnapshotEntry } from './snapshot-restore.js';

/** Monotonic, so snapshots taken in the same millisecond still list in the order taken. */
const nextId = monotonicFactory();
const journalId = monotonicFactory();

/** A file changed this recently may change again within the clock's resolution: not indexed. */
const RACY_NS = 20_000_000n;

export type SnapshotKind = 'step' | 'manual' | 'auto';

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
  kind: SnapshotKind;
}
interface EntryRow {
  path: string;
  type: SnapshotEntryType;
  mode: number | null;
  uid: number | null;
  gid: number | null;
  sha256: string | null;
  link_target: string | null;
  mtime_ns: string | null;
  atime_ns: string | null;
  ctime_ns: string | null;
  xattrs: string | null;
  nlink: number | null;
  dev: string | null;
  ino: string | null;
}
/** An entry as captured, before it is stored: the times and inode as the integers the columns hold. */
type CapturedEntry = Omit<SnapshotEntry, 'mtimeNs' | 'atimeNs' | 'ctimeNs' | 'dev' | 'ino'> & {
  mtimeNs?: bigint;
  atimeNs?: bigint;
  ctimeNs?: bigint;
  dev?: bigint;
  ino?: bigint;
};

/** A file_index row as read (integers as BigInt): dev, ino, size, mtime_ns, ctime_ns, sha256, xattrs. */
type IndexRow = [bigint, bigint, bigint, bigint, bigint, string, string | null];

/** What the file index compares: an inode with this size and these times still holds what it hashed to. */
interface IndexKey {
  dev: bigint;
  ino: bigint;
  size: number | bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

const unchanged = (row: IndexRow, st: IndexKey): boolean =>
  row[4] === st.ctimeNs &&
  row[3] === st.mtimeNs &&
  row[1] === st.ino &&
  row[0] === st.dev &&
  row[2] === BigInt(st.size);

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

export interface StoreRestoreOptions extends Omit<RestoreOptions, 'trees'> {
  /** Only what the snapshot recorded at or under this absolute path (no machine state). */
  under?: string;
}

export interface StateRestore extends StateRestoreReport {
  kind: StateUse['kind'];
}

export interface RestoreResult {
  snapshot: SnapshotView;
  /** Every path the snapshot records, now as recorded (unless named in problems). */
  restored: string[];
  /** The paths that had to change. */
  changed: string[];
  states: StateRestore[];
  /** What could not be brought back. Empty when the node now matches the snapshot. */
  problems: string[];
}

export interface TreeCapture {
  snapshot: SnapshotView;
  entries: number;
  /** Files hashed and stored because the index did not know them as unchanged. */
  hashed: number;
  /** Paths left out (unreadable, or not a file, directory or link), with why. */
  skipped: string[];
}

export class SnapshotStore {
  readonly blobs: BlobStore;
  private readonly journal: RestoreJournal;
  private readonly providers = new Map<StateUse['kind'], StateProvider>();
  private readonly sql;
  private restoring: Promise<unknown> = Promise.resolve();

  /** Empty files and directories made ahead of time, so that restoring a deleted tree need not create thousands of inodes. */
  readonly spares: SparePool;

  /**
   * `metadata: false` records what snapshots recorded before schema 6 (mode and owner only, no
   * times, xattrs or inodes), and a restore of such a snapshot leaves those as they are: the
   * benchmark's baseline, and what rows written before version 6 get anyway.
   */
  constructor(
    private readonly db: Db,
    blobDir: string,
    providers: readonly StateProvider[] = [],
    spares: SparePoolOptions = { target: 0 },
    private readonly opts: { metadata?: boolean } = {},
  ) {
    this.blobs = new BlobStore(blobDir, db);
    this.spares = new SparePool(join(blobDir, '.spare'), spares);
    this.journal = new RestoreJournal(db);
    for (const p of providers) this.providers.set(p.kind, p);
    this.sql = {
      index: db
        .prepare<[string], IndexRow>(
          'SELECT dev, ino, size, mtime_ns, ctime_ns, sha256, xattrs FROM file_index WHERE path = ?',
        )
        .safeIntegers()
        .raw(),
      upsertIndex: db.prepare(
        'INSERT INTO file_index (path, dev, ino, size, mtime_ns, ctime_ns, sha256, xattrs) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET dev = excluded.dev, ino = excluded.ino, size = excluded.size, mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns, sha256 = excluded.sha256, xattrs = excluded.xattrs',
      ),
      insertEntry:
        db.prepare(`INSERT INTO snapshot_entries (snapshot_id, path, type, mode, uid, gid, sha256, link_target, mtime_ns, atime_ns, ctime_ns, xattrs, nlink, dev, ino)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    };
  }

  /** Finishes or undoes restores a crash interrupted. Run at daemon start. */
  recover(): string[] {
    return recoverRestores(this.journal);
  }

  /** Records each path as it is now (lstat: a symlink is saved as a link, never followed), and the given machine state. */
  async capture(input: {
    paths: string[];
    /** Directories recorded whole (everything under each): a restore also removes what is new in them. */
    trees?: readonly string[];
    states?: readonly StateUse[];
    label: string;
    goalId?: string;
    stepId?: string;
    kind?: SnapshotKind;
  }): Promise<SnapshotView> {
    for (const p of input.paths) {
      if (!isAbsolute(p)) throw new Error(`snapshot paths must be absolute, got "${p}"`);
    }
    const states: { kind: StateUse['kind']; data: unknown }[] = [];
    const kept: string[] = [];
    for (const use of input.states ?? []) {
      const provider = this.providers.get(use.kind);
      if (provider === undefined) throw new Error(`no way to snapshot ${use.kind} state on this node`);
      const data = await provider.capture(use.keys, use);
      states.push({ kind: use.kind, data });
      kept.push(...(provider.keepFiles?.(data) ?? []));
    }
    for (const t of input.trees ?? []) {
      if (!isAbsolute(t)) throw new Error(`snapshot paths must be absolute, got "${t}"`);
      if (statSync(t, { throwIfNoEntry: false })?.isDirectory() !== true)
        throw new Error(`${t} is declared as a directory to record whole, but is not a directory`);
    }
    // Recorded where they are on disk (on-disk.ts): a directory reached through a link is restorable.
    const declared = (input.trees ?? []).map((t) => treeRoot(resolve(t)));
    const roots = [...new Set(declared.map((t) => t.dir))];
    const inRoots = (p: string): boolean => roots.some((r) => inTree(r, p));
    // A state's own files (kept .debs) are recorded like the step's: restored first, then the state from them.
    const links = declared.flatMap((t) => (t.link === null ? [] : [t.link]));
    const paths = [...new Set([...input.paths, ...kept].map((p) => onDisk(resolve(p))).concat(links))].filter(
      (p) => !inRoots(p),
    );
    const fresh: string[] = [];
    const indexed: [string, MetaStat, string][] = [];
    const counter = { read: 0 };
    const entries = [
      ...paths.map((p) => this.describe(p, fresh, indexed, 'durable-file', counter)),
      // Packed like a tree snapshot's small files: durable with the rows that name them.
      ...roots.flatMap((r) => treePaths(r).map((p) => this.describe(p, fresh, indexed, 'packed', counter))),
    ];
    return this.save({ ...input, kind: input.kind ?? 'step', entries, roots, states, fresh, indexed });
  }

  /** Records whole trees (every file, directory and link under each root), reusing hashes of unchanged files. */
  captureTree(input: { roots: string[]; label: string; kind: 'manual' | 'auto' }): TreeCapture {
    for (const r of input.roots) if (!isAbsolute(r)) throw new Error(`snapshot paths must be absolute, got "${r}"`);
    // A root that is a link to a directory: the link is recorded, and the tree where it points.
    const declared = input.roots.map((r) => treeRoot(resolve(r)));
    const roots = [...new Set(declared.map((t) => t.dir))];
    const fresh: string[] = [];
    const indexed: [string, MetaStat, string][] = [];
    const skipped: string[] = [];
    const entries: CapturedEntry[] = [];
    const counter = { read: 0 };
    const visit = (path: string): void => {
      let entry: CapturedEntry;
      try {
        entry = this.describe(path, fresh, indexed, 'packed', counter);
      } catch (error) {
        skipped.push(`${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        return;
      }
      entries.push(entry);
      if (entry.type !== 'dir') return;
      let names: string[];
      try {
        names = readdirSync(path).sort();
      } catch (error) {
        skipped.push(`${path}/: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
        return;
      }
      for (const name of names) visit(join(path, name));
    };
    for (const t of declared) if (t.link !== null && !roots.some((r) => inTree(r, t.link as string))) visit(t.link);
    for (const root of roots) visit(root);
    const snapshot = this.save({ label: input.label, kind: input.kind, entries, roots, states: [], fresh, indexed });
    return { snapshot, entries: entries.length, hashed: counter.read, skipped };
  }

  /**
   * Brings every path (and saved state) back to the snapshot: files all or nothing, then state.
   * One restore at a time: staging yields to the event loop, and a second restore starting then
   * would take the first one's journal row for a crashed restore and undo it.
   */
  restore(id: string, opts: StoreRestoreOptions = {}): Promise<RestoreResult> {
    const run = this.restoring.then(async () => {
      // No new spares while a restore wants the disk; filled again after it.
      this.spares.pause();
      try {
        return await this.restoreNow(id, opts);
      } finally {
        this.spares.resume();
      }
    });
    this.restoring = run.catch(() => undefined);
    return run;
  }

  private async restoreNow(id: string, opts: StoreRestoreOptions): Promise<RestoreResult> {
    if (this.row(id) === undefined) throw new SnapshotNotFoundError(id);
    this.recover();
    const { entries, trees } = this.scope(id, opts.under);
    const files = await restoreFiles(
      this.journal,
      journalId(),
      id,
      entries,
      this.blobs,
      (path, st, sha) => this.sameContent(path, st, sha),
      this.spares,
      { ...opts, trees },
    );
    const states: StateRestore[] = [];
    // Packages, services and the firewall belong to the whole snapshot, not to a path in it.
    const saved =
      opts.under === undefined
        ? (this.db
            .prepare('SELECT kind, data FROM snapshot_states WHERE snapshot_id = ? ORDER BY rowid DESC')
            .all(id) as { kind: StateUse['kind']; data: string }[])
        : [];
    for (const s of saved) {
      const provider = this.providers.get(s.kind);
      if (provider === undefined) {
        states.push({
          kind: s.kind,
          ok: false,
          actions: [],
          problems: [`no way to restore ${s.kind} state on this node`],
        });
        continue;
      }
      states.push({ kind: s.kind, ...(await provider.restore(JSON.parse(s.data) as unknown)) });
    }
    this.db.prepare('UPDATE snapshots SET restored_at = ? WHERE id = ?').run(new Date().toISOString(), id);
    const snapshot = this.get(id);
    if (snapshot === undefined) throw new SnapshotNotFoundError(id);
    const problems = [...files.problems, ...states.flatMap((s) => s.problems.map((p) => `${s.kind}: ${p}`))];
    return { snapshot, restored: entries.map((e) => e.path), changed: files.changed, states, problems };
  }

  /**
   * What restore(id, { under }) would change now, for a review before it is confirmed: paths
   * written back, removed (new in a recorded directory) and made again. Changes nothing.
   */
  previewRestore(id: string, under?: string): RestoreReview & { problems: string[] } {
    if (this.row(id) === undefined) throw new SnapshotNotFoundError(id);
    const { entries, trees } = this.scope(id, under);
    try {
      const plan = planRestore(entries, (path, st, sha) => this.sameContent(path, st, sha), { trees });
      return { ...reviewOf(plan.ops), problems: plan.problems };
    } catch (error) {
      if (!(error instanceof SnapshotRestoreError)) throw error;
      return { restore: [], remove: [], create: [], problems: [error.message] };
    }
  }

  /** The directories this snapshot recorded whole (a tree snapshot's roots, a step's writeDirs): a restore removes what is new in them. */
  treesOf(id: string): string[] {
    return this.roots(id);
  }

  /**
   * The entries a restore puts back and the directories it makes exactly as recorded: all of
   * them, or only what lies under `under` (a directory there is made as recorded too, when the
   * snapshot recorded the tree it is in).
   */
  private scope(id: string, under: string | undefined): { entries: SnapshotEntry[]; trees: string[] } {
    const entries = this.entries(id);
    const roots = this.roots(id);
    if (under === undefined) return { entries, trees: roots };
    if (!isAbsolute(under)) throw new SnapshotRestoreError(`the path to restore must be absolute, got "${under}"`);
    const at = resolve(under);
    const inside = entries.filter((e) => inTree(at, e.path));
    if (inside.length === 0)
      throw new SnapshotRestoreError(
        `snapshot ${id} records nothing at or under ${at}; 'aios snapshots' lists what each one holds`,
      );
    const trees = roots.filter((r) => inTree(at, r));
    const within = inside.some((e) => e.path === at && e.type === 'dir') && roots.some((r) => inTree(r, at));
    return { entries: inside, trees: within && !trees.includes(at) ? [...trees, at] : trees };
  }

  list(limit = 50): SnapshotView[] {
    const rows = this.db
      .prepare('SELECT * FROM snapshots ORDER BY created_at DESC, id DESC LIMIT ?')
      .all(limit) as SnapshotRow[];
    return rows.map((r) => this.view(r));
  }

  get(id: string): SnapshotView | undefined {
    const row = this.row(id);
    return row === undefined ? undefined : this.view(row);
  }

  kindOf(id: string): SnapshotKind | undefined {
    return this.row(id)?.kind;
  }

  /** What was recorded for each path, in capture order. */
  entries(id: string): SnapshotEntry[] {
    const rows = this.db
      .prepare(
        // Integers since schema 11; read as text, the form restores compare and journal.
        `SELECT path, type, mode, uid, gid, sha256, link_target, CAST(mtime_ns AS TEXT) AS mtime_ns,
          CAST(atime_ns AS TEXT) AS atime_ns, CAST(ctime_ns AS TEXT) AS ctime_ns, xattrs, nlink,
          CAST(dev AS TEXT) AS dev, CAST(ino AS TEXT) AS ino FROM snapshot_entries WHERE snapshot_id = ? ORDER BY rowid`,
      )
      .all(id) as EntryRow[];
    return rows.map((r) => ({
      path: r.path,
      type: r.type,
      mode: r.mode,
      uid: r.uid,
      gid: r.gid,
      sha256: r.sha256,
      linkTarget: r.link_target,
      mtimeNs: r.mtime_ns,
      atimeNs: r.atime_ns,
      ctimeNs: r.ctime_ns,
      xattrs: r.xattrs,
      nlink: r.nlink,
      dev: r.dev,
      ino: r.ino,
    }));
  }

  /** What restoring a snapshot's machine state (packages, services, firewall) would change now, in words; changes nothing. */
  async stateChanges(id: string): Promise<{ kind: StateUse['kind']; changes: string[] }[]> {
    const saved = this.db
      .prepare('SELECT kind, data FROM snapshot_states WHERE snapshot_id = ? ORDER BY rowid DESC')
      .all(id) as { kind: StateUse['kind']; data: string }[];
    const out: { kind: StateUse['kind']; changes: string[] }[] = [];
    for (const s of saved) {
      const provider = this.providers.get(s.kind);
      const changes =
        provider === undefined
          ? [`no way to restore ${s.kind} state on this node`]
          : provider.preview === undefined
            ? [`${s.kind} put back as saved`]
            : await provider.preview(JSON.parse(s.data) as unknown);
      out.push({ kind: s.kind, changes });
    }
    return out;
  }

  /**
   * Keeps the newest `keepAuto` automatic snapshots and drops older ones; manual and step
   * snapshots never expire. Then removes blobs no snapshot names. Returns the ids dropped.
   */
  prune(keepAuto: number): { dropped: string[]; blobsRemoved: number } {
    const old = (
      this.db
        .prepare(`SELECT id FROM snapshots WHERE kind = 'auto' ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ?`)
        .all(keepAuto) as { id: string }[]
    ).map((r) => r.id);
    this.db.transaction(() => {
      for (const id of old) {
        for (const table of ['snapshot_entries', 'snapshot_states', 'snapshot_roots'])
          this.db.prepare(`DELETE FROM ${table} WHERE snapshot_id = ?`).run(id);
        this.db.prepare('DELETE FROM snapshots WHERE id = ?').run(id);
      }
    })();
    if (old.length === 0) return { dropped: [], blobsRemoved: 0 };
    const referenced = new Set(
      (
        this.db.prepare('SELECT DISTINCT sha256 FROM snapshot_entries WHERE sha256 IS NOT NULL').all() as {
          sha256: string;
        }[]
      ).map((r) => r.sha256),
    );
    // The index must never promise a blob that is gone.
    this.db
      .prepare(
        'DELETE FROM file_index WHERE sha256 NOT IN (SELECT DISTINCT sha256 FROM snapshot_entries WHERE sha256 IS NOT NULL)',
      )
      .run();
    return { dropped: old, blobsRemoved: this.blobs.collectGarbage(referenced) };
  }

  /** The newest snapshot of a kind, for the scheduler. */
  newest(kind: SnapshotKind): SnapshotView | undefined {
    const row = this.db
      .prepare('SELECT * FROM snapshots WHERE kind = ? ORDER BY created_at DESC, id DESC LIMIT 1')
      .get(kind) as SnapshotRow | undefined;
    return row === undefined ? undefined : this.view(row);
  }

  private save(input: {
    label: string;
    goalId?: string;
    stepId?: string;
    kind: SnapshotKind;
    entries: CapturedEntry[];
    roots: string[];
    states: { kind: StateUse['kind']; data: unknown }[];
    fresh: string[];
    indexed: [string, MetaStat, string][];
  }): SnapshotView {
    // Blobs are written (not yet synced) and no row names them: a crash here must leave no snapshot.
    failpoint(`snapshot.save.${input.kind}`);
    // Blobs are durable before any row names them.
    this.blobs.syncBatch(input.fresh);
    const id = nextId();
    const createdAt = new Date().toISOString();
    const write = (): void => {
      this.db.transaction(() => {
        this.blobs.writePending();
        this.db
          .prepare(
            'INSERT INTO snapshots (id, label, goal_id, step_id, created_at, restored_at, kind) VALUES (?, ?, ?, ?, ?, NULL, ?)',
          )
          .run(id, input.label, input.goalId ?? null, input.stepId ?? null, createdAt, input.kind);
        for (const e of input.entries) {
          this.sql.insertEntry.run(
            id,
            e.path,
            e.type,
            e.mode,
            e.uid,
            e.gid,
            e.sha256,
            e.linkTarget,
            e.mtimeNs ?? null,
            e.atimeNs ?? null,
            e.ctimeNs ?? null,
            e.xattrs ?? null,
            e.nlink ?? null,
            e.dev ?? null,
            e.ino ?? null,
          );
        }
        for (const root of input.roots)
          this.db.prepare('INSERT INTO snapshot_roots (snapshot_id, root) VALUES (?, ?)').run(id, root);
        for (const s of input.states)
          this.db
            .prepare('INSERT INTO snapshot_states (snapshot_id, kind, data) VALUES (?, ?, ?)')
            .run(id, s.kind, JSON.stringify(s.data));
        for (const [path, st, sha] of input.indexed)
          this.sql.upsertIndex.run(path, st.dev, st.ino, st.size, st.mtimeNs, st.ctimeNs, sha, st.xattrs);
      })();
    };
    // A step's snapshot is the undo for a change about to be made: durable at commit.
    if (input.kind === 'step') {
      durably(this.db, write);
    } else {
      write();
    }
    const row = this.row(id);
    if (row === undefined) throw new SnapshotNotFoundError(id);
    return this.view(row);
  }

  private row(id: string): SnapshotRow | undefined {
    return this.db.prepare('SELECT * FROM snapshots WHERE id = ?').get(id) as SnapshotRow | undefined;
  }

  private roots(id: string): string[] {
    return (
      this.db.prepare('SELECT root FROM snapshot_roots WHERE snapshot_id = ? ORDER BY root').all(id) as {
        root: string;
      }[]
    ).map((r) => r.root);
  }

  private view(row: SnapshotRow): SnapshotView {
    const roots = this.roots(row.id);
    return {
      id: row.id,
      label: row.label,
      goalId: row.goal_id,
      stepId: row.step_id,
      createdAt: row.created_at,
      // A tree snapshot names its roots; listing thousands of paths helps nobody. A step's
      // names its files and the directories it recorded whole.
      paths:
        roots.length === 0
          ? this.entries(row.id).map((e) => e.path)
          : row.kind === 'step'
            ? [
                ...this.entries(row.id)
                  .filter((e) => !roots.some((r) => inTree(r, e.path)))
                  .map((e) => e.path),
                ...roots,
              ]
            : roots,
      restoredAt: row.restored_at,
    };
  }

  /** `st`: the file as the restore's plan just found it (Node's stat: inode numbers unsigned, stored signed). */
  private sameContent(path: string, st: BigIntStats, sha256: string): boolean {
    const row = this.sql.index.get(path);
    const key = { ...st, dev: BigInt.asIntN(64, st.dev), ino: BigInt.asIntN(64, st.ino) };
    return (row !== undefined && unchanged(row, key) ? row[5] : hashFile(path)) === sha256;
  }

  /** `how`: a step's undo is a durable file before the change; a tree's small files are packed into its transaction. */
  private describe(
    path: string,
    fresh: string[],
    indexed: [string, MetaStat, string][],
    how: 'durable-file' | 'packed',
    counter: { read: number },
  ): CapturedEntry {
    const metadata = this.opts.metadata !== false;
    // Looked up first: a path the index has never seen (a first snapshot, a directory, a link)
    // gets its xattrs in the same native call as its stat.
    const row = this.sql.index.get(path);
    let st: MetaStat;
    try {
      st = lstatMeta(path, metadata && row === undefined);
    } catch (error) {
      // A path that did not exist is part of the state too: restoring removes what a step created.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR')
        return { path, type: 'absent', mode: null, uid: null, gid: null, sha256: null, linkTarget: null };
      throw error;
    }
    const type = st.mode & S_IFMT;
    const known = type === S_IFREG && row !== undefined && unchanged(row, st) ? row : undefined;
    // Times, xattrs (ACLs among them) and the inode as they were: a restore puts them back too.
    // An unchanged inode's xattrs come from the index: every xattr change moves the ctime, and
    // a file is indexed only once its ctime is older than the clock's resolution (RACY_NS).
    if (metadata) st.xattrs ??= known?.[6] ?? xattrsNow(path);
    let kind: 'file' | 'symlink' | 'dir';
    let sha256: string | null = null;
    let linkTarget: string | null = null;
    if (type === S_IFREG) {
      kind = 'file';
      if (known !== undefined) sha256 = known[5];
      else {
        const put: { sha256: string; fresh?: string | null } =
          (how === 'packed' ? this.blobs.putPacked(path) : null) ?? this.blobs.putFile(path, how === 'durable-file');
        counter.read += 1;
        if (typeof put.fresh === 'string') fresh.push(put.fresh);
        // Unchanged while it was read (content, and the xattrs read before): indexed with both.
        const after = { ...lstatMeta(path, false), xattrs: st.xattrs };
        const stable = after.mtimeNs === st.mtimeNs && after.ctimeNs === st.ctimeNs && after.size === st.size;
        if (stable && BigInt(Date.now()) * 1_000_000n - after.ctimeNs > RACY_NS)
          indexed.push([path, after, put.sha256]);
        sha256 = put.sha256;
      }
    } else if (type === S_IFLNK) {
      kind = 'symlink';
      linkTarget = readlinkSync(path);
    } else if (type === S_IFDIR) {
      // Only the directory itself (mode, owner, existence): its contents are other paths.
      kind = 'dir';
    } else throw new Error(`cannot snapshot ${path}: it is not a file, directory or symbolic link`);
    const [mode, uid, gid] = [st.mode & 0o7777, st.uid, st.gid];
    // One literal per case rather than spreads of optional parts: a re-snapshot of an unchanged
    // tree builds thousands of these, and the spreads cost more than the columns themselves.
    return metadata
      ? {
          path,
          type: kind,
          mode,
          uid,
          gid,
          sha256,
          linkTarget,
          mtimeNs: st.mtimeNs,
          atimeNs: st.atimeNs,
          ctimeNs: st.ctimeNs,
          xattrs: st.xattrs,
          nlink: st.nlink,
          dev: st.dev,
          ino: st.ino,
        }
      : { path, type: kind, mode, uid, gid, sha256, linkTarget };
  }
}
