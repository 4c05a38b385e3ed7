// What the agents ask of the models besides plans, as the agents need it: diagnose a failed
// step (analyse) and answer a question from its steps' outputs (answer). The model router
// implements these; the agents depend on this contract, never on the router.
import type { ModelTier } from '../protocol/vocabulary.js';

/** A failed step as the analyse task receives it. */
export interface FailedStep {
  goal: string;
  stepId: string;
  tool: string;
  args: Record<string, unknown>;
  error: string;
  output: string;
}

/** One read-only step as the answer task reads it. */
export interface AnsweredStep {
  stepId: string;
  tool: string;
  args: Record<string, unknown>;
  output: string;
}

export interface Question {
  goal: string;
  steps: AnsweredStep[];
}

/** What a model says of a failed step: words for a person and for the next plan, never run. */
export interface StepDiagnosis {
  summary: string;
  likely_cause: string;
  next_step: string;
}

export interface AnalyseRequest {
  goalId: string;
  step: FailedStep;
  signal?: AbortSignal;
}

/** What the analyse task came to; `cost` sums every tier tried. */
export type AnalyseOutcome =
  | { kind: 'diagnosis'; tier: ModelTier; diagnosis: StepDiagnosis; cost: string }
  | { kind: 'failed' | 'cancelled'; reason: string; cost: string }
  /** No model tier is configured: nothing is asked and nothing recorded. */
  | { kind: 'skipped' };

export interface AnswerRequest {
  goalId: string;
  question: Question;
  signal?: AbortSignal;
}

export type AnswerOutcome =
  | { kind: 'answer'; tier: ModelTier; answer: string; cost: string }
  | { kind: 'failed' | 'cancelled'; reason: string; cost: string }
  | { kind: 'skipped' };
