// The `analyse` task's side of a model tier: read a failed step and diagnose it in the
// diagnosis schema. Local and cloud tiers each have one; the router picks which runs.
import type { ModelCost } from './model-planner.js';
import type { FailedStep, StepDiagnosis } from './step-diagnosis.js';

export interface AnalysisContext {
  goalId: string | null;
  signal?: AbortSignal;
  /** Told after each model call, for the cost line in the decision log. */
  onCost?: (cost: ModelCost) => void;
}

/** A usable diagnosis, or why this tier gave none. */
export type AnalystAnswer = { ok: true; diagnosis: StepDiagnosis } | { ok: false; reason: string };

export interface ModelAnalyst {
  /** "operational", "tactical", "cloud": the name the router and the decision log use. */
  readonly name: string;
  analyse(step: FailedStep, ctx: AnalysisContext): Promise<AnalystAnswer>;
}
