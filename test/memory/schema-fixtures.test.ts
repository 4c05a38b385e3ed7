// Schema migrations are forward-only, and tested against a database of every schema version
// (test/fixtures/schema/vN.sql, made once by scripts/make-schema-fixtures.mjs and never
// rewritten): today's code opens each, migrates it, verifies its ledger and reads its goals
// and memories, in-process and through a real aiosd. A database of a newer schema is refused
// with a clear message and left as it was: there is no downgrade.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLedger } from '../../src/memory/audit-ledger.js';
import { openDatabase } from '../../src/memory/database.js';
import { GoalStore } from '../../src/memory/goal-store.js';
import { MemoryStore } from '../../src/memory/memory-store.js';
import { migrations } from '../../src/memory/migrations.js';
import { disposeTestDaemon, repoRoot, startTestDaemon } from '../helpers/daemon.js';

const fixtures = join(repoRoot, 'test', 'fixtures', 'schema');
const latest = migrations.at(-1)?.version ?? 0;
const versions = migrations.map((m) => m.version);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aios-schema-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The fixture of `version` as a database file, as a node of that version left it. */
function fixtureDb(version: number, file = join(dir, `v${version}.db`)): string {
  rmSync(file, { force: true });
  const db = new Database(file);
  db.exec(readFileSync(join(fixtures, `v${version}.sql`), 'utf8'));
  db.close();
  return file;
}

describe('schema fixtures', () => {
  it('there is one for every schema version', () => {
    const missing = versions.filter((v) => !existsSync(join(fixtures, `v${v}.sql`)));
    expect(
      missing,
      `no fixture for schema version ${missing.join(', ')}: run node scripts/make-schema-fixtures.mjs and commit it`,
    ).toEqual([]);
  });

  it.each(versions)(
    'a version %i database migrates to today, its ledger verifies, its goals and memories read',
    (v) => {
      const db = openDatabase(fixtureDb(v));
      try {
        expect((db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number }).v).toBe(latest);
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const ledger = new AuditLedger(db);
        expect(ledger.verify()).toMatchObject({ ok: true, entries: 4, firstBad: null });
        const goals = new GoalStore(db).listGoals(10);
        expect(goals.map((g) => [g.id, g.state, g.text]).sort()).toEqual([
          ['G1', 'succeeded', 'create a file notes.txt containing hello'],
          ['G2', 'failed', 'install the package aios-hello'],
        ]);
        expect(new MemoryStore(db).search('notes').map((h) => h.id)).toEqual(['M1']);
        // Today's code goes on writing to it, and the chain still holds.
        ledger.append({ actor: 'test', action: 'fixture.migrated', subject: `v${v}`, detail: {} });
        expect(ledger.verify()).toMatchObject({ ok: true, entries: 5 });
      } finally {
        db.close();
      }
    },
  );

  it('a real aiosd starts on the oldest database and serves its goals and a verified ledger', async () => {
    const home = join(dir, 'daemon');
    mkdirSync(join(home, 'state'), { recursive: true, mode: 0o700 });
    fixtureDb(1, join(home, 'state', 'aios.db'));
    const d = await startTestDaemon({ dir: home });
    const c = await d.client();
    try {
      const { goals } = await c.call('goal/list', { limit: 10 });
      expect(goals.map((g) => g.id).sort()).toEqual(['G1', 'G2']);
      expect(await c.call('audit/verify', {})).toMatchObject({ ok: true, firstBad: null });
    } finally {
      c.close();
      await disposeTestDaemon(d);
    }
  }, 60_000);

  it('version 11 turns snapshot times and inodes from text into integers, values and capture order kept', () => {
    const file = fixtureDb(10, join(dir, 'v10-times.db'));
    const raw = new Database(file);
    const entry = raw.prepare(
      `INSERT INTO snapshot_entries (snapshot_id, path, type, mode, uid, gid, sha256, link_target, mtime_ns, ctime_ns, atime_ns, xattrs, nlink, dev, ino)
       VALUES ('S2', ?, 'file', 420, 0, 0, ?, NULL, ?, '1767225600000000002', '1767225600000000003', '[]', 2, '2049', '1234')`,
    );
    // Inserted out of path order: a snapshot's entries read back in the order it took them.
    entry.run('/etc/aios/z.conf', 'b'.repeat(64), '1767225600123456789');
    entry.run('/etc/aios/a.conf', 'c'.repeat(64), '-1000000001');
    raw.close();
    const db = openDatabase(file);
    try {
      const rows = db
        .prepare(
          `SELECT path, typeof(mtime_ns) AS t, CAST(mtime_ns AS TEXT) AS mtime, typeof(dev) || typeof(ino) AS inode FROM snapshot_entries WHERE snapshot_id = 'S2' ORDER BY rowid`,
        )
        .all();
      expect(rows).toEqual([
        { path: '/etc/aios/z.conf', t: 'integer', mtime: '1767225600123456789', inode: 'integerinteger' },
        { path: '/etc/aios/a.conf', t: 'integer', mtime: '-1000000001', inode: 'integerinteger' },
      ]);
      const index = db.prepare('SELECT typeof(mtime_ns) AS t, mtime_ns FROM file_index').safeIntegers().all();
      expect(index).toEqual([{ t: 'integer', mtime_ns: 1767225600000000000n }]);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(
        db
          .prepare(
            "SELECT name FROM sqlite_master WHERE tbl_name = 'snapshot_entries' AND type = 'index' ORDER BY name",
          )
          .pluck()
          .all(),
      ).toEqual(['snapshot_entries_sha256', 'sqlite_autoindex_snapshot_entries_1']);
    } finally {
      db.close();
    }
  });

  it('refuses a database of a newer schema, saying so, and changes nothing in it', () => {
    const file = fixtureDb(latest, join(dir, 'newer.db'));
    const raw = new Database(file);
    raw.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(latest + 1, 'later');
    const goalsBefore = raw.prepare('SELECT * FROM goals ORDER BY id').all();
    raw.close();
    expect(() => openDatabase(file)).toThrow(
      new RegExp(`state database schema is version ${latest + 1}, newer than this aiOS \\(${latest}\\); upgrade aiOS`),
    );
    const after = new Database(file, { readonly: true });
    try {
      expect((after.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number }).v).toBe(latest + 1);
      expect(after.prepare('SELECT * FROM goals ORDER BY id').all()).toEqual(goalsBefore);
    } finally {
      after.close();
    }
  });
});
