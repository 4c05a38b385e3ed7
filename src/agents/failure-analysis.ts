// When a goal fails, a model is asked to diagnose each failed step (the router's `analyse`
// task) in the background: the goal is already failed and stays exactly so. The diagnosis is
// recorded as a `step.analysis` event, shown with the step (goal show, the TUI's plan view),
// and given to the next plan when the goal is revised. With no model configured nothing is asked.
import type { GoalStore } from '../memory/goal-store.js';
import type { AnalyseOutcome, AnalyseRequest } from './model-tasks.js';
import type { DaemonEvent } from '../protocol/events.js';
import type { GoalView, StepView } from '../protocol/model.js';

/** Each failed step is one model call: a plan where many failed gets its first few diagnosed. */
export const MAX_ANALYSED_STEPS = 3;

export interface FailureAnalysisDeps {
  store: GoalStore;
  analyse: (request: AnalyseRequest) => Promise<AnalyseOutcome>;
  emit: (event: DaemonEvent) => void;
  log: (line: string) => void;
  /** How many failed steps to diagnose per goal ([models] diagnose_failures); 0 asks nothing. */
  maxSteps?: () => number;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class FailureAnalysis {
  private readonly inFlight = new Map<string, { abort: AbortController; done: Promise<void> }>();

  constructor(private readonly d: FailureAnalysisDeps) {}

  /** Starts diagnosing the failed goal's failed steps that have no diagnosis yet; returns at once. */
  start(goalId: string): void {
    if (this.inFlight.has(goalId)) return;
    const goal = this.d.store.getGoal(goalId);
    if (goal?.state !== 'failed' || goal.plan === null) return;
    const steps = goal.plan.steps
      .filter((s) => s.state === 'failed' && s.analysis === undefined)
      .slice(0, this.d.maxSteps?.() ?? MAX_ANALYSED_STEPS);
    if (steps.length === 0) return;
    const abort = new AbortController();
    const done = this.run(goal, goal.plan.id, steps, abort.signal)
      .catch((err: unknown) => this.d.log(`could not diagnose goal ${goalId}: ${message(err)}`))
      .finally(() => this.inFlight.delete(goalId));
    this.inFlight.set(goalId, { abort, done });
  }

  /** null when no diagnosis of the goal is in flight; else resolves when it is recorded, or when `signal` aborts. */
  settled(goalId: string, signal?: AbortSignal): Promise<void> | null {
    const running = this.inFlight.get(goalId);
    if (running === undefined) return null;
    return new Promise<void>((resolve) => {
      if (signal?.aborted === true) resolve();
      signal?.addEventListener('abort', () => resolve(), { once: true });
      void running.done.then(resolve);
    });
  }

  /** Stops the goal's diagnosis in flight (recorded as cancelled); false when there is none. */
  cancel(goalId: string, why: string): boolean {
    const running = this.inFlight.get(goalId);
    if (running === undefined) return false;
    running.abort.abort(new Error(why));
    return true;
  }

  /** At shutdown: every diagnosis in flight stops, and is recorded as cancelled. */
  async close(): Promise<void> {
    const all = [...this.inFlight.values()];
    for (const r of all) r.abort.abort(new Error('aiosd is shutting down'));
    await Promise.all(all.map((r) => r.done));
  }

  private async run(goal: GoalView, planId: string, steps: readonly StepView[], signal: AbortSignal): Promise<void> {
    for (const s of steps) {
      const out = await this.d.analyse({
        goalId: goal.id,
        signal,
        step: {
          goal: goal.text,
          stepId: s.id,
          tool: s.tool,
          args: s.args,
          error: s.error ?? 'no error message',
          output: s.output,
        },
      });
      if (out.kind === 'skipped') return;
      const base = { planId, stepId: s.id, tool: s.tool };
      this.d.store.recordEvent(
        'step.analysis',
        goal.id,
        out.kind === 'diagnosis'
          ? {
              ...base,
              ok: true,
              tier: out.tier,
              summary: out.diagnosis.summary,
              likely_cause: out.diagnosis.likely_cause,
              next_step: out.diagnosis.next_step,
              cost: out.cost,
            }
          : {
              ...base,
              ok: false,
              reason: out.kind === 'cancelled' ? `cancelled: ${out.reason}` : out.reason,
              cost: out.cost,
            },
      );
      const after = this.d.store.getGoal(goal.id);
      if (after !== undefined) this.d.emit({ type: 'goal.updated', goal: after });
      if (out.kind === 'cancelled') return;
    }
  }
}
