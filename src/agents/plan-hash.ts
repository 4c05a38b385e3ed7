import { createHash } from 'node:crypto';
import { canonicalJson } from '../text/canonical-json.js';
import type { PlanStepSpec, Tier } from '../protocol/model.js';

/**
 * The hash an approval is bound to. It covers everything that decides what will run
 * (each step's tool, exact args, agent, risk, reversibility, dependencies) and the goal
 * it serves, so any change to the plan needs a fresh approval. `revises`: the plan a revised
 * plan replaces after a failure, so even the same steps again get a hash of their own.
 */
export function planHash(goalId: string, tier: Tier, steps: readonly PlanStepSpec[], revises?: string): string {
  return createHash('sha256')
    .update(canonicalJson(revises === undefined ? { goalId, tier, steps } : { goalId, tier, steps, revises }))
    .digest('hex');
}
