// Which model tier does a task, decided before any model runs: from the task's kind (plan a
// goal, re-plan after a tier failed, analyse output, probe a model), the goal's kind (a
// question, or a change) and its likely risk, the tiers configured and up, and the budget
// left. Pure, so every rule is tested directly; the router records each result as a decision.
import type { Risk } from '../protocol/model.js';
import type { GoalClass } from '../agents/goal-class.js';
import { ModelTier } from '../protocol/vocabulary.js';

export { classifyGoal, type GoalClass, type GoalKind } from '../agents/goal-class.js';

/**
 * plan: write a goal's plan. revise: plan it again after a tier failed or found no plan.
 * analyse: read output (a monitor alert, a failed step) and diagnose it. answer: answer a question
 * from its read-only steps' outputs. probe: a health check.
 */
export type TaskKind = 'plan' | 'revise' | 'analyse' | 'answer' | 'probe';

export interface Task {
  kind: TaskKind;
  goal: GoalClass;
  /** revise: the tier whose attempt failed, and why. */
  failed?: { tier: ModelTier; reason: string };
  /** revise: a step of the approved plan failed when it ran (goal/revise), and how. */
  stepFailed?: string;
}

export interface TierState {
  configured: boolean;
  up: boolean;
  detail: string;
}

export interface Route {
  /** Tiers to try, in order: configured and up. */
  order: ModelTier[];
  /** Configured tiers left out, and why (degraded). */
  skipped: { tier: ModelTier; why: string }[];
  why: string;
}

/** Below this share of a monthly budget left, the cloud is tried only after the local models. */
export const LOW_BUDGET = 0.1;

const PREFERENCE: Record<Risk, ModelTier[]> = {
  // Cheap and fast first; a question read wrongly is harmless, and nothing runs unapproved.
  low: ['operational', 'tactical', 'cloud'],
  medium: ['tactical', 'cloud', 'operational'],
  // The strongest model first for what could break the node.
  high: ['cloud', 'tactical', 'operational'],
};

/** Weakest to strongest: a revise climbs from the tier that failed. */
const STRENGTH: readonly ModelTier[] = ModelTier.options;

/** The order a task prefers before availability and budget, and why. */
function preference(task: Task): { order: ModelTier[]; note: string } {
  const { goal } = task;
  const what = `${goal.kind}, ${goal.risk} risk (${goal.because})`;
  switch (task.kind) {
    case 'plan':
      return { order: [...PREFERENCE[goal.risk]], note: `plan: ${what}` };
    case 'revise': {
      // A plan that failed on the node is planned again by the strongest model first.
      if (task.failed === undefined && task.stepFailed !== undefined) {
        return {
          order: ['cloud', 'tactical', 'operational'],
          note: `${task.stepFailed}: stronger tiers first; ${what}`,
        };
      }
      // The tier that failed is not asked again; stronger tiers first, then the weaker ones.
      const failed = task.failed?.tier ?? 'operational';
      const i = STRENGTH.indexOf(failed);
      const order = [...STRENGTH.slice(i + 1), ...STRENGTH.slice(0, i).reverse()];
      return {
        order,
        note: `revise after ${failed} failed (${task.failed?.reason ?? 'no plan'}): stronger tiers first; ${what}`,
      };
    }
    case 'analyse':
      // Machine output may hold private data and is long: read it locally first; the cloud last.
      return {
        order: goal.risk === 'low' ? ['operational', 'tactical', 'cloud'] : ['tactical', 'operational', 'cloud'],
        note: `analyse output locally first, the cloud last; ${what}`,
      };
    case 'answer':
      // Outputs may hold private data, and a question read wrongly is harmless: locally first.
      return {
        order: ['operational', 'tactical', 'cloud'],
        note: `answer from the outputs, locally first, the cloud last; ${what}`,
      };
    case 'probe':
      // A health check costs nothing locally and money in the cloud: local tiers only.
      return { order: ['operational', 'tactical'], note: 'probe: local tiers only, never a paid call' };
  }
}

export function route(task: Task, tiers: Record<ModelTier, TierState>, budgetLeft: number | null): Route {
  const pref = preference(task);
  let order = pref.order;
  const notes = [pref.note];
  if (budgetLeft !== null && budgetLeft < LOW_BUDGET && tiers.cloud.configured && order.includes('cloud')) {
    order = [...order.filter((t) => t !== 'cloud'), 'cloud'];
    notes.push(`cloud last: ${Math.round(budgetLeft * 100)}% of the monthly budget left`);
  }
  const skipped: Route['skipped'] = [];
  const usable: ModelTier[] = [];
  for (const t of order) {
    if (!tiers[t].configured) continue;
    if (tiers[t].up) usable.push(t);
    else skipped.push({ tier: t, why: tiers[t].detail });
  }
  if (skipped.length > 0) notes.push(`degraded: ${skipped.map((s) => `${s.tier} down (${s.why})`).join(', ')}`);
  return { order: usable, skipped, why: notes.join('; ') };
}
