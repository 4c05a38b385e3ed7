// Planning: a goal's text to a proposed plan (validated, previewed, routed, hashed, judged), a
// failed plan to a revised one, and a plan edited before anyone decided it. A proposed plan goes
// to approval (approve.ts) at once when the node's autonomy or a configured policy approves it.
import { ulid } from 'ulid';
import type { GoalView, PlanStepSpec, PlanView, StepPreview, Tier } from '../../protocol/model.js';
import type { PolicyVerdict } from '../../policy/policy-engine.js';
import { autoApprovalPolicy, type Actor, type Autonomy } from '../approval-policy.js';
import { denialMessage, judgeSteps } from '../plan-policy.js';
import { OpError } from '../op-error.js';
import { planHash } from '../plan-hash.js';
import type { PlanOutcome, Planner } from '../planner.js';
import { revisionContext } from '../revision-context.js';
import { hostOf } from '../../runas/step-host.js';
import type { EngineCore } from './engine-core.js';
import { approve } from './approve.js';

/**
 * `task`: analyse for goals that diagnose output (the monitor's), so the router picks for reading, not changing.
 * `autonomy`: a lower level than the node's for this goal's first plan (a [[schedule]] entry's); never a higher one.
 * `approver`: "policy:…", an explicit policy an admin configured that approves this goal's first plan
 *   (auto_patch, for the plan aiOS itself made from that configuration); the plan is still judged,
 *   and one with a step policy denies is denied. Internal callers only: no RPC method sets it.
 */
export async function submit(
  core: EngineCore,
  text: string,
  actor: Actor,
  planner: Planner = core.deps.planner,
  opts: { task?: 'plan' | 'analyse'; autonomy?: Autonomy['level']; approver?: `policy:${string}` } = {},
): Promise<GoalView> {
  const { store } = core.deps;
  const goalId = ulid();
  if (opts.autonomy !== undefined) core.autonomyOf.set(goalId, opts.autonomy);
  if (opts.approver !== undefined) core.configuredApprover.set(goalId, opts.approver);
  store.createGoal({ id: goalId, text, state: 'planning', submittedBy: actor.name, submittedUid: actor.uid });
  core.homes.set(goalId, actor.home);
  core.publish(goalId);
  const abort = new AbortController();
  core.planning.set(goalId, abort);
  const outcome = await planner
    .plan({
      text,
      home: actor.home,
      goalId,
      signal: abort.signal,
      ...(opts.task === undefined ? {} : { task: opts.task }),
    })
    .catch((err: unknown) => ({
      kind: 'not_understood' as const,
      reason: `The planner failed: ${err instanceof Error ? err.message : String(err)}.`,
    }))
    .finally(() => core.planning.delete(goalId));
  // Cancelled while it was planned: cancel() already closed the goal; whatever came back is dropped.
  if (abort.signal.aborted || outcome.kind === 'not_understood') {
    core.autonomyOf.delete(goalId);
    core.configuredApprover.delete(goalId);
  }
  if (abort.signal.aborted) return core.get(goalId);
  if (outcome.kind === 'not_understood') {
    core.homes.delete(goalId);
    store.setGoalState(goalId, 'not_understood', outcome.reason);
    return core.publish(goalId);
  }
  const proposed = await propose(core, goalId, outcome, actor).finally(() => {
    core.autonomyOf.delete(goalId);
    core.configuredApprover.delete(goalId);
  });
  if (typeof proposed !== 'string') return proposed;
  store.setGoalState(goalId, 'not_understood', `The ${outcome.tier} planner proposed an invalid plan: ${proposed}`);
  return core.publish(goalId);
}

/**
 * A planned outcome through everything any plan goes through: validation, previews, routing,
 * the hash, policy, and approval (by a person, or the autonomy policy). `revises`: the failed
 * plan this one replaces (goal/revise). A string: why the plan does not validate (nothing saved).
 */
export async function propose(
  core: EngineCore,
  goalId: string,
  outcome: Extract<PlanOutcome, { kind: 'plan' }>,
  actor: Actor,
  revises?: { plan: PlanView; why: string },
): Promise<GoalView | string> {
  const { store } = core.deps;
  const checked = await checkSteps(core, outcome.steps, outcome.tier, goalId);
  if (typeof checked === 'string') return checked;
  const planId = ulid();
  const hash = planHash(goalId, outcome.tier, checked.steps, revises?.plan.id);
  store.savePlan({ id: planId, goalId, tier: outcome.tier, hash, steps: checked.steps, previews: checked.previews });
  store.recordEvent('plan.proposed', goalId, { planId, hash, tier: outcome.tier });
  if (revises !== undefined) {
    store.recordEvent('plan.revised', goalId, {
      from: revises.plan.id,
      fromHash: revises.plan.hash,
      planId,
      hash,
      tier: outcome.tier,
      why: revises.why,
      by: actor.name,
    });
    core.deps.ledger.append({
      actor: actor.name,
      action: 'plan.revise',
      subject: goalId,
      detail: { from: revises.plan.id, planId, hash, previousHash: revises.plan.hash, why: revises.why },
    });
  }
  for (const r of checked.routes) store.recordEvent('step.routed', goalId, { planId, ...r });
  const denied = denialMessage(checked.steps, checked.verdicts);
  if (denied !== null) return denyPlan(core, goalId, planId, hash, checked.steps, denied);
  const unrecordable = checked.steps.some((st) => core.mutates(st.tool))
    ? (core.deps.stateSpace?.problem() ?? null)
    : null;
  store.setGoalState(
    goalId,
    'awaiting_approval',
    unrecordable === null ? outcome.explanation : `cannot be approved now: ${unrecordable}`,
  );
  // A configured policy approves as the admin who wrote it would, confirming what needs confirming; never a revision.
  const configured = revises === undefined ? core.configuredApprover.get(goalId) : undefined;
  if (configured !== undefined && unrecordable === null)
    return approve(core, planId, hash, undefined, { ...actor, name: configured }, 'approve', true);
  const policy = autoApprovalPolicy(
    core.deps.securityMode(),
    checked.verdicts,
    checked.steps,
    core.autonomyFor(goalId),
  );
  if (policy !== null) return approve(core, planId, hash, undefined, { ...actor, name: policy }, 'approve');
  return core.publish(goalId);
}

/**
 * Asks the planner for a new plan for a goal whose plan failed (or was interrupted), with the
 * failure as context. The new plan is attached to the same goal and needs approving like any
 * plan: the old approval covers the old plan only. Without a new plan the goal stays as it was.
 */
export async function revise(core: EngineCore, goalId: string, actor: Actor): Promise<GoalView> {
  const { store } = core.deps;
  const goal = core.get(goalId);
  const old = goal.plan;
  if (old === null || (goal.state !== 'failed' && goal.state !== 'interrupted') || core.running.has(goalId)) {
    throw new OpError(
      'Conflict',
      `goal ${goalId} is ${goal.state.replace(/_/g, ' ')}: only a failed or interrupted goal can be revised${goal.state === 'succeeded' ? ' (it needs no new plan)' : ''}`,
    );
  }
  let revision = revisionContext(old);
  const restore = (why: string): never => {
    core.homes.delete(goalId);
    store.setGoalState(goalId, goal.state, goal.message);
    store.recordEvent('plan.revise_failed', goalId, { from: old.id, why: revision.why, reason: why, by: actor.name });
    core.publish(goalId);
    throw new OpError('Failed', `no revised plan for goal ${goalId}: ${why}; the goal is ${goal.state} as before`);
  };
  core.homes.set(goalId, actor.home);
  store.setGoalState(goalId, 'planning', `revising the plan for ${actor.name} after the failure`);
  core.publish(goalId);
  const abort = new AbortController();
  core.planning.set(goalId, abort);
  core.revising.set(goalId, { state: goal.state, message: goal.message });
  // A diagnosis of the failure still being written is waited for: it is part of what the new plan is told.
  const ask = (): Promise<PlanOutcome> => {
    revision = revisionContext(store.getPlan(old.id) ?? old);
    return core.deps.planner.plan({
      text: goal.text,
      home: actor.home,
      goalId,
      signal: abort.signal,
      task: 'revise',
      revision,
    });
  };
  const diagnosing = core.deps.analysis?.settled(goalId, abort.signal) ?? null;
  const outcome = await (
    diagnosing === null
      ? ask()
      : diagnosing.then(() => (abort.signal.aborted ? { kind: 'not_understood' as const, reason: 'cancelled' } : ask()))
  )
    .catch((err: unknown) => ({
      kind: 'not_understood' as const,
      reason: `The planner failed: ${err instanceof Error ? err.message : String(err)}.`,
    }))
    .finally(() => {
      core.planning.delete(goalId);
      core.revising.delete(goalId);
    });
  if (abort.signal.aborted) return core.get(goalId);
  if (outcome.kind === 'not_understood') return restore(outcome.reason);
  const proposed = await propose(
    core,
    goalId,
    { ...outcome, explanation: `revised plan: ${outcome.explanation}` },
    actor,
    { plan: old, why: revision.why },
  );
  return typeof proposed === 'string'
    ? restore(`the ${outcome.tier} planner proposed an invalid plan: ${proposed}`)
    : proposed;
}

/**
 * New arguments for one step of a plan nobody has decided yet: every step is validated and
 * previewed again and saved as a new plan with a new hash, which needs approving again.
 */
export async function editStep(
  core: EngineCore,
  planId: string,
  hash: string,
  stepId: string,
  args: Record<string, unknown>,
  actor: Actor,
): Promise<GoalView> {
  const { store, ledger } = core.deps;
  const plan = store.getPlan(planId);
  if (plan === undefined) throw new OpError('NotFound', `no plan "${planId}"`);
  const editable = (): void => {
    const goal = core.get(plan.goalId);
    if (goal.plan?.id !== planId)
      throw new OpError('Conflict', 'this plan was replaced by an edited one: review the new plan', { goal });
    if (goal.state !== 'awaiting_approval')
      throw new OpError('Conflict', `goal is ${goal.state}: its plan was already decided`, { goal });
    const decided = goal.plan.steps.find((s) => s.state !== 'pending');
    if (decided !== undefined)
      throw new OpError(
        'Conflict',
        `step ${decided.id} was already ${decided.state}: a plan can be edited only before any step is decided`,
        { goal },
      );
  };
  editable();
  if (plan.hash !== hash)
    throw new OpError('Conflict', 'the plan changed since it was reviewed (hash mismatch): review the current plan', {
      hash: plan.hash,
    });
  if (!plan.steps.some((s) => s.id === stepId)) throw new OpError('NotFound', `plan has no step "${stepId}"`);
  const specs: PlanStepSpec[] = plan.steps.map(
    ({ id, agent, tool, args: old, rationale, risk, reversible, dependsOn, verify }) => ({
      id,
      agent,
      tool,
      args: id === stepId ? args : old,
      rationale,
      risk,
      reversible,
      dependsOn,
      ...(verify === undefined ? {} : { verify }),
    }),
  );
  const checked = await checkSteps(core, specs, plan.tier, plan.goalId);
  if (typeof checked === 'string')
    throw new OpError('InvalidParams', `the edited plan does not validate (${checked}); the plan is unchanged`);
  const newHash = planHash(plan.goalId, plan.tier, checked.steps);
  if (newHash === plan.hash)
    throw new OpError('InvalidParams', 'those arguments are the ones the plan already has; nothing was changed');
  editable(); // again: someone may have decided the plan while the previews were computed
  const newId = ulid();
  store.savePlan({
    id: newId,
    goalId: plan.goalId,
    tier: plan.tier,
    hash: newHash,
    steps: checked.steps,
    previews: checked.previews,
  });
  store.recordEvent('plan.edited', plan.goalId, {
    from: planId,
    fromHash: hash,
    planId: newId,
    hash: newHash,
    stepId,
    by: actor.name,
    byUid: actor.uid,
  });
  ledger.append({
    actor: actor.name,
    action: 'plan.edit',
    subject: `${planId}/${stepId}`,
    detail: {
      goalId: plan.goalId,
      planId: newId,
      hash: newHash,
      previousHash: hash,
      args: checked.steps.find((s) => s.id === stepId)?.args ?? args,
    },
  });
  return core.publish(plan.goalId);
}

/** Validates each proposed step against the registry and takes risk and reversibility from the tool, not the planner. */
export async function checkSteps(
  core: EngineCore,
  steps: PlanStepSpec[],
  tier: Tier,
  goalId: string,
): Promise<
  | {
      steps: PlanStepSpec[];
      previews: StepPreview[];
      verdicts: PolicyVerdict[];
      routes: { stepId: string; planned: string; agent: string; reason: string }[];
    }
  | string
> {
  const out: PlanStepSpec[] = [];
  const previews: StepPreview[] = [];
  const routes: { stepId: string; planned: string; agent: string; reason: string }[] = [];
  const ids = new Set<string>();
  for (const step of steps) {
    if (ids.has(step.id)) return `duplicate step id ${step.id}`;
    ids.add(step.id);
    const v = core.deps.registry.validate(step.tool, step.args);
    if (!v.ok) return `step ${step.id}: ${v.error}`;
    const missingDep = step.dependsOn.find((d) => !ids.has(d));
    if (missingDep !== undefined) return `step ${step.id} depends on unknown or later step ${missingDep}`;
    const tool = v.tool;
    // The agent is settled before the hash is taken, so the approval covers who runs the step.
    const route = core.deps.mesh?.route(step, tool.capabilities);
    if (route !== undefined) routes.push({ stepId: step.id, planned: step.agent, ...route });
    out.push({
      ...step,
      agent: route?.agent ?? step.agent,
      args: v.args as Record<string, unknown>,
      risk: tool.risk,
      reversible: tool.reversible || !tool.mutates,
    });
    // As the goal's owner: a diff shows only what its owner may read.
    const preview: StepPreview = await hostOf(core.deps, goalId)
      .preview(tool, v.args)
      .catch((err: unknown) => ({
        summary: `preview failed: ${err instanceof Error ? err.message : String(err)}`,
      }));
    if (step.verify !== undefined) {
      const admitted = await core.runner.verifier.admit(step.verify, tier);
      if (!admitted.ok) return `step ${step.id}: ${admitted.reason}`;
      preview.verify = admitted.line;
    }
    previews.push(preview);
  }
  const verdicts = await judgeSteps(core.policy, core.deps.registry, out, previews, tier);
  return { steps: out, previews, verdicts, routes };
}

/** A plan with a step the policy refuses cannot be approved: it is recorded, audited and closed. */
export function denyPlan(
  core: EngineCore,
  goalId: string,
  planId: string,
  hash: string,
  steps: readonly PlanStepSpec[],
  message: string,
): GoalView {
  for (const step of steps) core.deps.store.updateStep(planId, step.id, { state: 'rejected', error: message });
  core.deps.ledger.append({
    actor: 'policy',
    action: 'policy.denied',
    subject: planId,
    detail: { goalId, hash, reason: message },
  });
  core.homes.delete(goalId);
  core.deps.store.setGoalState(goalId, 'rejected', message);
  return core.publish(goalId);
}
