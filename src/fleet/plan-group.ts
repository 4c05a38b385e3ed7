// The normalised plan hash that groups nodes' plans: the same tools with the same arguments, risk,
// reversibility and dependencies, whatever goal id, tier or wording each node's planner gave it.
import { createHash } from 'node:crypto';
import type { PlanView } from '../protocol/model.js';
import { canonicalJson } from '../text/canonical-json.js';

export function groupHash(plan: PlanView): string {
  const steps = plan.steps.map((s) => ({
    id: s.id,
    agent: s.agent,
    tool: s.tool,
    args: s.args,
    risk: s.risk,
    reversible: s.reversible,
    dependsOn: s.dependsOn,
  }));
  return createHash('sha256').update(canonicalJson(steps)).digest('hex');
}
