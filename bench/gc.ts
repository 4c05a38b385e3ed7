// `aios gc` over a state of 100,000 goals (BENCH_GC_GOALS): the state is built with SQL inserts
// shaped like real goals (a plan of two steps, a tool call, four events, a step snapshot of one
// file whose content is a packed blob), 90% of them past [retention] goals. Measured: collect()
// as gc/run runs it, against a baseline in the same run on a copy of the same database: the same
// rows removed by bare DELETEs keyed on the goals' age, with no byte accounting, snapshot
// safety or blob sweep. One run each: building the state is most of the time.
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { collect } from '../src/memory/collector.js';
import { openDatabase, type Db } from '../src/memory/database.js';
import { fmt, median, type Row } from './stats.js';

const DAY = 86_400_000;

function build(db: Db, goals: number, oldShare: number): void {
  const now = Date.now();
  const ins = {
    goal: db.prepare(
      "INSERT INTO goals (id, text, state, message, submitted_by, submitted_uid, plan_id, created_at, updated_at) VALUES (?, ?, 'succeeded', ?, 'ada', 1000, ?, ?, ?)",
    ),
    plan: db.prepare(
      "INSERT INTO plans (id, goal_id, tier, hash, spec, created_at) VALUES (?, ?, 'reactive', ?, ?, ?)",
    ),
    step: db.prepare(
      "INSERT INTO steps (plan_id, id, ord, state, preview, snapshot_id, output, approved_by, started_at, finished_at) VALUES (?, ?, ?, 'succeeded', ?, ?, ?, 'ada', ?, ?)",
    ),
    call: db.prepare(
      'INSERT INTO tool_calls (id, goal_id, plan_id, step_id, tool, args, ok, output, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)',
    ),
    event: db.prepare('INSERT INTO events (ts, type, goal_id, payload) VALUES (?, ?, ?, ?)'),
    snap: db.prepare(
      "INSERT INTO snapshots (id, label, goal_id, step_id, created_at, kind) VALUES (?, 'before s2', ?, 's2', ?, 'step')",
    ),
    entry: db.prepare(
      "INSERT INTO snapshot_entries (snapshot_id, path, type, mode, uid, gid, sha256) VALUES (?, ?, 'file', 420, 1000, 1000, ?)",
    ),
    blob: db.prepare('INSERT OR IGNORE INTO blobs (sha256, size, data) VALUES (?, ?, ?)'),
  };
  const spec = JSON.stringify([
    { id: 's1', agent: 'storage', tool: 'fs.read', args: { path: '/home/ada/notes.txt' }, risk: 'low' },
    {
      id: 's2',
      agent: 'storage',
      tool: 'fs.write',
      args: { path: '/home/ada/notes.txt', content: 'x' },
      risk: 'medium',
    },
  ]);
  const preview = JSON.stringify({
    summary: 'write 2 bytes to /home/ada/notes.txt',
    detail: '--- a\n+++ b\n-old\n+new\n',
  });
  db.transaction(() => {
    for (let i = 0; i < goals; i++) {
      const at = new Date(i < goals * oldShare ? now - 200 * DAY + i : now - DAY + i).toISOString();
      const g = `g${String(i).padStart(8, '0')}`;
      const p = `p${g}`;
      const snap = `s${g}`;
      const content = Buffer.from(`notes of goal ${i}\n`.repeat(8));
      const sha = createHash('sha256').update(content).digest('hex');
      ins.goal.run(g, `create a file /home/ada/notes-${i}.txt containing hello`, 'done: 2 steps succeeded', p, at, at);
      ins.plan.run(p, g, createHash('sha256').update(g).digest('hex'), spec, at);
      ins.step.run(p, 's1', 0, preview, null, 'hello\n', at, at);
      ins.step.run(p, 's2', 1, preview, snap, '', at, at);
      ins.call.run(
        `c${g}`,
        g,
        p,
        's2',
        'fs.write',
        '{"path":"/home/ada/notes.txt","content":"x"}',
        'wrote 2 bytes',
        at,
        at,
      );
      for (const type of ['goal.submitted', 'plan.proposed', 'step.routed', 'goal.updated'])
        ins.event.run(at, type, g, JSON.stringify({ goalId: g, note: 'an event of the kind the engine writes' }));
      ins.snap.run(snap, g, at);
      ins.entry.run(snap, `/home/ada/notes-${i}.txt`, sha);
      ins.blob.run(sha, content.length, content);
    }
  })();
}

const GOAL_INDEXES = ['tool_calls_goal', 'exec_journal_goal', 'snapshots_goal'];
const LOOKUPS = 50;

/** A goal's tool calls as its detail view reads them (src/daemon/ledger-views.ts), with the index and without. */
function goalLookups(db: Db, goals: number): { indexedUs: number; scanUs: number } {
  const time = (sql: string): number => {
    const q = db.prepare(sql);
    const us: number[] = [];
    for (let i = 0; i < LOOKUPS; i++) {
      const id = `g${String(Math.floor((i * goals) / LOOKUPS)).padStart(8, '0')}`;
      const t = performance.now();
      q.all(id);
      us.push((performance.now() - t) * 1000);
    }
    return median(us);
  };
  const cols = 'tool, args, ok, error, step_id, started_at, finished_at';
  return {
    indexedUs: time(`SELECT ${cols} FROM tool_calls WHERE goal_id = ? ORDER BY started_at`),
    scanUs: time(`SELECT ${cols} FROM tool_calls NOT INDEXED WHERE goal_id = ? ORDER BY started_at`),
  };
}

export function gcBenchmark(rows: Row[], results: Record<string, unknown>): void {
  const goals = Number(process.env['BENCH_GC_GOALS'] ?? 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'aios-gc-bench-'));
  try {
    const file = join(dir, 'aios.db');
    const db = openDatabase(file);
    const t0 = performance.now();
    build(db, goals, 0.9);
    const buildMs = performance.now() - t0;
    const lookup = goalLookups(db, goals);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    copyFileSync(file, join(dir, 'baseline.db'));
    copyFileSync(file, join(dir, 'unindexed.db'));
    const bytesBefore = statSync(file).size;

    const aios = openDatabase(file);
    const t1 = performance.now();
    const r = collect(
      aios,
      join(dir, 'snapshots'),
      { goalsMs: 90 * DAY, eventsMs: 30 * DAY, memoriesMs: 180 * DAY, autoSnapshots: 24 },
      { dryRun: false },
    );
    const gcMs = performance.now() - t1;
    const left = (aios.prepare('SELECT COUNT(*) AS n FROM goals').get() as { n: number }).n;
    aios.close();

    const base = openDatabase(join(dir, 'baseline.db'));
    const t2 = performance.now();
    const cutoff = new Date(Date.now() - 90 * DAY).toISOString();
    base.transaction(() => {
      const doomed = `SELECT id FROM goals WHERE updated_at < '${cutoff}'`;
      base.exec(`DELETE FROM tool_calls WHERE goal_id IN (${doomed});
        DELETE FROM steps WHERE plan_id IN (SELECT id FROM plans WHERE goal_id IN (${doomed}));
        DELETE FROM plans WHERE goal_id IN (${doomed});
        DELETE FROM events WHERE goal_id IN (${doomed});
        DELETE FROM snapshot_entries WHERE snapshot_id IN (SELECT id FROM snapshots WHERE goal_id IN (${doomed}));
        DELETE FROM snapshots WHERE goal_id IN (${doomed});
        DELETE FROM goals WHERE id IN (${doomed});
        DELETE FROM blobs WHERE sha256 NOT IN (SELECT sha256 FROM snapshot_entries WHERE sha256 IS NOT NULL);`);
    })();
    const baseMs = performance.now() - t2;
    base.close();

    // Migration 10's indexes (goal_id on tool_calls, exec_journal, snapshots) dropped: what they change.
    const bare = openDatabase(join(dir, 'unindexed.db'));
    for (const index of GOAL_INDEXES) bare.exec(`DROP INDEX ${index}`);
    const t3 = performance.now();
    collect(
      bare,
      join(dir, 'snapshots'),
      { goalsMs: 90 * DAY, eventsMs: 30 * DAY, memoriesMs: 180 * DAY, autoSnapshots: 24 },
      { dryRun: false },
    );
    const unindexedMs = performance.now() - t3;
    bare.close();

    const freed = r.goals.bytes + r.events.bytes + r.snapshots.bytes + r.blobs.bytes;
    results['gc'] = {
      goals,
      collected: r.goals.count,
      left,
      buildMs,
      gcMs,
      baseMs,
      unindexedMs,
      lookup,
      bytesBefore,
      freed,
      result: r,
    };
    rows.push({
      name: `aios gc over ${goals} goals (${r.goals.count} collected, ${r.snapshots.count} snapshots, ${r.blobs.count} blobs; database ${fmt(bytesBefore / 1048576)} MiB, built in ${fmt(buildMs / 1000)} s)`,
      value: `${fmt(gcMs / 1000, 2)} s, ${fmt(freed / 1048576)} MiB freed`,
      baseline: `bare DELETEs of the same rows: ${fmt(baseMs / 1000, 2)} s`,
      ratio: `${fmt(gcMs / baseMs, 2)}×`,
      goal: 'seconds, not minutes',
    });
    rows.push({
      name: `the same collection, with the goal_id indexes of tool_calls, exec_journal and snapshots (migration 10)`,
      value: `${fmt(gcMs / 1000, 2)} s`,
      baseline: `without them, on a copy: ${fmt(unindexedMs / 1000, 2)} s`,
      ratio: `${fmt(gcMs / unindexedMs, 2)}×`,
      goal: 'no slower',
    });
    rows.push({
      name: `a goal's tool calls (its detail view) among ${goals} goals, median of ${LOOKUPS}`,
      value: `${fmt(lookup.indexedUs)} µs`,
      baseline: `NOT INDEXED: ${fmt(lookup.scanUs)} µs`,
      ratio: `1/${fmt(lookup.scanUs / lookup.indexedUs, 0)}`,
      goal: 'independent of the goal count',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
