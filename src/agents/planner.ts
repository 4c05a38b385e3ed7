// The planner interface every tier plugs into: reactive rules now; stored procedures,
// local and cloud models later. A planner proposes; it never executes.
import type { PlanStepSpec, Tier } from '../protocol/model.js';

export interface PlanRequest {
  text: string;
  /** The submitting user's home directory: where relative paths in a goal point. */
  home: string;
  /** The goal being planned: model tiers stream the plan as it is written (plan.delta events). */
  goalId?: string;
  /** What the model tiers are asked to do: plan a person's goal, analyse output (a monitor alert), or revise a plan that failed. */
  task?: 'plan' | 'analyse' | 'revise';
  /** revise: the failure the new plan answers (revision-context.ts): data for the model's prompt, and a line for the decision log. */
  revision?: { context: string; why: string };
  /** Aborted when the goal is cancelled while it is planned: the model call in flight stops. */
  signal?: AbortSignal;
}

export type PlanOutcome =
  | {
      kind: 'plan';
      tier: Tier;
      steps: PlanStepSpec[];
      explanation: string;
      /** A learned procedure's: how the goal matched it (for the decision log). */
      match?: { by: 'fts' | 'embedding'; score?: number };
    }
  | { kind: 'not_understood'; reason: string };

export interface Planner {
  readonly tier: Tier;
  plan(request: PlanRequest): Promise<PlanOutcome>;
}

/** Tries each tier in order; the first that produces a plan wins. */
export class PlannerChain implements Planner {
  readonly tier: Tier = 'reactive';
  constructor(
    private readonly planners: readonly Planner[],
    private readonly fallbackHelp: string,
  ) {}

  get names(): string[] {
    return this.planners.map((p) => p.tier);
  }

  async plan(request: PlanRequest): Promise<PlanOutcome> {
    const reasons: string[] = [];
    for (const p of this.planners) {
      const out = await p.plan(request);
      if (out.kind === 'plan') return out;
      if (out.reason !== '') reasons.push(out.reason);
    }
    return { kind: 'not_understood', reason: [...reasons, this.fallbackHelp].join(' ') };
  }
}
