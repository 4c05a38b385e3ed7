// The goal engine: goal → plan (with previews, hashed) → approval → execution → rollback.
// It persists every transition, audits every decision and tool call, and streams events.
import { ulid } from 'ulid';
import type { DaemonEvent } from '../protocol/events.js';
import type { RollbackPreview } from '../protocol/methods.js';
import type { GoalView, PlanStepSpec, PlanView, StepPreview, StepView, Tier } from '../protocol/model.js';
import type { AuditLedger } from '../memory/audit-ledger.js';
import type { ExecJournal } from '../memory/exec-journal.js';
import type { GoalStore } from '../memory/goal-store.js';
import type { MemoryStore } from '../memory/memory-store.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { SnapshotStore } from '../recovery/snapshot-store.js';
import type { PolicyEngine, PolicyVerdict } from '../policy/policy-engine.js';
import { approvalRefusal, autoApprovalPolicy, type Actor, type Autonomy } from './approval-policy.js';
import type { SecurityMode } from '../protocol/vocabulary.js';
import { directPlanner } from './direct-planner.js';
import type { FailureAnalysis } from './failure-analysis.js';
import { createPolicy, denialMessage, judgeSteps, verdictOf } from './plan-policy.js';
import { OpError } from './op-error.js';
import { planHash } from './plan-hash.js';
import type { PlanOutcome, Planner } from './planner.js';
import { revisionContext } from './revision-context.js';
import { previewRollback, undoPlan } from './rollback-preview.js';
import type { ProcedureStore } from './procedure-store.js';
import type { AgentMesh } from './mesh/agent-mesh.js';
import { StepRunner } from './step-runner.js';
import { hostOf, type RunAs } from '../runas/step-host.js';
import { cancelledSummary } from './step-brakes.js';
import { StepRecovery } from './step-recovery.js';

export interface GoalEngineDeps {
  store: GoalStore;
  planner: Planner;
  registry: ToolRegistry;
  snapshots: SnapshotStore;
  ledger: AuditLedger;
  memory: MemoryStore;
  emit: (event: DaemonEvent) => void;
  securityMode: () => SecurityMode;
  /** Where succeeded model-planned goals are learned; absent in tests that do not need it. */
  procedures?: ProcedureStore;
  /** Judges every step at plan time and again before it runs; a default policy (built-in rules) when absent. */
  policy?: PolicyEngine;
  /** The agent mesh: routes each step to an agent at plan time and runs it on that agent's queue. */
  mesh?: AgentMesh;
  /** How long an agent may take over one step before it is isolated (tool timeouts are shorter). */
  stepDeadlineMs?: (tool: string, args: Record<string, unknown>) => number;
  /** Wraps a read-only command in the sandbox; null where the sandbox cannot run. */
  sandbox?: ((argv: readonly string[]) => string[]) | null;
  /** Wraps a writing command in the sandbox with only these paths writable; null where the sandbox cannot run. */
  writeSandbox?: ((argv: readonly string[], writable: readonly string[]) => string[]) | null;
  /** What may run without a person; supervised (read-only plans only) when absent. */
  autonomy?: () => Autonomy;
  /** Whether the state directory can take a change's snapshot and records (disk full, read-only); absent: always. */
  stateSpace?: StateGuard;
  /** Diagnoses a failed goal's failed steps in the background (the analyse task); absent: none. */
  analysis?: Pick<FailureAnalysis, 'start' | 'settled' | 'cancel'>;
  /** Whose credentials a goal's steps and previews run with (its owner's); absent: the daemon's. */
  runAs?: RunAs;
  /** Each step's start, processes and end, durably: after a crash, what started and never ended is an outcome unknown. */
  journal?: ExecJournal;
}

/** The state directory's word on writing: why a change cannot be recorded now, or null. */
export interface StateGuard {
  problem(): string | null;
  readonly readOnly: boolean;
}

/** skip: the step does not run, the others do (steps that depend on it are skipped too). */
export type Decision = 'approve' | 'reject' | 'skip';

export class GoalEngine {
  private readonly running = new Map<string, Promise<void>>();
  /** Goals being planned now: cancelling one aborts its model call in flight. */
  private readonly planning = new Map<string, AbortController>();
  /** Goals submitted with a lower autonomy than the node's, until their first plan is proposed. */
  private readonly autonomyOf = new Map<string, Autonomy['level']>();
  /** Goals whose plan an explicit policy of the node's configuration approves ([security] auto_patch), by that policy's name. */
  private readonly configuredApprover = new Map<string, string>();
  /** Goals being revised now, with the state they go back to if the revision is cancelled. */
  private readonly revising = new Map<string, { state: GoalView['state']; message: string | null }>();
  /** The submitter's home per goal: relative paths in its plan were resolved against it. */
  private readonly homes = new Map<string, string>();
  private readonly runner: StepRunner;
  private readonly policy: PolicyEngine;
  /** Steps a previous aiosd left running: settled from the journal, their processes adopted. */
  private readonly recovery: StepRecovery | null;

  constructor(private readonly deps: GoalEngineDeps) {
    this.policy = deps.policy ?? createPolicy({ mode: deps.securityMode });
    this.runner = new StepRunner({ ...deps, policy: this.policy });
    this.recovery = deps.journal === undefined ? null : new StepRecovery({ ...deps, journal: deps.journal });
  }

  /** One tool call as a one-step plan (the 'direct' tier), through the same checks as any plan. */
  submitDirect(tool: string, args: Record<string, unknown>, actor: Actor): Promise<GoalView> {
    return this.submit(
      `aios tool ${tool} ${JSON.stringify(args)}`,
      actor,
      directPlanner(tool, args, this.deps.registry),
    );
  }

  /**
   * `task`: analyse for goals that diagnose output (the monitor's), so the router picks for reading, not changing.
   * `autonomy`: a lower level than the node's for this goal's first plan (a [[schedule]] entry's); never a higher one.
   * `approver`: "policy:…", an explicit policy an admin configured that approves this goal's first plan
   *   (auto_patch, for the plan aiOS itself made from that configuration); the plan is still judged,
   *   and one with a step policy denies is denied. Internal callers only: no RPC method sets it.
   */
  async submit(
    text: string,
    actor: Actor,
    planner: Planner = this.deps.planner,
    opts: { task?: 'plan' | 'analyse'; autonomy?: Autonomy['level']; approver?: `policy:${string}` } = {},
  ): Promise<GoalView> {
    const { store } = this.deps;
    const goalId = ulid();
    if (opts.autonomy !== undefined) this.autonomyOf.set(goalId, opts.autonomy);
    if (opts.approver !== undefined) this.configuredApprover.set(goalId, opts.approver);
    store.createGoal({ id: goalId, text, state: 'planning', submittedBy: actor.name, submittedUid: actor.uid });
    this.homes.set(goalId, actor.home);
    this.publish(goalId);
    const abort = new AbortController();
    this.planning.set(goalId, abort);
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
      .finally(() => this.planning.delete(goalId));
    // Cancelled while it was planned: cancel() already closed the goal; whatever came back is dropped.
    if (abort.signal.aborted || outcome.kind === 'not_understood') {
      this.autonomyOf.delete(goalId);
      this.configuredApprover.delete(goalId);
    }
    if (abort.signal.aborted) return this.get(goalId);
    if (outcome.kind === 'not_understood') {
      this.homes.delete(goalId);
      store.setGoalState(goalId, 'not_understood', outcome.reason);
      return this.publish(goalId);
    }
    const proposed = await this.propose(goalId, outcome, actor).finally(() => {
      this.autonomyOf.delete(goalId);
      this.configuredApprover.delete(goalId);
    });
    if (typeof proposed !== 'string') return proposed;
    store.setGoalState(goalId, 'not_understood', `The ${outcome.tier} planner proposed an invalid plan: ${proposed}`);
    return this.publish(goalId);
  }

  /**
   * A planned outcome through everything any plan goes through: validation, previews, routing,
   * the hash, policy, and approval (by a person, or the autonomy policy). `revises`: the failed
   * plan this one replaces (goal/revise). A string: why the plan does not validate (nothing saved).
   */
  private async propose(
    goalId: string,
    outcome: Extract<PlanOutcome, { kind: 'plan' }>,
    actor: Actor,
    revises?: { plan: PlanView; why: string },
  ): Promise<GoalView | string> {
    const { store } = this.deps;
    const checked = await this.checkSteps(outcome.steps, outcome.tier, goalId);
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
      this.deps.ledger.append({
        actor: actor.name,
        action: 'plan.revise',
        subject: goalId,
        detail: { from: revises.plan.id, planId, hash, previousHash: revises.plan.hash, why: revises.why },
      });
    }
    for (const r of checked.routes) store.recordEvent('step.routed', goalId, { planId, ...r });
    const denied = denialMessage(checked.steps, checked.verdicts);
    if (denied !== null) return this.denyPlan(goalId, planId, hash, checked.steps, denied);
    const unrecordable = checked.steps.some((st) => this.mutates(st.tool))
      ? (this.deps.stateSpace?.problem() ?? null)
      : null;
    store.setGoalState(
      goalId,
      'awaiting_approval',
      unrecordable === null ? outcome.explanation : `cannot be approved now: ${unrecordable}`,
    );
    // A configured policy approves as the admin who wrote it would, confirming what needs confirming; never a revision.
    const configured = revises === undefined ? this.configuredApprover.get(goalId) : undefined;
    if (configured !== undefined && unrecordable === null)
      return this.approve(planId, hash, undefined, { ...actor, name: configured }, 'approve', true);
    const policy = autoApprovalPolicy(
      this.deps.securityMode(),
      checked.verdicts,
      checked.steps,
      this.autonomyFor(goalId),
    );
    if (policy !== null) return this.approve(planId, hash, undefined, { ...actor, name: policy }, 'approve');
    return this.publish(goalId);
  }

  /**
   * Stops a goal in any state, audited with who asked. Planning: the model call in flight is
   * aborted and nothing runs. Awaiting approval: nothing runs. Running (or queued on its agents):
   * nothing more starts, and each running step's process tree is ended (afterStep: running steps
   * finish first); the goal ends cancelled when its run does. Interrupted: it will not be resumed,
   * and processes adopted at the restart are ended.
   */
  cancel(goalId: string, actor: Actor, opts: { afterStep?: boolean } = {}): GoalView {
    const goal = this.get(goalId);
    const brakes = this.brake(goal, actor, opts.afterStep === true);
    if (brakes !== null) return brakes;
    const abort = this.planning.get(goalId);
    // A failed goal whose steps a model is diagnosing: the diagnosis stops; the goal stays as it is.
    if (
      (goal.state !== 'planning' || abort === undefined) &&
      this.deps.analysis?.cancel(goalId, `cancelled by ${actor.name}`) === true
    ) {
      this.deps.ledger.append({
        actor: actor.name,
        action: 'goal.cancel',
        subject: goalId,
        detail: { state: goal.state, text: goal.text, stopped: 'step analysis' },
      });
      return goal;
    }
    if (goal.state !== 'planning' || abort === undefined) {
      throw new OpError(
        'Conflict',
        `goal ${goalId} is ${goal.state.replace(/_/g, ' ')}: it has ended; there is nothing to cancel`,
      );
    }
    this.planning.delete(goalId);
    this.homes.delete(goalId);
    this.deps.ledger.append({
      actor: actor.name,
      action: 'goal.cancel',
      subject: goalId,
      detail: { state: goal.state, text: goal.text },
    });
    // A cancelled revision leaves the goal as it was (failed, with its plan, which can still be rolled back).
    const before = this.revising.get(goalId);
    if (before !== undefined) {
      this.deps.store.recordEvent('plan.revise_failed', goalId, {
        from: goal.plan?.id ?? null,
        reason: `cancelled by ${actor.name}`,
        by: actor.name,
      });
      this.deps.store.setGoalState(goalId, before.state, before.message);
    } else {
      this.deps.store.setGoalState(goalId, 'cancelled', `cancelled by ${actor.name} while it was planned`);
    }
    abort.abort(new Error(`cancelled by ${actor.name}`));
    return this.publish(goalId);
  }

  /** cancel() for a goal that is past planning: running, queued, awaiting approval or interrupted; null for the others. */
  private brake(goal: GoalView, actor: Actor, afterStep: boolean): GoalView | null {
    const { store, ledger } = this.deps;
    const audit = (detail: Record<string, unknown>): void => {
      ledger.append({
        actor: actor.name,
        action: 'goal.cancel',
        subject: goal.id,
        detail: { state: goal.state, text: goal.text, afterStep, ...detail },
      });
    };
    // Its run may have just ended (the goal is about to say how): then there is nothing to stop.
    const stopped = goal.state === 'running' ? this.runner.stop(goal.id, actor.name, afterStep) : null;
    if (stopped !== null) {
      audit({ stopping: stopped.stopping, dequeued: stopped.dequeued });
      store.setGoalState(
        goal.id,
        'running',
        afterStep
          ? `cancelled by ${actor.name}: the running step finishes, nothing more starts`
          : `cancelled by ${actor.name}: its running steps are being stopped`,
      );
      return this.publish(goal.id);
    }
    if (goal.state === 'awaiting_approval' || goal.state === 'interrupted') {
      const plan = goal.plan;
      const adopted = this.recovery?.watching(goal.id) ?? [];
      audit({ adopted });
      for (const step of plan?.steps ?? []) {
        if (step.state === 'pending' || step.state === 'approved')
          store.updateStep(plan?.id ?? '', step.id, {
            state: 'skipped',
            error: `never started: the goal was cancelled by ${actor.name}`,
          });
      }
      this.homes.delete(goal.id);
      const summary = (): void => {
        const steps = store.getPlan(plan?.id ?? '')?.steps ?? [];
        store.setGoalState(
          goal.id,
          'cancelled',
          cancelledSummary(actor.name, false, steps) +
            (adopted.length > 0 ? `; ended the processes of ${adopted.join(', ')} that outlived the last aiosd` : ''),
        );
        this.publish(goal.id);
      };
      if (adopted.length === 0) {
        summary();
      } else {
        // Its processes are ended in the background (SIGTERM, then SIGKILL): the goal says so when they are gone.
        store.setGoalState(
          goal.id,
          'interrupted',
          `cancelled by ${actor.name}: ending the processes of ${adopted.join(', ')} that outlived the last aiosd`,
        );
        void this.recovery?.stop(goal.id).then(summary, summary);
      }
      return this.publish(goal.id);
    }
    return null;
  }

  /**
   * aios agents stop: every step queued on the agent never starts, every step it runs is stopped
   * (process tree and all); with hold it takes no new work until agents/start. Audited.
   */
  stopAgent(
    name: string,
    actor: Actor,
    hold: boolean,
  ): { agent: string; stopped: string[]; cancelled: string[]; held: boolean } {
    const r = this.runner.stopAgent(name, actor.name, hold);
    this.deps.ledger.append({
      actor: actor.name,
      action: 'agents.stop',
      subject: name,
      detail: { hold, stopped: r.stopped, cancelled: r.cancelled },
    });
    return { agent: name, ...r, held: hold };
  }

  /** An agent held by stopAgent takes work again. Audited. */
  startAgent(name: string, actor: Actor): { agent: string; held: boolean } {
    const agent = this.deps.mesh?.get(name);
    if (agent === undefined) throw new OpError('NotFound', `no agent "${name}"; list them with 'aios agents'`);
    agent.hold(null);
    this.deps.ledger.append({ actor: actor.name, action: 'agents.start', subject: name, detail: {} });
    return { agent: name, held: false };
  }

  /**
   * Asks the planner for a new plan for a goal whose plan failed (or was interrupted), with the
   * failure as context. The new plan is attached to the same goal and needs approving like any
   * plan: the old approval covers the old plan only. Without a new plan the goal stays as it was.
   */
  async revise(goalId: string, actor: Actor): Promise<GoalView> {
    const { store } = this.deps;
    const goal = this.get(goalId);
    const old = goal.plan;
    if (old === null || (goal.state !== 'failed' && goal.state !== 'interrupted') || this.running.has(goalId)) {
      throw new OpError(
        'Conflict',
        `goal ${goalId} is ${goal.state.replace(/_/g, ' ')}: only a failed or interrupted goal can be revised${goal.state === 'succeeded' ? ' (it needs no new plan)' : ''}`,
      );
    }
    let revision = revisionContext(old);
    const restore = (why: string): never => {
      this.homes.delete(goalId);
      store.setGoalState(goalId, goal.state, goal.message);
      store.recordEvent('plan.revise_failed', goalId, { from: old.id, why: revision.why, reason: why, by: actor.name });
      this.publish(goalId);
      throw new OpError('Failed', `no revised plan for goal ${goalId}: ${why}; the goal is ${goal.state} as before`);
    };
    this.homes.set(goalId, actor.home);
    store.setGoalState(goalId, 'planning', `revising the plan for ${actor.name} after the failure`);
    this.publish(goalId);
    const abort = new AbortController();
    this.planning.set(goalId, abort);
    this.revising.set(goalId, { state: goal.state, message: goal.message });
    // A diagnosis of the failure still being written is waited for: it is part of what the new plan is told.
    const ask = (): Promise<PlanOutcome> => {
      revision = revisionContext(store.getPlan(old.id) ?? old);
      return this.deps.planner.plan({
        text: goal.text,
        home: actor.home,
        goalId,
        signal: abort.signal,
        task: 'revise',
        revision,
      });
    };
    const diagnosing = this.deps.analysis?.settled(goalId, abort.signal) ?? null;
    const outcome = await (
      diagnosing === null
        ? ask()
        : diagnosing.then(() =>
            abort.signal.aborted ? { kind: 'not_understood' as const, reason: 'cancelled' } : ask(),
          )
    )
      .catch((err: unknown) => ({
        kind: 'not_understood' as const,
        reason: `The planner failed: ${err instanceof Error ? err.message : String(err)}.`,
      }))
      .finally(() => {
        this.planning.delete(goalId);
        this.revising.delete(goalId);
      });
    if (abort.signal.aborted) return this.get(goalId);
    if (outcome.kind === 'not_understood') return restore(outcome.reason);
    const proposed = await this.propose(
      goalId,
      { ...outcome, explanation: `revised plan: ${outcome.explanation}` },
      actor,
      { plan: old, why: revision.why },
    );
    return typeof proposed === 'string'
      ? restore(`the ${outcome.tier} planner proposed an invalid plan: ${proposed}`)
      : proposed;
  }

  /** `confirm`: the person explicitly confirmed the steps that need it (irreversible, require_confirm…). */
  decide(
    planId: string,
    hash: string,
    decision: Decision,
    stepIds: string[] | undefined,
    actor: Actor,
    confirm = false,
  ): GoalView {
    const goal =
      this.deps.store.getPlan(planId) === undefined
        ? undefined
        : this.get((this.deps.store.getPlan(planId) as PlanView).goalId);
    if (goal?.state === 'interrupted' && decision === 'approve')
      return this.reapprove(planId, hash, stepIds, actor, confirm);
    return this.approve(planId, hash, stepIds, actor, decision, confirm);
  }

  /**
   * Approves again steps of an interrupted goal whose outcome is unknown: each must be named,
   * and confirm must say that the person knows it may already have run. They run on resume.
   */
  private reapprove(
    planId: string,
    hash: string,
    stepIds: string[] | undefined,
    actor: Actor,
    confirm: boolean,
  ): GoalView {
    const { store, ledger } = this.deps;
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
    this.refuseUnrecordable(planId, hash, targets, actor);
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
    return this.publish(plan.goalId);
  }

  /** A plan with a step the policy refuses cannot be approved: it is recorded, audited and closed. */
  private denyPlan(
    goalId: string,
    planId: string,
    hash: string,
    steps: readonly PlanStepSpec[],
    message: string,
  ): GoalView {
    for (const step of steps) this.deps.store.updateStep(planId, step.id, { state: 'rejected', error: message });
    this.deps.ledger.append({
      actor: 'policy',
      action: 'policy.denied',
      subject: planId,
      detail: { goalId, hash, reason: message },
    });
    this.homes.delete(goalId);
    this.deps.store.setGoalState(goalId, 'rejected', message);
    return this.publish(goalId);
  }

  /**
   * New arguments for one step of a plan nobody has decided yet: every step is validated and
   * previewed again and saved as a new plan with a new hash, which needs approving again.
   */
  async editStep(
    planId: string,
    hash: string,
    stepId: string,
    args: Record<string, unknown>,
    actor: Actor,
  ): Promise<GoalView> {
    const { store, ledger } = this.deps;
    const plan = store.getPlan(planId);
    if (plan === undefined) throw new OpError('NotFound', `no plan "${planId}"`);
    const editable = (): void => {
      const goal = this.get(plan.goalId);
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
    const checked = await this.checkSteps(specs, plan.tier, plan.goalId);
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
    return this.publish(plan.goalId);
  }

  /** The node's autonomy, lowered for a goal submitted with less (never raised: the lower level wins). */
  private autonomyFor(goalId: string): Autonomy | undefined {
    const node = this.deps.autonomy?.();
    const asked = this.autonomyOf.get(goalId);
    if (asked === undefined) return node;
    const base = node ?? { level: 'supervised', allow: [] }; // autoApprovalPolicy's own default
    const rank = { manual: 0, supervised: 1, full: 2 } as const;
    return { level: rank[asked] < rank[base.level] ? asked : base.level, allow: base.allow };
  }

  get(goalId: string): GoalView {
    const goal = this.deps.store.getGoal(goalId);
    if (goal === undefined)
      throw new OpError('NotFound', `no goal "${goalId}"; list goals with 'aios status' or the TUI`);
    return goal;
  }

  /** Undo every reversible step of a goal that ran, last first. */
  async rollback(goalId: string, actor: Actor): Promise<GoalView> {
    const goal = this.get(goalId);
    if (this.running.has(goalId)) throw new OpError('Conflict', 'the goal is still running; wait for it to finish');
    // A rollback changes the node; one the ledger cannot record is not done. (A full disk is
    // fine: the reserve given back leaves room for its records, and it writes its targets, not the state dir.)
    if (this.deps.stateSpace?.readOnly === true) {
      throw new OpError(
        'StateUnavailable',
        `cannot roll back goal ${goalId}: ${this.deps.stateSpace.problem() ?? 'the state directory is read-only'}`,
      );
    }
    const plan = goal.plan;
    if (plan === null || !['succeeded', 'failed', 'interrupted', 'cancelled'].includes(goal.state)) {
      throw new OpError('Conflict', `goal ${goalId} is ${goal.state}: only a goal that ran can be rolled back`);
    }
    // Every plan that ran counts, newest first: a revised plan runs after the failed one it
    // replaced, and what the failed one changed is still in effect until this undoes it.
    const { undoable, irreversible } = undoPlan(this.deps.store, goalId, (t) => this.mutates(t));
    if (undoable.length === 0) {
      throw new OpError(
        'Conflict',
        irreversible.length > 0
          ? `nothing reversible to roll back: ${irreversible.map((s) => `${s.id} (${s.tool})`).join(', ')} cannot be undone`
          : 'nothing to roll back: this goal changed nothing',
      );
    }
    // Undoing a step changes the node as much as doing it: judged as the person rolling back.
    for (const step of undoable) {
      const refusal = approvalRefusal(actor, step, verdictOf(step), true);
      if (refusal === null) continue;
      this.deps.ledger.append({
        actor: actor.name,
        action: 'goal.rollback_denied',
        subject: goalId,
        detail: { planId: step.planId, stepId: step.id, reason: refusal },
      });
      throw new OpError('Unauthorized', `cannot roll back goal ${goalId}: ${refusal}`);
    }
    this.deps.ledger.append({
      actor: actor.name,
      action: 'goal.rollback',
      subject: goalId,
      detail: { planId: plan.id, steps: undoable.map((s) => (s.planId === plan.id ? s.id : `${s.planId}/${s.id}`)) },
    });
    const restored: string[] = [];
    const problems: string[] = [];
    // Judged as the person rolling back: the daemon restores as root, so only where the kernel
    // lets that person write now (an admin's and the daemon's own rollbacks: everywhere).
    const judge = this.deps.runAs?.hostFor(actor.uid);
    for (const step of undoable) {
      const snapshotId = step.snapshotId as string;
      const refused =
        (await judge
          ?.mayWrite(this.deps.snapshots.entries(snapshotId).map((e) => e.path))
          .catch((err: unknown) => String(err))) ?? null;
      if (refused !== null) {
        problems.push(`${step.id}: ${refused}`);
        continue;
      }
      const r = await this.deps.snapshots.restore(snapshotId);
      // Machine state (services, packages, the firewall) is named by what was done to bring it
      // back: a service rollback restores no path, and "restored " alone would hide it.
      const stateActions = r.states.flatMap((s) => s.actions.map((a) => `${s.kind}: ${a}`));
      restored.push(...r.restored, ...stateActions);
      problems.push(...r.problems);
      this.deps.store.updateStep(step.planId, step.id, { state: 'rolled_back' });
      this.deps.ledger.append({
        actor: actor.name,
        action: 'snapshot.restore',
        subject: snapshotId,
        detail: {
          goalId,
          planId: step.planId,
          stepId: step.id,
          paths: r.restored,
          states: stateActions,
          problems: r.problems,
        },
      });
    }
    const note =
      (irreversible.length > 0 ? `; not reversible, left as is: ${irreversible.map((s) => s.id).join(', ')}` : '') +
      (problems.length > 0 ? `; NOT brought back: ${problems.join('; ')}` : '');
    this.deps.store.setGoalState(
      goalId,
      'rolled_back',
      `rolled back by ${actor.name}: restored ${restored.length === 0 ? 'nothing (already as before)' : restored.join(', ')}${note}`,
    );
    return this.publish(goalId);
  }

  /** What rollback() would restore and remove now, computed from the goal's snapshots; changes nothing. */
  rollbackPreview(goalId: string): Promise<RollbackPreview> {
    this.get(goalId);
    return previewRollback(
      goalId,
      undoPlan(this.deps.store, goalId, (t) => this.mutates(t)),
      this.deps.snapshots,
    );
  }

  /**
   * Picks an interrupted goal up where it stopped: approved steps that never started run under
   * the approval they already had. A step whose outcome is unknown (it started, and aiosd
   * stopped before its end was recorded) is not run again unless it was approved again.
   */
  resume(goalId: string, actor: Actor): GoalView {
    const goal = this.get(goalId);
    if (goal.state !== 'interrupted' || goal.plan === null)
      throw new OpError('Conflict', `goal ${goalId} is ${goal.state}: only an interrupted goal can be resumed`);
    const plan = goal.plan;
    const adopted = this.recovery?.watching(goalId) ?? [];
    if (adopted.length > 0) {
      throw new OpError(
        'Conflict',
        `step ${adopted.join(', ')} still runs: its processes outlived the last aiosd and are watched until they end; wait for them, or cancel the goal to end them`,
      );
    }
    const after = this.deps.store.getPlan(plan.id) as PlanView;
    if (!after.steps.some((s) => s.state === 'approved')) {
      const unknown = after.steps.filter((s) => s.state === 'outcome_unknown').map((s) => s.id);
      throw new OpError(
        'Conflict',
        unknown.length > 0
          ? `nothing left to run that never started; ${unknown.join(', ')} may already have run (outcome unknown): to run ${unknown.length === 1 ? 'it' : 'them'} again, approve ${unknown.length === 1 ? 'it' : 'them'} again with confirm (aios goal resume ${goalId} --rerun ${unknown.join(',')})`
          : 'nothing left to run: every step finished before the interruption',
      );
    }
    this.deps.ledger.append({
      actor: actor.name,
      action: 'goal.resume',
      subject: goalId,
      detail: { planId: plan.id, hash: plan.hash },
    });
    this.deps.store.setGoalState(goalId, 'running', `resumed by ${actor.name}`);
    const run = this.runner
      .run(goalId, after)
      .then(() => this.deps.analysis?.start(goalId))
      .finally(() => this.running.delete(goalId));
    this.running.set(goalId, run);
    return this.publish(goalId);
  }

  /** The goal once its run (if one is under way) has ended. */
  async settled(goalId: string): Promise<GoalView> {
    await this.running.get(goalId);
    return this.get(goalId);
  }

  /** Resolves when every goal now running has finished (for orderly shutdown and tests); adopted processes are no longer watched. */
  async idle(): Promise<void> {
    await Promise.all([...this.running.values()]);
    this.recovery?.close();
  }

  /**
   * Marks goals caught mid-run by a previous daemon as interrupted; first, each step it left
   * running is settled from the execution journal (never started, or outcome unknown, its
   * processes adopted if they still run).
   */
  recoverInterrupted(): string[] {
    this.recovery?.settle();
    const ids = this.deps.store.markInterrupted();
    for (const id of ids)
      this.deps.ledger.append({ actor: 'aiosd', action: 'goal.interrupted', subject: id, detail: {} });
    return ids;
  }

  private approve(
    planId: string,
    hash: string,
    stepIds: string[] | undefined,
    actor: Actor,
    decision: Decision,
    confirm = false,
  ): GoalView {
    const { store, ledger } = this.deps;
    const plan = store.getPlan(planId);
    if (plan === undefined) throw new OpError('NotFound', `no plan "${planId}"`);
    const goal = this.get(plan.goalId);
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
    const targets = this.selectSteps(plan, stepIds);
    if (decision === 'approve') {
      this.refuseUnrecordable(planId, hash, targets, actor);
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
    const configured = this.configuredApprover.get(goal.id) === actor.name;
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
    if (after.steps.some((s) => s.state === 'pending')) return this.publish(goal.id);
    if (after.steps.some((s) => s.state === 'approved')) {
      store.setGoalState(goal.id, 'running', null);
      const run = this.runner
        .run(goal.id, after)
        .then(() => this.afterRun(goal.id))
        .finally(() => this.running.delete(goal.id));
      this.running.set(goal.id, run);
      return this.publish(goal.id);
    }
    this.homes.delete(goal.id);
    store.setGoalState(goal.id, 'rejected', `rejected by ${actor.name}`);
    return this.publish(goal.id);
  }

  /** A change approved now could not have its snapshot and audit record written: refused, saying what to do. */
  private refuseUnrecordable(planId: string, hash: string, targets: readonly StepView[], actor: Actor): void {
    const changing = targets.filter((st) => this.mutates(st.tool));
    const problem = changing.length === 0 ? null : (this.deps.stateSpace?.problem() ?? null);
    if (problem === null) return;
    const message = `cannot approve ${changing.map((st) => `${st.id} (${st.tool})`).join(', ')}: ${problem}`;
    try {
      this.deps.ledger.append({
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

  /** A plan ran to its end: a success is learned; a failure is diagnosed in the background, its state untouched. */
  private afterRun(goalId: string): void {
    this.learn(goalId);
    this.deps.analysis?.start(goalId);
  }

  /** A goal a model planned, that succeeded, becomes a procedure the next identical goal reuses. */
  private learn(goalId: string): void {
    const home = this.homes.get(goalId);
    this.homes.delete(goalId);
    const goal = this.deps.store.getGoal(goalId);
    const plan = goal?.plan;
    if (
      this.deps.procedures === undefined ||
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
    this.deps.procedures.learn(goal.text, plan.tier, steps, home);
  }

  private selectSteps(plan: PlanView, stepIds: string[] | undefined): StepView[] {
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

  /** Validates each proposed step against the registry and takes risk and reversibility from the tool, not the planner. */
  private async checkSteps(
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
      const v = this.deps.registry.validate(step.tool, step.args);
      if (!v.ok) return `step ${step.id}: ${v.error}`;
      const missingDep = step.dependsOn.find((d) => !ids.has(d));
      if (missingDep !== undefined) return `step ${step.id} depends on unknown or later step ${missingDep}`;
      const tool = v.tool;
      // The agent is settled before the hash is taken, so the approval covers who runs the step.
      const route = this.deps.mesh?.route(step, tool.capabilities);
      if (route !== undefined) routes.push({ stepId: step.id, planned: step.agent, ...route });
      out.push({
        ...step,
        agent: route?.agent ?? step.agent,
        args: v.args as Record<string, unknown>,
        risk: tool.risk,
        reversible: tool.reversible || !tool.mutates,
      });
      // As the goal's owner: a diff shows only what its owner may read.
      const preview: StepPreview = await hostOf(this.deps, goalId)
        .preview(tool, v.args)
        .catch((err: unknown) => ({
          summary: `preview failed: ${err instanceof Error ? err.message : String(err)}`,
        }));
      if (step.verify !== undefined) {
        const admitted = await this.runner.verifier.admit(step.verify, tier);
        if (!admitted.ok) return `step ${step.id}: ${admitted.reason}`;
        preview.verify = admitted.line;
      }
      previews.push(preview);
    }
    const verdicts = await judgeSteps(this.policy, this.deps.registry, out, previews, tier);
    return { steps: out, previews, verdicts, routes };
  }

  private mutates(toolName: string): boolean {
    return this.deps.registry.get(toolName)?.mutates ?? true;
  }

  private publish(goalId: string): GoalView {
    const goal = this.get(goalId);
    this.deps.emit({ type: 'goal.updated', goal });
    return goal;
  }
}
