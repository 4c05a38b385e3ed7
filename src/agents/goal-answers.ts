// When a goal that asked a question has run its read-only steps, a model answers the question
// from their outputs (the router's `answer` task) in the background: the goal has already
// succeeded and stays exactly so. The answer is recorded as a `goal.answer` event and in the
// ledger with its cost, shown above the outputs (TUI, line mode, `aios goal --json`). With no
// model configured, the record says the outputs are the answer.
import type { AuditLedger } from '../memory/audit-ledger.js';
import type { GoalStore } from '../memory/goal-store.js';
import { classifyGoal } from './goal-class.js';
import type { AnswerOutcome, AnswerRequest } from './model-tasks.js';
import type { DaemonEvent } from '../protocol/events.js';
import type { GoalView } from '../protocol/model.js';

export interface GoalAnswersDeps {
  store: GoalStore;
  ledger: Pick<AuditLedger, 'append'>;
  answer: (request: AnswerRequest) => Promise<AnswerOutcome>;
  /** Whether a tool only reads: only a plan of such steps is a question's plan. */
  readOnly: (tool: string) => boolean;
  emit: (event: DaemonEvent) => void;
  log: (line: string) => void;
}

export const NO_MODEL_ANSWER = 'no model is configured to summarise them: the outputs below are the answer';

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class GoalAnswers {
  private readonly inFlight = new Map<string, { abort: AbortController; done: Promise<void> }>();

  constructor(private readonly d: GoalAnswersDeps) {}

  /** A question whose read-only plan succeeded and has no answer yet: answer it; returns at once. */
  start(goalId: string): void {
    if (this.inFlight.has(goalId)) return;
    const goal = this.d.store.getGoal(goalId);
    if (goal?.state !== 'succeeded' || goal.plan === null || goal.answer !== undefined) return;
    if (classifyGoal(goal.text).kind !== 'question') return;
    if (goal.plan.steps.length === 0 || !goal.plan.steps.every((s) => this.d.readOnly(s.tool))) return;
    // Said at once, so that a client that saw the goal succeed knows an answer is on its way.
    this.d.store.recordEvent('goal.answer', goalId, { planId: goal.plan.id, pending: true });
    const abort = new AbortController();
    const done = this.run(goal, goal.plan.id, abort.signal)
      .catch((err: unknown) => this.d.log(`could not answer goal ${goalId}: ${message(err)}`))
      .finally(() => this.inFlight.delete(goalId));
    this.inFlight.set(goalId, { abort, done });
  }

  /** At shutdown: every answer in flight stops. */
  async close(): Promise<void> {
    const all = [...this.inFlight.values()];
    for (const r of all) r.abort.abort(new Error('aiosd is shutting down'));
    await Promise.all(all.map((r) => r.done));
  }

  private async run(goal: GoalView, planId: string, signal: AbortSignal): Promise<void> {
    const steps = (goal.plan?.steps ?? [])
      .filter((s) => s.state === 'succeeded')
      .map((s) => ({ stepId: s.id, tool: s.tool, args: s.args, output: s.output }));
    const out = await this.d.answer({ goalId: goal.id, question: { goal: goal.text, steps }, signal });
    const record =
      out.kind === 'answer'
        ? { planId, ok: true, tier: out.tier, answer: out.answer, cost: out.cost }
        : out.kind === 'skipped'
          ? { planId, ok: false, tier: null, reason: NO_MODEL_ANSWER, cost: '$0: no model call was made' }
          : {
              planId,
              ok: false,
              tier: null,
              reason: out.kind === 'cancelled' ? `cancelled: ${out.reason}` : out.reason,
              cost: out.cost,
            };
    this.d.store.recordEvent('goal.answer', goal.id, record);
    this.d.ledger.append({
      actor: 'aiosd',
      action: 'goal.answer',
      subject: goal.id,
      detail: {
        ok: record.ok,
        tier: record.tier,
        cost: record.cost,
        chars: out.kind === 'answer' ? out.answer.length : 0,
      },
    });
    const after = this.d.store.getGoal(goal.id);
    if (after !== undefined) this.d.emit({ type: 'goal.updated', goal: after });
  }
}
