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
