// Where the fleet goals started at this node's console are kept (the state database's
// fleet_console_goals, migration 12): each one's view and what its rollout needs to go on, so a
// restart of aiosd lists them, lets a person decide them, and resumes their rollouts
// (console-fleet.ts). The state database, not a JetStream bucket: the console must show and
// resume its goals while the hub is away, and the record holds what only this node may decide.
import { z } from 'zod';
import type { Db } from '../memory/database.js';
import { FleetGoalView, NodeFacts, SentPlan } from '../protocol/fleet.js';

export const ConsoleGoalRecord = z.object({
  view: FleetGoalView,
  /** What the rollout was started with: the nodes (with the keys their reports must carry) and options. */
  start: z.object({
    text: z.string(),
    nodes: z.array(NodeFacts),
    canary: z.number(),
    batch: z.number(),
    maxFailures: z.number(),
    timeoutS: z.number(),
    confirm: z.boolean(),
    decideWithinS: z.number(),
    plan: SentPlan.optional(),
  }),
  /** Groups approved with the confirmation their risky steps ask for (by hash). */
  confirmed: z.array(z.string()),
});
export type ConsoleGoalRecord = z.infer<typeof ConsoleGoalRecord>;

export interface ConsoleGoalsStore {
  save(r: ConsoleGoalRecord): void;
  /** Every goal kept, oldest first; a row that does not parse is reported and skipped. */
  load(): ConsoleGoalRecord[];
}

/** Ended goals kept (the newest); goals still going are always kept. */
const KEEP_ENDED = 50;

const ended = (v: FleetGoalView): boolean => v.state === 'done' || v.state === 'failed';

export function consoleGoalsStore(db: Db, warn: (line: string) => void): ConsoleGoalsStore {
  const upsert = db.prepare(
    `INSERT INTO fleet_console_goals (id, record, ended, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET record = excluded.record, ended = excluded.ended, updated_at = excluded.updated_at`,
  );
  const prune = db.prepare(
    `DELETE FROM fleet_console_goals WHERE ended = 1 AND id NOT IN
       (SELECT id FROM fleet_console_goals WHERE ended = 1 ORDER BY updated_at DESC, id DESC LIMIT ?)`,
  );
  const all = db.prepare('SELECT id, record FROM fleet_console_goals ORDER BY id');
  return {
    save(r) {
      const done = ended(r.view);
      upsert.run(r.view.fleetGoal, JSON.stringify(r), done ? 1 : 0, new Date().toISOString());
      if (done) prune.run(KEEP_ENDED);
    },
    load() {
      const out: ConsoleGoalRecord[] = [];
      for (const row of all.all() as { id: string; record: string }[]) {
        let parsed: ReturnType<typeof ConsoleGoalRecord.safeParse>;
        try {
          parsed = ConsoleGoalRecord.safeParse(JSON.parse(row.record));
        } catch (err) {
          warn(`console fleet goal ${row.id} is not readable JSON (${String(err)}): not resumed`);
          continue;
        }
        if (parsed.success) out.push(parsed.data);
        else warn(`console fleet goal ${row.id} does not read as a record (${parsed.error.message}): not resumed`);
      }
      return out;
    },
  };
}

/** For an aiosd whose database is read-only, and for tests: goals kept in memory only. */
export function memoryConsoleGoals(): ConsoleGoalsStore {
  const goals = new Map<string, ConsoleGoalRecord>();
  return {
    save: (r) => void goals.set(r.view.fleetGoal, structuredClone(r)),
    load: () => [...goals.values()].map((r) => structuredClone(r)),
  };
}
