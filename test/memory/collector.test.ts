// The collector on its own database: which snapshots and blobs it may take, and which never.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, type CollectLimits } from '../../src/memory/collector.js';
import { openDatabase, type Db } from '../../src/memory/database.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T00:00:00Z');
const OLD = new Date(NOW - 100 * DAY).toISOString();
const NEW = new Date(NOW - DAY).toISOString();
const limits: CollectLimits = { goalsMs: 90 * DAY, eventsMs: 30 * DAY, memoriesMs: 180 * DAY, autoSnapshots: 1 };

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aios-gc-'));
  db = openDatabase(join(dir, 'aios.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const sha = (c: string): string => c.repeat(64);
function goal(id: string, state: string, at: string): void {
  db.prepare(
    'INSERT INTO goals (id, text, state, submitted_by, submitted_uid, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)',
  ).run(id, `goal ${id}`, state, 'ada', at, at);
  db.prepare(
    "INSERT INTO plans (id, goal_id, tier, hash, spec, created_at) VALUES (?, ?, 'reactive', 'h', '[]', ?)",
  ).run(`p-${id}`, id, at);
}
function snapshot(id: string, kind: string, at: string, blob: string, goalId: string | null = null): void {
  db.prepare('INSERT INTO snapshots (id, label, goal_id, step_id, created_at, kind) VALUES (?, ?, ?, NULL, ?, ?)').run(
    id,
    id,
    goalId,
    at,
    kind,
  );
  db.prepare("INSERT INTO snapshot_entries (snapshot_id, path, type, sha256) VALUES (?, '/etc/x', 'file', ?)").run(
    id,
    blob,
  );
}
function step(goalId: string, snapshotId: string): void {
  db.prepare(
    "INSERT INTO steps (plan_id, id, ord, state, preview, snapshot_id) VALUES (?, ?, 0, 'succeeded', '{}', ?)",
  ).run(`p-${goalId}`, `s-${snapshotId}`, snapshotId);
}
function blobFile(hash: string, bytes = 10): string {
  const path = join(dir, 'snapshots', hash.slice(0, 2), hash);
  mkdirSync(join(dir, 'snapshots', hash.slice(0, 2)), { recursive: true });
  writeFileSync(path, 'x'.repeat(bytes));
  const then = new Date(NOW - DAY);
  utimesSync(path, then, then);
  return path;
}
const ids = (table: string, col = 'id'): string[] =>
  (db.prepare(`SELECT ${col} AS v FROM ${table} ORDER BY 1`).all() as { v: string }[]).map((r) => r.v);

describe('collect', () => {
  it('never takes manual snapshots, a snapshot a retained step names, or interrupted goals; keeps the newest auto snapshots', () => {
    goal('old', 'succeeded', OLD);
    goal('kept', 'succeeded', NEW);
    goal('stuck', 'interrupted', OLD);
    snapshot('snap-old', 'step', OLD, sha('a'), 'old');
    step('old', 'snap-old');
    // Recorded under the old goal, but a retained goal's step still names it: its undo.
    snapshot('snap-shared', 'step', OLD, sha('b'), 'old');
    step('kept', 'snap-shared');
    snapshot('manual', 'manual', OLD, sha('c'));
    snapshot('auto-1', 'auto', OLD, sha('d'));
    snapshot('auto-2', 'auto', NEW, sha('e'));
    const paths = ['a', 'b', 'c', 'd', 'e', 'f'].map((c) => blobFile(sha(c)));
    db.prepare('INSERT INTO blobs (sha256, size, data) VALUES (?, 5, ?)').run(sha('9'), Buffer.from('12345'));

    const dry = collect(db, join(dir, 'snapshots'), limits, { dryRun: true, now: NOW });
    expect(dry).toMatchObject({ goals: { count: 1 }, snapshots: { count: 2 }, blobs: { count: 4, bytes: 35 } });
    expect(ids('goals')).toEqual(['kept', 'old', 'stuck']);
    expect(paths.every((p) => existsSync(p))).toBe(true);

    const r = collect(db, join(dir, 'snapshots'), limits, { dryRun: false, now: NOW });
    expect({ ...r, dryRun: true }).toEqual(dry);
    expect(ids('goals')).toEqual(['kept', 'stuck']);
    expect(ids('snapshots')).toEqual(['auto-2', 'manual', 'snap-shared']);
    // a (old goal's), d (pruned auto) and f (named by nothing) go; b, c and e stay.
    expect(paths.map((p) => existsSync(p))).toEqual([false, true, true, false, true, false]);
    expect(ids('blobs', 'sha256')).toEqual([]);
  });

  it('leaves a young unnamed blob file: a snapshot may be writing it', () => {
    const path = blobFile(sha('f'));
    utimesSync(path, new Date(NOW), new Date(NOW));
    expect(collect(db, join(dir, 'snapshots'), limits, { dryRun: false, now: NOW }).blobs.count).toBe(0);
    expect(existsSync(path)).toBe(true);
  });
});

describe('collect: events', () => {
  it("ages out events, but keeps those a retained goal's view is built from", () => {
    goal('kept', 'succeeded', NEW);
    const event = db.prepare('INSERT INTO events (ts, type, goal_id, payload) VALUES (?, ?, ?, ?)');
    event.run(OLD, 'step.started', 'kept', '{}');
    event.run(OLD, 'goal.answer', 'kept', '{"text":"42"}');
    event.run(OLD, 'goal.answer', 'gone', '{"text":"41"}');
    event.run(OLD, 'status', null, '{}');
    event.run(NEW, 'status', null, '{}');
    expect(collect(db, join(dir, 'snapshots'), limits, { dryRun: false, now: NOW }).events.count).toBe(3);
    expect(db.prepare('SELECT type, goal_id AS goalId, ts FROM events ORDER BY id').all()).toEqual([
      { type: 'goal.answer', goalId: 'kept', ts: OLD },
      { type: 'status', goalId: null, ts: NEW },
    ]);
  });
});
