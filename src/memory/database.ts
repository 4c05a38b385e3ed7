import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrations } from './migrations.js';

export type Db = Database.Database;

/**
 * Opens the state database in WAL mode and brings its schema up to date.
 * Each migration runs in its own transaction, so a crash leaves a whole version.
 */
export function openDatabase(file: string, opts: { readOnly?: boolean } = {}): Db {
  if (opts.readOnly === true) return openReadOnly(file);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/**
 * A state directory that cannot be written (a read-only mount): the database is opened only to
 * read, so goals, the audit and snapshots can still be looked at. Its schema must already be
 * this aiOS's, since nothing can be migrated.
 */
function openReadOnly(file: string): Db {
  let db: Db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.prepare('SELECT 1 FROM schema_version LIMIT 1').get();
  } catch (err) {
    // A WAL database closed cleanly has no -wal or -shm file, and SQLite cannot create them on a
    // read-only mount. With no WAL the file alone is the whole database, and nothing can change
    // it there: it is read into memory and served from that copy (read-only, like the mount).
    if ((err as { code?: string }).code !== 'SQLITE_CANTOPEN' || existsSync(`${file}-wal`)) throw err;
    const image = readFileSync(file);
    // Bytes 18 and 19 say "WAL"; an in-memory copy cannot have one, so the copy says "rollback journal".
    image[18] = 1;
    image[19] = 1;
    db = new Database(image, { readonly: true });
  }
  db.pragma('busy_timeout = 5000');
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  const latest = migrations.at(-1)?.version ?? 0;
  if (row.v !== latest) {
    db.close();
    throw new Error(
      `the state database is schema version ${row.v ?? 0}, not ${latest}, and cannot be migrated while the state directory is read-only: make it writable and start aiosd again`,
    );
  }
  return db;
}

/**
 * Runs `fn` with synchronous=FULL, so that its commit is on the disk when it returns. In WAL
 * mode NORMAL syncs the WAL only at checkpoints: a power loss can take back the last commits.
 * FULL fsyncs the WAL at commit, which also makes every earlier commit durable. Inside an
 * outer transaction the outer commit decides, and the setting is left alone.
 */
export function durably<T>(db: Db, fn: () => T): T {
  const before = db.pragma('synchronous', { simple: true }) as number;
  if (db.inTransaction || before >= 2) return fn();
  db.pragma('synchronous = FULL');
  try {
    return fn();
  } finally {
    db.pragma(`synchronous = ${before}`);
  }
}

export function migrate(db: Db): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL)');
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  const current = row.v ?? 0;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(
      `state database schema is version ${current}, newer than this aiOS (${latest}); upgrade aiOS or point AIOS_STATE_DIR elsewhere`,
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(
        m.version,
        new Date().toISOString(),
      );
    })();
  }
}

/**
 * Prepares each distinct SQL text once per connection. Compiling a statement costs more
 * than running a small one, and it sits on every request's path.
 */
export function statementCache(db: Db): (sql: string) => Database.Statement {
  const cache = new Map<string, Database.Statement>();
  return (sql) => {
    let stmt = cache.get(sql);
    if (stmt === undefined) {
      stmt = db.prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  };
}
