// Retention: deletes what is older than [retention] allows, and the snapshot blobs nothing names
// any more. Each kind is one transaction, so a crash leaves a kind either whole or collected.
// The audit ledger is never touched: it is the record of what was done, and it must still verify.
import { lstatSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from './database.js';
import { GoalEnded } from '../protocol/model.js';

/** A goal in one of these will not change again: its rows are history, safe to age out. */
// An interrupted goal has ended but may still be resumed or rolled back: it is never collected.
const FINAL_STATES = GoalEnded.exclude(['interrupted']).options;

export interface CollectLimits {
  goalsMs: number;
  eventsMs: number;
  memoriesMs: number;
  /** How many automatic snapshots to keep, newest first. */
  autoSnapshots: number;
}

export interface KindCount {
  count: number;
  bytes: number;
}
export interface CollectResult {
  dryRun: boolean;
  goals: KindCount;
  events: KindCount;
  memories: KindCount;
  snapshots: KindCount;
  blobs: KindCount;
}

/**
 * Events a goal's own view is built from (its answer, edits, failure analyses: src/memory/goal-store.ts):
 * kept while their goal is, or a retained goal would lose them at the events age.
 */
const PART_OF_GOAL = "type IN ('goal.answer', 'plan.edited', 'step.analysis') AND goal_id IN (SELECT id FROM goals)";

/** Thrown inside the dry run's outer transaction so that SQLite undoes everything it did. */
class DryRunRollback extends Error {}

/**
 * A blob file younger than this is kept even when nothing names it yet: a snapshot being taken
 * writes its blob files first and its rows after (src/recovery/snapshot-store.ts).
 */
export const BLOB_GRACE_MS = 10 * 60_000;

export function collect(
  db: Db,
  blobDir: string,
  limits: CollectLimits,
  opts: { dryRun: boolean; now?: number },
): CollectResult {
  const now = opts.now ?? Date.now();
  const cutoff = (ms: number): string => new Date(now - ms).toISOString();
  let result: CollectResult | undefined;
  let doomedFiles: string[] = [];
  // A dry run does the same deletes inside one outer transaction and rolls it back: the counts
  // it reports are those a real run would, not an estimate that could drift from it.
  const run = (): void => {
    const goals = db.transaction(() => collectGoals(db, cutoff(limits.goalsMs)))();
    const events = db.transaction(() =>
      deleteCounted(
        db,
        'events',
        `ts < ? AND NOT (${PART_OF_GOAL})`,
        'length(payload) + length(type)',
        cutoff(limits.eventsMs),
      ),
    )();
    const memories = db.transaction(() =>
      deleteCounted(db, 'memories', 'created_at < ?', 'length(content) + length(metadata)', cutoff(limits.memoriesMs)),
    )();
    const snapshots = db.transaction(() => collectSnapshots(db, goals.ids, limits.autoSnapshots))();
    const blobs = db.transaction(() => collectPackedBlobs(db))();
    const files = unreferencedBlobFiles(db, blobDir, now - BLOB_GRACE_MS);
    doomedFiles = files.paths;
    result = {
      dryRun: opts.dryRun,
      goals: { count: goals.count, bytes: goals.bytes },
      events,
      memories,
      snapshots,
      blobs: { count: blobs.count + files.paths.length, bytes: blobs.bytes + files.bytes },
    };
    if (opts.dryRun) throw new DryRunRollback();
  };
  if (opts.dryRun) {
    try {
      db.transaction(run)();
    } catch (err) {
      if (!(err instanceof DryRunRollback)) throw err;
    }
  } else {
    run();
    // Files go after the rows that named them are gone: a crash in between leaves only orphans, never a dangling name.
    for (const path of doomedFiles) {
      try {
        unlinkSync(path);
      } catch {
        /* already gone */
      }
    }
  }
  if (result === undefined) throw new Error('collection did not run');
  return result;
}

function deleteCounted(db: Db, table: string, where: string, size: string, arg: string): KindCount {
  const row = db
    .prepare(`SELECT COUNT(*) AS count, COALESCE(SUM(${size}), 0) AS bytes FROM ${table} WHERE ${where}`)
    .get(arg) as KindCount;
  db.prepare(`DELETE FROM ${table} WHERE ${where}`).run(arg);
  return row;
}

/**
 * Final goals last updated before the cutoff, with their plans, steps, tool calls, events and
 * journal. Set-based, through a temp table of the doomed ids: most child tables have no index on
 * goal_id, and a query per goal would scan each of them once per goal (hours at 100,000 goals).
 */
function collectGoals(db: Db, before: string): KindCount & { ids: string[] } {
  const states = FINAL_STATES.map(() => '?').join(', ');
  db.prepare('CREATE TEMP TABLE IF NOT EXISTS gc_goals (id TEXT PRIMARY KEY)').run();
  db.prepare('DELETE FROM temp.gc_goals').run();
  db.prepare(`INSERT INTO temp.gc_goals SELECT id FROM goals WHERE updated_at < ? AND state IN (${states})`).run(
    before,
    ...FINAL_STATES,
  );
  const ids = (db.prepare('SELECT id FROM temp.gc_goals').all() as { id: string }[]).map((r) => r.id);
  const doomed = 'SELECT id FROM temp.gc_goals';
  const doomedPlans = `SELECT id FROM plans WHERE goal_id IN (${doomed})`;
  const size = (sql: string): number => (db.prepare(sql).get() as { b: number | null }).b ?? 0;
  const bytes =
    size(`SELECT SUM(length(text) + COALESCE(length(message), 0)) AS b FROM goals WHERE id IN (${doomed})`) +
    size(`SELECT SUM(length(spec)) AS b FROM plans WHERE goal_id IN (${doomed})`) +
    size(`SELECT SUM(length(preview) + length(output)) AS b FROM steps WHERE plan_id IN (${doomedPlans})`) +
    size(`SELECT SUM(length(args) + length(output)) AS b FROM tool_calls WHERE goal_id IN (${doomed})`) +
    size(`SELECT SUM(length(payload)) AS b FROM events WHERE goal_id IN (${doomed})`);
  // Children first: plans and steps reference their parents with foreign keys.
  db.prepare(`DELETE FROM tool_calls WHERE goal_id IN (${doomed})`).run();
  db.prepare(`DELETE FROM steps WHERE plan_id IN (${doomedPlans})`).run();
  db.prepare(`DELETE FROM plans WHERE goal_id IN (${doomed})`).run();
  db.prepare(`DELETE FROM events WHERE goal_id IN (${doomed})`).run();
  db.prepare(`DELETE FROM exec_journal WHERE goal_id IN (${doomed})`).run();
  db.prepare(`DELETE FROM goals WHERE id IN (${doomed})`).run();
  return { count: ids.length, bytes, ids };
}

/**
 * Step snapshots of collected goals, and automatic snapshots past the newest `keepAuto`. A
 * snapshot any remaining step still names is kept whatever its goal: it is that goal's undo.
 * Manual snapshots are never collected.
 */
function collectSnapshots(db: Db, goalIds: readonly string[], keepAuto: number): KindCount {
  // A remaining step's undo, or the source of a restore still in flight (finished at the next start).
  const stillNeeded =
    'SELECT snapshot_id FROM steps WHERE snapshot_id IS NOT NULL UNION SELECT snapshot_id FROM restore_journal';
  const doomed = new Set<string>();
  // The goals just collected are in temp.gc_goals (collectGoals): one pass over snapshots, not one per goal.
  if (goalIds.length > 0)
    for (const r of db
      .prepare(
        `SELECT id FROM snapshots WHERE kind = 'step' AND goal_id IN (SELECT id FROM temp.gc_goals) AND id NOT IN (${stillNeeded})`,
      )
      .all() as { id: string }[])
      doomed.add(r.id);
  const oldAuto = db
    .prepare(
      `SELECT id FROM snapshots WHERE kind = 'auto' AND id NOT IN (${stillNeeded}) ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ?`,
    )
    .all(keepAuto) as { id: string }[];
  for (const r of oldAuto) doomed.add(r.id);
  let bytes = 0;
  for (const id of doomed) {
    bytes += (
      db
        .prepare(
          'SELECT COALESCE(SUM(length(path) + COALESCE(length(xattrs), 0)), 0) AS b FROM snapshot_entries WHERE snapshot_id = ?',
        )
        .get(id) as { b: number }
    ).b;
    for (const table of ['snapshot_entries', 'snapshot_states', 'snapshot_roots'])
      db.prepare(`DELETE FROM ${table} WHERE snapshot_id = ?`).run(id);
    db.prepare('DELETE FROM snapshots WHERE id = ?').run(id);
  }
  // The file index must never promise a blob that is about to go.
  db.prepare(
    'DELETE FROM file_index WHERE sha256 NOT IN (SELECT sha256 FROM snapshot_entries WHERE sha256 IS NOT NULL)',
  ).run();
  return { count: doomed.size, bytes };
}

/** Blobs packed into the database that no snapshot entry names. */
function collectPackedBlobs(db: Db): KindCount {
  const where = 'sha256 NOT IN (SELECT sha256 FROM snapshot_entries WHERE sha256 IS NOT NULL)';
  const row = db
    .prepare(`SELECT COUNT(*) AS count, COALESCE(SUM(size), 0) AS bytes FROM blobs WHERE ${where}`)
    .get() as KindCount;
  db.prepare(`DELETE FROM blobs WHERE ${where}`).run();
  return row;
}

/** Blob files (<dir>/<sha[0..2]>/<sha>, src/recovery/blob-store.ts) that no snapshot entry names. */
function unreferencedBlobFiles(db: Db, blobDir: string, writtenBefore: number): { paths: string[]; bytes: number } {
  const referenced = db.prepare('SELECT 1 FROM snapshot_entries WHERE sha256 = ? LIMIT 1');
  const paths: string[] = [];
  let bytes = 0;
  let subs: string[];
  try {
    subs = readdirSync(blobDir);
  } catch {
    return { paths, bytes };
  }
  for (const sub of subs) {
    if (!/^[0-9a-f]{2}$/.test(sub)) continue;
    for (const name of readdirSync(join(blobDir, sub))) {
      if (!/^[0-9a-f]{64}$/.test(name) || referenced.get(name) !== undefined) continue;
      const path = join(blobDir, sub, name);
      let st;
      try {
        st = lstatSync(path);
      } catch {
        continue;
      }
      if (st.mtimeMs >= writtenBefore) continue;
      bytes += st.size;
      paths.push(path);
    }
  }
  return { paths, bytes };
}
