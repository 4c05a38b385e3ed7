// The side of a model tier that reads output rather than planning: the `analyse` task (a failed
// step, diagnosed in the diagnosis schema) and the `answer` task (a question, answered from its
// read-only steps' outputs). Local and cloud tiers each have one; the router picks which runs.
import type { Question } from './goal-answer.js';
import type { ModelCost } from './model-planner.js';
import type { FailedStep, StepDiagnosis } from './step-diagnosis.js';

export interface AnalysisContext {
  goalId: string | null;
  signal?: AbortSignal;
  /** Told after each model call, for the cost line in the decision log. */
  onCost?: (cost: ModelCost) => void;
}

/** A usable reply of type T, or why this tier gave none. */
export type Reply<T> = { ok: true; value: T } | { ok: false; reason: string };
export type AnalystAnswer = { ok: true; diagnosis: StepDiagnosis } | { ok: false; reason: string };

export interface ModelAnalyst {
  /** "operational", "tactical", "cloud": the name the router and the decision log use. */
  readonly name: string;
  analyse(step: FailedStep, ctx: AnalysisContext): Promise<AnalystAnswer>;
  answer(question: Question, ctx: AnalysisContext): Promise<Reply<string>>;
}
