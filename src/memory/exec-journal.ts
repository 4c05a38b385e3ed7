// The execution journal: before a step's tool runs, a durable record that it is starting (with
// its cgroup), then each process it spawns (pid, group, start time), then how it ended. After a
// crash, a start with no end is a step whose outcome is unknown: it may have run in full, in part
// or not at all, so it is neither failed nor run again on its own.
import { ulid } from 'ulid';
import type { ProcessRef } from '../tools/process-tree.js';
import { durably, type Db } from './database.js';

export type JournalOutcome = 'succeeded' | 'failed' | 'cancelled' | 'unknown';

export interface JournalEntry {
  id: string;
  goalId: string;
  planId: string;
  stepId: string;
  tool: string;
  cgroup: string | null;
  processes: ProcessRef[];
  startedAt: string;
  endedAt: string | null;
  outcome: JournalOutcome | null;
  detail: string | null;
}

interface Row {
  id: string;
  goal_id: string;
  plan_id: string;
  step_id: string;
  tool: string;
  cgroup: string | null;
  processes: string;
  started_at: string;
  ended_at: string | null;
  outcome: JournalOutcome | null;
  detail: string | null;
}

const entry = (r: Row): JournalEntry => ({
  id: r.id,
  goalId: r.goal_id,
  planId: r.plan_id,
  stepId: r.step_id,
  tool: r.tool,
  cgroup: r.cgroup,
  processes: JSON.parse(r.processes) as ProcessRef[],
  startedAt: r.started_at,
  endedAt: r.ended_at,
  outcome: r.outcome,
  detail: r.detail,
});

export class ExecJournal {
  constructor(private readonly db: Db) {}

  /** On the disk (synchronous=FULL) before it returns: the step's tool runs only after this. */
  starting(step: { goalId: string; planId: string; stepId: string; tool: string; cgroup: string | null }): string {
    const id = ulid();
    durably(this.db, () =>
      this.db
        .prepare(
          `INSERT INTO exec_journal (id, goal_id, plan_id, step_id, tool, cgroup, started_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, step.goalId, step.planId, step.stepId, step.tool, step.cgroup, new Date().toISOString()),
    );
    return id;
  }

  /** A process the step spawned, durably: at a restart it is what is looked for in /proc. */
  process(id: string, ref: ProcessRef): void {
    durably(this.db, () =>
      this.db
        .prepare(`UPDATE exec_journal SET processes = json_insert(processes, '$[#]', json(?)) WHERE id = ?`)
        .run(JSON.stringify(ref), id),
    );
  }

  /** How it ended. Not forced to the disk: an end lost to a power cut reads as unknown, which is the safe side. */
  ended(id: string, outcome: JournalOutcome, detail: string | null = null): void {
    this.db
      .prepare('UPDATE exec_journal SET ended_at = ?, outcome = ?, detail = ? WHERE id = ? AND ended_at IS NULL')
      .run(new Date().toISOString(), outcome, detail, id);
  }

  /** Starts with no recorded end: steps cut off by a crash (or running now). */
  open(): JournalEntry[] {
    return (
      this.db.prepare('SELECT * FROM exec_journal WHERE ended_at IS NULL ORDER BY started_at').all() as Row[]
    ).map(entry);
  }

  /** Steps of running goals left "running" with no open start here: their tool never started. */
  runningWithoutStart(): { goalId: string; planId: string; stepId: string }[] {
    return this.db
      .prepare(
        `SELECT g.id AS goalId, s.plan_id AS planId, s.id AS stepId FROM steps s JOIN goals g ON g.plan_id = s.plan_id
      WHERE g.state = 'running' AND s.state = 'running'
        AND NOT EXISTS (SELECT 1 FROM exec_journal j WHERE j.plan_id = s.plan_id AND j.step_id = s.id AND j.ended_at IS NULL)`,
      )
      .all() as { goalId: string; planId: string; stepId: string }[];
  }

  /** The newest run of one step, or undefined when it never started. */
  latest(planId: string, stepId: string): JournalEntry | undefined {
    const row = this.db
      .prepare('SELECT * FROM exec_journal WHERE plan_id = ? AND step_id = ? ORDER BY started_at DESC, id DESC LIMIT 1')
      .get(planId, stepId) as Row | undefined;
    return row === undefined ? undefined : entry(row);
  }
}
