// Approval: a person's (or a policy's) decision on a plan bound to its hash, each step checked
// against the approver's role and the policy verdict, audited step by step; the run that follows;
// and what a run that ended leaves behind (a learned procedure, a diagnosis of a failure).
import type { GoalView, PlanView, StepView } from '../../protocol/model.js';
import { approvalRefusal, type Actor } from '../approval-policy.js';
import { verdictOf } from '../plan-policy.js';
import { OpError } from '../op-error.js';
import type { Decision, EngineCore } from './engine-core.js';

/** `confirm`: the person explicitly confirmed the steps that need it (irreversible, require_confirm…). */
export function decide(
  core: EngineCore,
  planId: string,
  hash: string,
  decision: Decision,
  stepIds: string[] | undefined,
  actor: Actor,
  confirm = false,
): GoalView {
  const goal =
    core.deps.store.getPlan(planId) === undefined
      ? undefined
      : core.get((core.deps.store.getPlan(planId) as PlanView).goalId);
  if (goal?.state === 'interrupted' && decision === 'approve')
    return reapprove(core, planId, hash, stepIds, actor, confirm);
  return approve(core, planId, hash, stepIds, actor, decision, confirm);
}

export function approve(
  core: EngineCore,
  planId: string,
  hash: string,
  stepIds: string[] | undefined,
  actor: Actor,
  decision: Decision,
  confirm = false,
): GoalView {
  const { store, ledger } = core.deps;
  const plan = store.getPlan(planId);
  if (plan === undefined) throw new OpError('NotFound', `no plan "${planId}"`);
  const goal = core.get(plan.goalId);
  if (goal.plan !== null && goal.plan.id !== planId) {
    throw new OpError(
      'Conflict',
      'this plan was replaced by an edited or revised one: review the new plan and approve it',
      { goal },
    );
  }
  if (plan.hash !== hash) {
    ledger.append({
      actor: actor.name,
      action: 'plan.denied',
      subject: planId,
      detail: { reason: 'hash mismatch', offered: hash, current: plan.hash },
    });
    throw new OpError(
      'Conflict',
      'the plan changed since it was reviewed (hash mismatch): review the current plan and approve again',
      { hash: plan.hash },
    );
  }
  if (goal.state !== 'awaiting_approval') {
    throw new OpError('Conflict', `goal is ${goal.state}: its plan was already decided`, { goal });
  }
  const targets = selectSteps(plan, stepIds);
  if (decision === 'approve') {
    refuseUnrecordable(core, planId, hash, targets, actor);
    for (const step of targets) {
      const refusal = approvalRefusal(actor, step, verdictOf(step), confirm);
      if (refusal !== null) {
        ledger.append({
          actor: actor.name,
          action: 'plan.denied',
          subject: `${planId}/${step.id}`,
          detail: { reason: refusal, hash },
        });
        throw new OpError('Unauthorized', refusal);
      }
    }
  }
  const state = decision === 'approve' ? 'approved' : decision === 'skip' ? 'skipped' : 'rejected';
  const configured = core.configuredApprover.get(goal.id) === actor.name;
  for (const step of targets) {
    store.updateStep(planId, step.id, { state, approvedBy: actor.name });
    ledger.append({
      actor: actor.name,
      action: `plan.${decision}`,
      subject: `${planId}/${step.id}`,
      detail: {
        goalId: goal.id,
        hash,
        tool: step.tool,
        args: step.args,
        risk: step.risk,
        // A policy the admin configured (auto_patch) approves with the admin's authority, and says so.
        role: actor.name.startsWith('policy:') && !configured ? 'policy' : actor.role,
        confirmed: confirm,
        ...(configured ? { configured: true } : {}),
      },
    });
  }
  const after = store.getPlan(planId) as PlanView;
  if (after.steps.some((s) => s.state === 'pending')) return core.publish(goal.id);
  if (after.steps.some((s) => s.state === 'approved')) {
    store.setGoalState(goal.id, 'running', null);
    const run = core.runner
      .run(goal.id, after)
      .then(() => afterRun(core, goal.id))
      .finally(() => core.running.delete(goal.id));
    core.running.set(goal.id, run);
    return core.publish(goal.id);
  }
  core.homes.delete(goal.id);
  store.setGoalState(goal.id, 'rejected', `rejected by ${actor.name}`);
  return core.publish(goal.id);
}

/**
 * Approves again steps of an interrupted goal whose outcome is unknown: each must be named,
 * and confirm must say that the person knows it may already have run. They run on resume.
 */
export function reapprove(
  core: EngineCore,
  planId: string,
  hash: string,
  stepIds: string[] | undefined,
  actor: Actor,
  confirm: boolean,
): GoalView {
  const { store, ledger } = core.deps;
  const plan = store.getPlan(planId) as PlanView;
  if (plan.hash !== hash)
    throw new OpError(
      'Conflict',
      'the plan changed since it was reviewed (hash mismatch): review the current plan and approve again',
      { hash: plan.hash },
    );
  const unknown = plan.steps.filter((s) => s.state === 'outcome_unknown');
  if (stepIds === undefined || stepIds.length === 0) {
    throw new OpError(
      'InvalidParams',
      `name the steps to run again: ${unknown.map((s) => s.id).join(', ') || 'none has an unknown outcome'}; each may already have run`,
    );
  }
  const targets = stepIds.map((id) => {
    const step = plan.steps.find((s) => s.id === id);
    if (step === undefined) throw new OpError('NotFound', `plan has no step "${id}"`);
    if (step.state !== 'outcome_unknown')
      throw new OpError(
        'Conflict',
        `step ${id} is ${step.state.replace(/_/g, ' ')}: only a step whose outcome is unknown is approved again (resume runs the ones that never started)`,
      );
    return step;
  });
  if (!confirm) {
    throw new OpError(
      'Conflict',
      `${targets.map((s) => s.id).join(', ')} may already have run, in full or in part (aiosd stopped while ${targets.length === 1 ? 'it' : 'they'} ran); approving again means running again: confirm to do it`,
    );
  }
  refuseUnrecordable(core, planId, hash, targets, actor);
  for (const step of targets) {
    const refusal = approvalRefusal(actor, step, verdictOf(step), true);
    if (refusal !== null) throw new OpError('Unauthorized', refusal);
  }
  for (const step of targets) {
    store.updateStep(planId, step.id, { state: 'approved', approvedBy: actor.name, error: null });
    ledger.append({
      actor: actor.name,
      action: 'plan.approve',
      subject: `${planId}/${step.id}`,
      detail: {
        goalId: plan.goalId,
        hash,
        tool: step.tool,
        args: step.args,
        risk: step.risk,
        role: actor.role,
        confirmed: true,
        again: 'its outcome was unknown: it may already have run',
      },
    });
  }
  store.setGoalState(
    plan.goalId,
    'interrupted',
    `${targets.map((s) => s.id).join(', ')} approved again by ${actor.name}, knowing ${targets.length === 1 ? 'it' : 'they'} may already have run; resume to run ${targets.length === 1 ? 'it' : 'them'}`,
  );
  return core.publish(plan.goalId);
}

/** A change approved now could not have its snapshot and audit record written: refused, saying what to do. */
export function refuseUnrecordable(
  core: EngineCore,
  planId: string,
  hash: string,
  targets: readonly StepView[],
  actor: Actor,
): void {
  const changing = targets.filter((st) => core.mutates(st.tool));
  const problem = changing.length === 0 ? null : (core.deps.stateSpace?.problem() ?? null);
  if (problem === null) return;
  const message = `cannot approve ${changing.map((st) => `${st.id} (${st.tool})`).join(', ')}: ${problem}`;
  try {
    core.deps.ledger.append({
      actor: actor.name,
      action: 'plan.denied',
      subject: planId,
      detail: { reason: message, hash },
    });
  } catch {
    /* a read-only ledger cannot record the refusal; the person is still told */
  }
  throw new OpError('StateUnavailable', message);
}

export function selectSteps(plan: PlanView, stepIds: string[] | undefined): StepView[] {
  if (stepIds === undefined) {
    const pending = plan.steps.filter((s) => s.state === 'pending');
    if (pending.length === 0) throw new OpError('Conflict', 'every step of this plan was already decided');
    return pending;
  }
  return stepIds.map((id) => {
    const step = plan.steps.find((s) => s.id === id);
    if (step === undefined) throw new OpError('NotFound', `plan has no step "${id}"`);
    if (step.state !== 'pending')
      throw new OpError(
        'Conflict',
        `step ${id} was already ${step.state}${step.approvedBy === null ? '' : ` by ${step.approvedBy}`}`,
      );
    return step;
  });
}

/** A plan ran to its end: a success is learned; a failure is diagnosed in the background, its state untouched. */
export function afterRun(core: EngineCore, goalId: string): void {
  learn(core, goalId);
  core.deps.analysis?.start(goalId);
}

/** A goal a model planned, that succeeded, becomes a procedure the next identical goal reuses. */
export function learn(core: EngineCore, goalId: string): void {
  const home = core.homes.get(goalId);
  core.homes.delete(goalId);
  const goal = core.deps.store.getGoal(goalId);
  const plan = goal?.plan;
  if (
    core.deps.procedures === undefined ||
    home === undefined ||
    goal === undefined ||
    plan === null ||
    plan === undefined
  )
    return;
  if (goal.state !== 'succeeded' || (plan.tier !== 'local' && plan.tier !== 'cloud')) return;
  const steps = plan.steps.map(({ id, agent, tool, args, rationale, risk, reversible, dependsOn, verify }) => ({
    id,
    agent,
    tool,
    args,
    rationale,
    risk,
    reversible,
    dependsOn,
    ...(verify === undefined ? {} : { verify }),
  }));
  core.deps.procedures.learn(goal.text, plan.tier, steps, home);
}
