// Schema history. Append a migration; never edit one that has shipped.
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'goals, plans, steps, tool calls, events, memories, audit, snapshots',
    sql: `
      CREATE TABLE goals (
        id TEXT PRIMARY KEY,
        text TEXT NOT NULL,
        state TEXT NOT NULL,
        message TEXT,
        submitted_by TEXT NOT NULL,
        submitted_uid INTEGER NOT NULL,
        plan_id TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX goals_created ON goals(created_at);

      CREATE TABLE plans (
        id TEXT PRIMARY KEY,
        goal_id TEXT NOT NULL REFERENCES goals(id),
        tier TEXT NOT NULL,
        hash TEXT NOT NULL,
        spec TEXT NOT NULL,            -- canonical JSON of the steps the hash covers
        created_at TEXT NOT NULL
      );

      CREATE TABLE steps (
        plan_id TEXT NOT NULL REFERENCES plans(id),
        id TEXT NOT NULL,
        ord INTEGER NOT NULL,
        state TEXT NOT NULL,
        preview TEXT NOT NULL,         -- JSON StepPreview
        snapshot_id TEXT,
        output TEXT NOT NULL DEFAULT '',
        error TEXT,
        approved_by TEXT,
        started_at TEXT,
        finished_at TEXT,
        PRIMARY KEY (plan_id, id)
      );

      CREATE TABLE tool_calls (
        id TEXT PRIMARY KEY,
        goal_id TEXT,
        plan_id TEXT,
        step_id TEXT,
        tool TEXT NOT NULL,
        args TEXT NOT NULL,
        ok INTEGER NOT NULL,
        output TEXT NOT NULL,
        error TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL
      );

      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts TEXT NOT NULL,
        type TEXT NOT NULL,
        goal_id TEXT,
        payload TEXT NOT NULL
      );

      CREATE TABLE memories (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        content TEXT NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
      );
      CREATE VIRTUAL TABLE memories_fts USING fts5(content, content='memories', content_rowid='rowid');
      CREATE TRIGGER memories_ai AFTER INSERT ON memories BEGIN
        INSERT INTO memories_fts(rowid, content) VALUES (new.rowid, new.content);
      END;
      CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN
        INSERT INTO memories_fts(memories_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
      END;
      CREATE TRIGGER memories_au AFTER UPDATE ON memories BEGIN
        INSERT INTO memories_fts(memories_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
        INSERT INTO memories_fts(rowid, content) VALUES (new.rowid, new.content);
      END;

      -- Append-only, hash-chained. seq is dense: a gap is a deleted row.
      CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        ts TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );

      CREATE TABLE snapshots (
        id TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        goal_id TEXT,
        step_id TEXT,
        created_at TEXT NOT NULL,
        restored_at TEXT
      );
      -- One row per path: what it was before (type 'absent' when it did not exist).
      CREATE TABLE snapshot_entries (
        snapshot_id TEXT NOT NULL REFERENCES snapshots(id),
        path TEXT NOT NULL,
        type TEXT NOT NULL,            -- file | dir | symlink | absent
        mode INTEGER,
        uid INTEGER,
        gid INTEGER,
        sha256 TEXT,                   -- content blob for files
        link_target TEXT,
        PRIMARY KEY (snapshot_id, path)
      );
    `,
  },
  {
    version: 2,
    name: 'learned procedures, operational metrics',
    sql: `
      -- A goal that succeeded, kept as a plan template to reuse without a model.
      CREATE TABLE procedures (
        id TEXT PRIMARY KEY,
        goal_text TEXT NOT NULL,
        normalized TEXT NOT NULL,
        tier TEXT NOT NULL,
        steps TEXT NOT NULL,           -- JSON PlanStepSpec[]
        outcome TEXT NOT NULL,
        uses INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        last_used_at TEXT
      );
      CREATE UNIQUE INDEX procedures_normalized ON procedures(normalized);
      CREATE VIRTUAL TABLE procedures_fts USING fts5(normalized, content='procedures', content_rowid='rowid');
      CREATE TRIGGER procedures_ai AFTER INSERT ON procedures BEGIN
        INSERT INTO procedures_fts(rowid, normalized) VALUES (new.rowid, new.normalized);
      END;
      CREATE TRIGGER procedures_ad AFTER DELETE ON procedures BEGIN
        INSERT INTO procedures_fts(procedures_fts, rowid, normalized) VALUES ('delete', old.rowid, old.normalized);
      END;
      CREATE TRIGGER procedures_au AFTER UPDATE OF normalized ON procedures BEGIN
        INSERT INTO procedures_fts(procedures_fts, rowid, normalized) VALUES ('delete', old.rowid, old.normalized);
        INSERT INTO procedures_fts(rowid, normalized) VALUES (new.rowid, new.normalized);
      END;

      -- Operational memory: the monitor agent's samples, pruned to a window.
      CREATE TABLE metrics (
        ts TEXT NOT NULL,
        name TEXT NOT NULL,
        value REAL NOT NULL
      );
      CREATE INDEX metrics_name_ts ON metrics(name, ts);
    `,
  },
  {
    version: 3,
    name: 'API gateway: monthly spend per provider, response cache',
    sql: `
      -- Spend from real token usage, per provider and calendar month (UTC), for budgets.
      CREATE TABLE api_spend (
        provider TEXT NOT NULL,
        month TEXT NOT NULL,           -- YYYY-MM
        usd REAL NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        requests INTEGER NOT NULL,
        PRIMARY KEY (provider, month)
      );

      -- Answers keyed by the sha256 of the normalised request.
      CREATE TABLE api_cache (
        key TEXT PRIMARY KEY,
        provider TEXT NOT NULL,
        created_at INTEGER NOT NULL,   -- ms since the epoch
        expires_at INTEGER NOT NULL,
        response TEXT NOT NULL
      );
      CREATE INDEX api_cache_expires ON api_cache(expires_at);
    `,
  },
  {
    version: 4,
    name: 'recovery and audit: snapshot kinds, trees, state, file index, restore journal, signed audit checkpoints',
    sql: `
      -- step: taken before a step ran; manual: aios snapshot create; auto: the schedule (pruned).
      ALTER TABLE snapshots ADD COLUMN kind TEXT NOT NULL DEFAULT 'step';
      CREATE INDEX snapshots_kind ON snapshots(kind, created_at);
      -- The roots of a tree snapshot (every entry under them is in snapshot_entries).
      CREATE TABLE snapshot_roots (
        snapshot_id TEXT NOT NULL REFERENCES snapshots(id),
        root TEXT NOT NULL,
        PRIMARY KEY (snapshot_id, root)
      );
      -- Machine state beyond files: packages, services, the firewall ruleset (JSON).
      CREATE TABLE snapshot_states (
        snapshot_id TEXT NOT NULL REFERENCES snapshots(id),
        kind TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (snapshot_id, kind)
      );
      CREATE INDEX snapshot_entries_sha256 ON snapshot_entries(sha256);
      -- What a file hashed to when it had this inode, size and times: unchanged files are not read again.
      CREATE TABLE file_index (
        path TEXT PRIMARY KEY,
        dev INTEGER NOT NULL,
        ino INTEGER NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns TEXT NOT NULL,
        ctime_ns TEXT NOT NULL,
        sha256 TEXT NOT NULL
      );
      -- Small file contents of whole-tree snapshots, content-addressed like the blob files.
      CREATE TABLE blobs (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        data BLOB NOT NULL
      );
      -- Write-ahead journal of restores in flight: finished or undone when aiosd starts.
      CREATE TABLE restore_journal (
        id TEXT PRIMARY KEY,
        snapshot_id TEXT NOT NULL,
        state TEXT NOT NULL,           -- staging | committing
        ops TEXT NOT NULL,             -- JSON RestoreOp[]
        created_at TEXT NOT NULL
      );
      -- The executor reads an approval back from the ledger (action plan.approve, subject plan/step).
      CREATE INDEX audit_action_subject ON audit(action, subject);
      -- Ed25519 signatures over the chain's head at seq: truncation or rewriting breaks them.
      CREATE TABLE audit_checkpoints (
        seq INTEGER PRIMARY KEY,
        hash TEXT NOT NULL,
        ts TEXT NOT NULL,
        key_id TEXT NOT NULL,
        signature TEXT NOT NULL
      );
    `,
  },
  {
    version: 5,
    name: 'learned procedures: embeddings of goal text per local model',
    sql: `
      -- A procedure's normalised goal text as one local model embeds it (Float32 little-endian).
      -- model names the file and its sha256 (or size and mtime): vectors of different models are
      -- never compared, and a changed model file makes new ones.
      CREATE TABLE procedure_embeddings (
        procedure_id TEXT NOT NULL REFERENCES procedures(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        dims INTEGER NOT NULL,
        vector BLOB NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (model, procedure_id)
      );
    `,
  },
  {
    version: 6,
    name: 'execution journal: each step start (with its processes) and end, written before and after it runs',
    sql: `
      -- A step that started and has no end here was cut off by a crash: its outcome is unknown.
      CREATE TABLE exec_journal (
        id TEXT PRIMARY KEY,
        goal_id TEXT NOT NULL,
        plan_id TEXT NOT NULL,
        step_id TEXT NOT NULL,
        tool TEXT NOT NULL,
        cgroup TEXT,                   -- the step's cgroup v2 directory, null where there is none
        processes TEXT NOT NULL DEFAULT '[]', -- JSON [{pid, pgid, startTime}] as each was spawned
        started_at TEXT NOT NULL,
        ended_at TEXT,
        outcome TEXT,                  -- succeeded | failed | cancelled | unknown
        detail TEXT
      );
      CREATE INDEX exec_journal_step ON exec_journal(plan_id, step_id);
      CREATE INDEX exec_journal_open ON exec_journal(started_at) WHERE ended_at IS NULL;
    `,
  },
  {
    version: 7,
    name: 'snapshots record times, xattrs (ACLs among them) and hard links',
    sql: `
      -- NULL in rows written before this version: that attribute was not recorded, and a
      -- restore leaves it as it is now. xattrs is JSON [[name, base64], ...], "[]" for none.
      ALTER TABLE snapshot_entries ADD COLUMN mtime_ns TEXT;
      -- With dev and ino: an inode whose ctime is still this one has had nothing changed since.
      ALTER TABLE snapshot_entries ADD COLUMN ctime_ns TEXT;
      ALTER TABLE snapshot_entries ADD COLUMN atime_ns TEXT;
      ALTER TABLE snapshot_entries ADD COLUMN xattrs TEXT;
      -- A file's link count and inode when recorded: a restore keeps a hard link a link.
      ALTER TABLE snapshot_entries ADD COLUMN nlink INTEGER;
      ALTER TABLE snapshot_entries ADD COLUMN dev TEXT;
      ALTER TABLE snapshot_entries ADD COLUMN ino TEXT;
    `,
  },
  {
    version: 8,
    name: 'cloud spend: input tokens read from the prompt caches; events found by goal and type',
    sql: `
      ALTER TABLE api_spend ADD COLUMN cached_input_tokens INTEGER NOT NULL DEFAULT 0;
      -- A goal's view reads its step diagnoses and its answer from the events: without this, a full scan each.
      CREATE INDEX events_goal_type ON events(goal_id, type);
    `,
  },
  {
    version: 9,
    name: "plans found by goal: collection's foreign-key checks",
    sql: `
      -- Deleting a goal checks plans.goal_id's foreign key: without this, a full scan of plans per
      -- goal collected (hours at 100,000 goals, bench/gc.ts).
      CREATE INDEX plans_goal ON plans(goal_id);
    `,
  },
  {
    version: 10,
    name: 'tool calls, execution journal and snapshots found by goal',
    sql: `
      -- A goal's detail (its tool calls) and collection (its calls, journal and step snapshots)
      -- look these up by goal: without an index, each is a scan of the whole table.
      CREATE INDEX tool_calls_goal ON tool_calls(goal_id);
      CREATE INDEX exec_journal_goal ON exec_journal(goal_id);
      CREATE INDEX snapshots_goal ON snapshots(goal_id);
    `,
  },
  {
    version: 11,
    name: 'snapshot times and inodes as integers; the file index keeps xattrs',
    sql: `
      -- Nanosecond times (int64 holds them until 2262), devices and inodes as INTEGER, not
      -- 19-digit TEXT: narrower rows, and no text conversion per file when a snapshot is taken.
      -- SQLite cannot change a column's type: both tables are copied, rowids kept (a snapshot's
      -- entries are read back in capture order).
      CREATE TABLE snapshot_entries_v11 (
        snapshot_id TEXT NOT NULL REFERENCES snapshots(id),
        path TEXT NOT NULL,
        type TEXT NOT NULL,
        mode INTEGER,
        uid INTEGER,
        gid INTEGER,
        sha256 TEXT,
        link_target TEXT,
        mtime_ns INTEGER,
        ctime_ns INTEGER,
        atime_ns INTEGER,
        xattrs TEXT,
        nlink INTEGER,
        dev INTEGER,
        ino INTEGER,
        PRIMARY KEY (snapshot_id, path)
      );
      INSERT INTO snapshot_entries_v11 (rowid, snapshot_id, path, type, mode, uid, gid, sha256, link_target,
        mtime_ns, ctime_ns, atime_ns, xattrs, nlink, dev, ino)
        SELECT rowid, snapshot_id, path, type, mode, uid, gid, sha256, link_target, CAST(mtime_ns AS INTEGER),
          CAST(ctime_ns AS INTEGER), CAST(atime_ns AS INTEGER), xattrs, nlink, CAST(dev AS INTEGER), CAST(ino AS INTEGER)
        FROM snapshot_entries;
      DROP TABLE snapshot_entries;
      ALTER TABLE snapshot_entries_v11 RENAME TO snapshot_entries;
      CREATE INDEX snapshot_entries_sha256 ON snapshot_entries(sha256);
      CREATE TABLE file_index_v11 (
        path TEXT PRIMARY KEY,
        dev INTEGER NOT NULL,
        ino INTEGER NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        ctime_ns INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        -- The file's xattrs as a snapshot records them, for an unchanged inode's next snapshot
        -- (every xattr change moves the ctime); NULL: not recorded, read them.
        xattrs TEXT
      );
      INSERT INTO file_index_v11 (path, dev, ino, size, mtime_ns, ctime_ns, sha256)
        SELECT path, dev, ino, size, CAST(mtime_ns AS INTEGER), CAST(ctime_ns AS INTEGER), sha256 FROM file_index;
      DROP TABLE file_index;
      ALTER TABLE file_index_v11 RENAME TO file_index;
    `,
  },
  {
    version: 12,
    name: "fleet goals started at this node's console, kept across restarts",
    sql: `
      -- src/fleet/console-goals-store.ts: each goal's view (groups, decisions, each node's phase and
      -- last report) and what its rollout needs to go on after a restart (the nodes' keys, the
      -- options, the plan sent with --plan-once), as JSON; written at each change of the rollout.
      CREATE TABLE fleet_console_goals (
        id TEXT PRIMARY KEY,
        record TEXT NOT NULL,
        ended INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX fleet_console_goals_ended ON fleet_console_goals(ended, updated_at);
    `,
  },
];
