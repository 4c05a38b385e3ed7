import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrations } from './migrations.js';

export type Db = Database.Database;

/**
 * Opens the state database in WAL mode and brings its schema up to date.
 * Each migration runs in its own transaction, so a crash leaves a whole version.
 */
export function openDatabase(file: string): Db {
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
    throw new Error(`state database schema is version ${current}, newer than this aiOS (${latest}); upgrade aiOS or point AIOS_STATE_DIR elsewhere`);
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(m.version, new Date().toISOString());
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
