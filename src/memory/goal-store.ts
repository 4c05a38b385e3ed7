// Persistence of goals, their plans and steps: the working memory the goal engine drives.
import { statementCache, type Db } from './database.js';
import type {
  GoalAnswerView,
  GoalState,
  GoalView,
  PlanStepSpec,
  PlanView,
  StepAnalysis,
  StepPreview,
  StepState,
  StepView,
  Tier,
} from '../protocol/model.js';

interface GoalRow {
  id: string;
  text: string;
  state: GoalState;
  message: string | null;
  submitted_by: string;
  submitted_uid: number;
  plan_id: string | null;
  created_at: string;
  updated_at: string;
}
interface PlanRow {
  id: string;
  goal_id: string;
  tier: Tier;
  hash: string;
  spec: string;
  created_at: string;
}
interface StepRow {
  plan_id: string;
  id: string;
  ord: number;
  state: StepState;
  preview: string;
  snapshot_id: string | null;
  output: string;
  error: string | null;
  approved_by: string | null;
}

export interface NewPlan {
  id: string;
  goalId: string;
  tier: Tier;
  hash: string;
  steps: PlanStepSpec[];
  previews: StepPreview[];
}

export interface StepPatch {
  state?: StepState;
  snapshotId?: string | null;
  error?: string | null;
  approvedBy?: string | null;
  startedAt?: string;
  finishedAt?: string;
}

export interface GoalFilter {
  state?: GoalState;
  /** Goals this account submitted (the uid and the name: the monitor's goals share the owner's uid). */
  submittedBy?: { uid: number; name: string };
  id?: string;
}

/** Output kept per step in the database; the full stream went to subscribers live. */
const OUTPUT_KEEP_BYTES = 64 * 1024;

export class GoalStore {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  createGoal(g: { id: string; text: string; state: GoalState; submittedBy: string; submittedUid: number }): void {
    const now = new Date().toISOString();
    this.sql(
      `INSERT INTO goals (id, text, state, message, submitted_by, submitted_uid, plan_id, created_at, updated_at)
      VALUES (?, ?, ?, NULL, ?, ?, NULL, ?, ?)`,
    ).run(g.id, g.text, g.state, g.submittedBy, g.submittedUid, now, now);
  }

  /** The uid that submitted the goal: whose credentials its steps run with. Undefined for no such goal. */
  ownerUid(goalId: string): number | undefined {
    const row = this.sql('SELECT submitted_uid FROM goals WHERE id = ?').get(goalId) as
      { submitted_uid: number } | undefined;
    return row?.submitted_uid;
  }

  setGoalState(goalId: string, state: GoalState, message?: string | null): void {
    const now = new Date().toISOString();
    if (message === undefined) {
      this.sql('UPDATE goals SET state = ?, updated_at = ? WHERE id = ?').run(state, now, goalId);
    } else {
      this.sql('UPDATE goals SET state = ?, message = ?, updated_at = ? WHERE id = ?').run(state, message, now, goalId);
    }
  }

  savePlan(plan: NewPlan): void {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      this.sql('INSERT INTO plans (id, goal_id, tier, hash, spec, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
        plan.id,
        plan.goalId,
        plan.tier,
        plan.hash,
        JSON.stringify(plan.steps),
        now,
      );
      const insert = this.sql(`INSERT INTO steps (plan_id, id, ord, state, preview) VALUES (?, ?, ?, 'pending', ?)`);
      plan.steps.forEach((s, i) => insert.run(plan.id, s.id, i, JSON.stringify(plan.previews[i] ?? { summary: '' })));
      this.sql('UPDATE goals SET plan_id = ?, updated_at = ? WHERE id = ?').run(plan.id, now, plan.goalId);
    })();
  }

  updateStep(planId: string, stepId: string, patch: StepPatch): void {
    const cols: string[] = [];
    const vals: unknown[] = [];
    const set = (col: string, v: unknown): void => {
      cols.push(`${col} = ?`);
      vals.push(v);
    };
    if (patch.state !== undefined) set('state', patch.state);
    if (patch.snapshotId !== undefined) set('snapshot_id', patch.snapshotId);
    if (patch.error !== undefined) set('error', patch.error);
    if (patch.approvedBy !== undefined) set('approved_by', patch.approvedBy);
    if (patch.startedAt !== undefined) set('started_at', patch.startedAt);
    if (patch.finishedAt !== undefined) set('finished_at', patch.finishedAt);
    if (cols.length === 0) return;
    this.sql(`UPDATE steps SET ${cols.join(', ')} WHERE plan_id = ? AND id = ?`).run(...vals, planId, stepId);
  }

  appendOutput(planId: string, stepId: string, chunk: string): void {
    // Keep the tail: what a person scrolling back after the fact wants is the end.
    this.sql(`UPDATE steps SET output = substr(output || ?, -?) WHERE plan_id = ? AND id = ?`).run(
      chunk,
      OUTPUT_KEEP_BYTES,
      planId,
      stepId,
    );
  }

  recordToolCall(c: {
    id: string;
    goalId: string | null;
    planId: string | null;
    stepId: string | null;
    tool: string;
    args: unknown;
    ok: boolean;
    output: string;
    error: string | null;
    startedAt: string;
    finishedAt: string;
  }): void {
    this.sql(
      `INSERT INTO tool_calls (id, goal_id, plan_id, step_id, tool, args, ok, output, error, started_at, finished_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      c.id,
      c.goalId,
      c.planId,
      c.stepId,
      c.tool,
      JSON.stringify(c.args),
      c.ok ? 1 : 0,
      c.output.slice(-OUTPUT_KEEP_BYTES),
      c.error,
      c.startedAt,
      c.finishedAt,
    );
  }

  recordEvent(type: string, goalId: string | null, payload: unknown): void {
    this.sql('INSERT INTO events (ts, type, goal_id, payload) VALUES (?, ?, ?, ?)').run(
      new Date().toISOString(),
      type,
      goalId,
      JSON.stringify(payload),
    );
  }

  /** The uid that submitted the goal named by id or by one of its plans; undefined when there is none. */
  ownerOf(ref: { goalId?: string; planId?: string }): number | undefined {
    const row =
      ref.goalId !== undefined
        ? this.sql('SELECT submitted_uid AS uid FROM goals WHERE id = ?').get(ref.goalId)
        : ref.planId !== undefined
          ? this.sql('SELECT g.submitted_uid AS uid FROM plans p JOIN goals g ON g.id = p.goal_id WHERE p.id = ?').get(
              ref.planId,
            )
          : undefined;
    return (row as { uid: number } | undefined)?.uid;
  }

  getGoal(goalId: string): GoalView | undefined {
    const row = this.sql('SELECT * FROM goals WHERE id = ?').get(goalId) as GoalRow | undefined;
    return row === undefined ? undefined : this.view(row);
  }

  /** Every plan the goal has had, newest first: a revision or an edit keeps the ones before it. */
  plansOf(goalId: string): PlanView[] {
    const rows = this.sql('SELECT id FROM plans WHERE goal_id = ? ORDER BY created_at DESC, rowid DESC').all(
      goalId,
    ) as { id: string }[];
    return rows.flatMap((r) => this.getPlan(r.id) ?? []);
  }

  getPlan(planId: string): PlanView | undefined {
    const row = this.sql('SELECT * FROM plans WHERE id = ?').get(planId) as PlanRow | undefined;
    return row === undefined ? undefined : this.planView(row);
  }

  /**
   * Newest first. `id`: the whole id, or at least 8 characters of its start or of its end (the
   * end is what the TUI and line mode print), so a script can name a goal as a person saw it.
   */
  listGoals(limit: number, filter: GoalFilter = {}): GoalView[] {
    const where: string[] = [];
    const vals: unknown[] = [];
    if (filter.state !== undefined) {
      where.push('state = ?');
      vals.push(filter.state);
    }
    if (filter.submittedBy !== undefined) {
      where.push('submitted_uid = ? AND submitted_by = ?');
      vals.push(filter.submittedBy.uid, filter.submittedBy.name);
    }
    if (filter.id !== undefined) {
      const id = filter.id.toUpperCase();
      // ULIDs hold no LIKE wildcards; the caller checked the alphabet.
      where.push('(id = ? OR id LIKE ? OR id LIKE ?)');
      vals.push(id, `${id}%`, `%${id}`);
    }
    const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
    const rows = this.sql(`SELECT * FROM goals ${clause} ORDER BY created_at DESC, id DESC LIMIT ?`).all(
      ...vals,
      limit,
    ) as GoalRow[];
    return rows.map((r) => this.view(r));
  }

  countByState(): Record<string, number> {
    const rows = this.sql('SELECT state, COUNT(*) AS n FROM goals GROUP BY state').all() as {
      state: string;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  /** After a crash or restart: goals caught mid-run are marked interrupted, their steps kept. */
  markInterrupted(): string[] {
    const ids = (this.sql(`SELECT id FROM goals WHERE state = 'running'`).all() as { id: string }[]).map((r) => r.id);
    // A goal caught while its plan was written has nothing to resume: no model call survives a
    // restart. A first plan is cancelled; a revision leaves the goal failed, with the plan it had.
    const planning = this.sql(`SELECT id, plan_id FROM goals WHERE state = 'planning'`).all() as {
      id: string;
      plan_id: string | null;
    }[];
    this.db.transaction(() => {
      for (const g of planning) {
        if (g.plan_id === null)
          this.setGoalState(
            g.id,
            'cancelled',
            'aiosd stopped while this goal was being planned; nothing ran: submit it again',
          );
        else
          this.setGoalState(
            g.id,
            'failed',
            'aiosd stopped while a revised plan was being written; the goal is as it was: revise it again',
          );
      }
      for (const id of ids) {
        this.setGoalState(
          id,
          'interrupted',
          'aiosd stopped while this goal was running; finished steps and their snapshots are kept',
        );
        this.sql(
          `UPDATE steps SET state = 'failed', error = 'interrupted by a daemon restart'
          WHERE state = 'running' AND plan_id = (SELECT plan_id FROM goals WHERE id = ?)`,
        ).run(id);
      }
    })();
    return ids;
  }

  private view(row: GoalRow): GoalView {
    const plan = row.plan_id === null ? null : (this.getPlan(row.plan_id) ?? null);
    const answer = row.state === 'succeeded' && plan !== null ? this.answer(row.id, plan.id) : undefined;
    return {
      id: row.id,
      text: row.text,
      state: row.state,
      message: row.message,
      submittedBy: row.submitted_by,
      ownerUid: row.submitted_uid,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      plan,
      ...(answer === undefined ? {} : { answer }),
    };
  }

  /** The answer recorded for a question's plan (the newest goal.answer event for it). */
  private answer(goalId: string, planId: string): GoalAnswerView | undefined {
    const rows = this.sql(`SELECT payload FROM events WHERE goal_id = ? AND type = 'goal.answer' ORDER BY id DESC`).all(
      goalId,
    ) as { payload: string }[];
    for (const r of rows) {
      const p = JSON.parse(r.payload) as Record<string, unknown>;
      if (p['planId'] !== planId) continue;
      return {
        pending: p['pending'] === true,
        ok: p['ok'] === true,
        text: typeof p['answer'] === 'string' ? p['answer'] : '',
        tier: typeof p['tier'] === 'string' ? p['tier'] : null,
        reason: typeof p['reason'] === 'string' ? p['reason'] : null,
        cost: typeof p['cost'] === 'string' ? p['cost'] : '',
      };
    }
    return undefined;
  }

  private planView(row: PlanRow): PlanView {
    const specs = JSON.parse(row.spec) as PlanStepSpec[];
    const rows = this.sql('SELECT * FROM steps WHERE plan_id = ? ORDER BY ord').all(row.id) as StepRow[];
    const byId = new Map(rows.map((r) => [r.id, r]));
    const analyses = rows.some((r) => r.state === 'failed')
      ? this.analyses(row.goal_id, row.id)
      : new Map<string, StepAnalysis>();
    const steps: StepView[] = specs.map((spec) => {
      const s = byId.get(spec.id);
      const analysis = analyses.get(spec.id);
      return {
        ...spec,
        state: s?.state ?? 'pending',
        preview: s === undefined ? { summary: '' } : (JSON.parse(s.preview) as StepPreview),
        snapshotId: s?.snapshot_id ?? null,
        output: s?.output ?? '',
        error: s?.error ?? null,
        approvedBy: s?.approved_by ?? null,
        ...(analysis === undefined ? {} : { analysis }),
      };
    });
    const editedBy = this.editor(row.goal_id, row.id);
    return {
      id: row.id,
      goalId: row.goal_id,
      tier: row.tier,
      hash: row.hash,
      createdAt: row.created_at,
      steps,
      ...(editedBy === null ? {} : { editedBy }),
    };
  }

  /** Who made this plan by editing another (its plan.edited event), or null when it was planned. */
  private editor(goalId: string, planId: string): { name: string; uid: number } | null {
    const rows = this.sql(`SELECT payload FROM events WHERE goal_id = ? AND type = 'plan.edited'`).all(goalId) as {
      payload: string;
    }[];
    for (const r of rows) {
      const p = JSON.parse(r.payload) as Record<string, unknown>;
      if (p['planId'] === planId && typeof p['by'] === 'string')
        return { name: p['by'], uid: typeof p['byUid'] === 'number' ? p['byUid'] : -1 };
    }
    return null;
  }

  /** The latest diagnosis recorded for each failed step of a plan (step.analysis events). */
  private analyses(goalId: string, planId: string): Map<string, StepAnalysis> {
    const out = new Map<string, StepAnalysis>();
    const rows = this.sql(`SELECT payload FROM events WHERE goal_id = ? AND type = 'step.analysis' ORDER BY id`).all(
      goalId,
    ) as { payload: string }[];
    for (const r of rows) {
      const p = JSON.parse(r.payload) as Record<string, unknown>;
      if (p['planId'] !== planId || typeof p['stepId'] !== 'string') continue;
      const str = (k: string): string => (typeof p[k] === 'string' ? p[k] : '');
      out.set(p['stepId'], {
        ok: p['ok'] === true,
        tier: typeof p['tier'] === 'string' ? p['tier'] : null,
        summary: str('summary'),
        likelyCause: str('likely_cause'),
        nextStep: str('next_step'),
        reason: typeof p['reason'] === 'string' ? p['reason'] : null,
        cost: str('cost'),
      });
    }
    return out;
  }
}
