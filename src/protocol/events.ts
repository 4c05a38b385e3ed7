// Live events the daemon pushes to subscribed clients, as one tagged union.
import type { GoalView, StepState } from './model.js';
import type { ModelPullProgress } from './model-pull.js';

export type DaemonEvent =
  | { type: 'goal.updated'; goal: GoalView }
  | { type: 'step.started'; goalId: string; stepId: string; agent: string; tool: string }
  | { type: 'step.output'; goalId: string; stepId: string; chunk: string }
  | { type: 'step.finished'; goalId: string; stepId: string; state: StepState; error: string | null }
  | { type: 'agent.status'; agent: string; status: 'idle' | 'busy'; task: string | null }
  | { type: 'alert'; level: 'info' | 'warning' | 'critical'; message: string }
  // A model writing a goal's plan: partial JSON as it streams. restart: a new attempt began, drop the text so far.
  | { type: 'plan.delta'; goalId: string; text: string; restart: boolean }
  // Escape-hatch shells: sent only to the connection that opened the hatch, never broadcast.
  | { type: 'hatch.output'; hatchId: string; data: string }
  | { type: 'hatch.exited'; hatchId: string; code: number | null; signal: number | null }
  // A model pull's progress: sent only to the connection that asked for the pull.
  | ModelPullProgress;

/** The notification method that carries a DaemonEvent as its params. */
export const EVENT_METHOD = 'event';
