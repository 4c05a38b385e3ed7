import { createHash } from 'node:crypto';
import { canonicalJson } from '../text/canonical-json.js';
import type { PlanStepSpec, Tier } from '../protocol/model.js';

/**
 * The hash an approval is bound to. It covers everything that decides what will run
 * (each step's tool, exact args, agent, risk, reversibility, dependencies) and the goal
 * it serves, so any change to the plan needs a fresh approval.
 */
export function planHash(goalId: string, tier: Tier, steps: readonly PlanStepSpec[]): string {
  return createHash('sha256').update(canonicalJson({ goalId, tier, steps })).digest('hex');
}
