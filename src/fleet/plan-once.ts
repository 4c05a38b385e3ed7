// A fleet goal planned once (`aios fleet goal --plan-once`): the initiator's aiosd drafts the plan
// with its own planner (plan/draft), and every node takes that plan in place of its planner's. The
// node does not trust the plan for being signed by a person it trusts: it goes through everything a
// plan of its own goes through (its tools' schemas, previews on its own state, routing, its policy
// and the person's role) and waits for that person's approval of its own plan's hash as any fleet
// goal does. It is judged as model-written, whatever tier made it, since the node cannot tell.
import type { Actor } from '../agents/approval-policy.js';
import type { Planner } from '../agents/planner.js';
import type { PlanDraft, SentPlan } from '../protocol/fleet.js';

/** Why a goal cannot be planned once: the same words from the CLI and from fleet/start. */
export const noPlanOnce = (reason: string): string => `--plan-once: this node's planner made no plan: ${reason}`;

/** The node's side: a planner that proposes the plan the initiator sent. */
export function sentPlanner(plan: SentPlan): Planner {
  // local and cloud are the tiers the policy holds to the stricter rules for model-written plans.
  const tier = plan.tier === 'local' ? 'local' : 'cloud';
  return {
    tier,
    plan: () =>
      Promise.resolve({
        kind: 'plan',
        tier,
        steps: plan.steps,
        explanation: `planned once for the fleet (${plan.tier} tier, on the initiator's node): ${plan.explanation}`,
      }),
  };
}

/** The initiator's side (plan/draft): this node's planner on `text`, as `actor`; nothing kept or run. */
export async function draftPlan(planner: Planner, text: string, actor: Actor): Promise<PlanDraft> {
  const outcome = await planner.plan({ text, home: actor.home, task: 'plan' }).catch((err: unknown) => ({
    kind: 'not_understood' as const,
    reason: `The planner failed: ${err instanceof Error ? err.message : String(err)}.`,
  }));
  if (outcome.kind !== 'plan') return { kind: 'not_understood', reason: outcome.reason };
  if (outcome.steps.length === 0) return { kind: 'not_understood', reason: 'the planner proposed no steps' };
  if (outcome.steps.length > 64)
    return {
      kind: 'not_understood',
      reason: `the plan has ${outcome.steps.length} steps; a fleet plan has at most 64`,
    };
  return { kind: 'plan', tier: outcome.tier, steps: outcome.steps, explanation: outcome.explanation.slice(0, 4000) };
}
