// The goal engine: goal → plan (with previews, hashed) → approval → execution → rollback.
// It persists every transition, audits every decision and tool call, and streams events.
import { ulid } from 'ulid';
import type { DaemonEvent } from '../protocol/events.js';
import type { GoalView, PlanStepSpec, PlanView, StepPreview, StepView } from '../protocol/model.js';
import type { AuditLedger } from '../memory/audit-ledger.js';
import type { GoalStore } from '../memory/goal-store.js';
import type { MemoryStore } from '../memory/memory-store.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { SnapshotStore } from '../tools/snapshot-store.js';
import { approvalRefusal, autoApprovalPolicy, type Actor, type SecurityMode } from './approval-policy.js';
import { OpError } from './op-error.js';
import { planHash } from './plan-hash.js';
import type { Planner } from './planner.js';
import type { ProcedureStore } from './procedure-store.js';
import { StepRunner } from './step-runner.js';

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
}

export class GoalEngine {
  private readonly running = new Map<string, Promise<void>>();
  /** The submitter's home per goal: relative paths in its plan were resolved against it. */
  private readonly homes = new Map<string, string>();
  private readonly runner: StepRunner;

  constructor(private readonly deps: GoalEngineDeps) {
    this.runner = new StepRunner(deps);
  }

  async submit(text: string, actor: Actor): Promise<GoalView> {
    const { store } = this.deps;
    const goalId = ulid();
    store.createGoal({ id: goalId, text, state: 'planning', submittedBy: actor.name, submittedUid: actor.uid });
    this.homes.set(goalId, actor.home);
    this.publish(goalId);
    const outcome = await this.deps.planner.plan({ text, home: actor.home }).catch((err: unknown) => ({
      kind: 'not_understood' as const, reason: `The planner failed: ${err instanceof Error ? err.message : String(err)}.`,
    }));
    if (outcome.kind === 'not_understood') {
      this.homes.delete(goalId);
      store.setGoalState(goalId, 'not_understood', outcome.reason);
      return this.publish(goalId);
    }
    const checked = await this.checkSteps(outcome.steps);
    if (typeof checked === 'string') {
      store.setGoalState(goalId, 'not_understood', `The ${outcome.tier} planner proposed an invalid plan: ${checked}`);
      return this.publish(goalId);
    }
    const planId = ulid();
    const hash = planHash(goalId, outcome.tier, checked.steps);
    store.savePlan({ id: planId, goalId, tier: outcome.tier, hash, steps: checked.steps, previews: checked.previews });
    store.setGoalState(goalId, 'awaiting_approval', outcome.explanation);
    store.recordEvent('plan.proposed', goalId, { planId, hash, tier: outcome.tier });
    const policy = autoApprovalPolicy(this.deps.securityMode(), checked.steps.map((s) => ({ mutates: this.mutates(s.tool) })));
    if (policy !== null) return this.approve(planId, hash, undefined, { ...actor, name: policy }, 'approve');
    return this.publish(goalId);
  }

  decide(planId: string, hash: string, decision: 'approve' | 'reject', stepIds: string[] | undefined, actor: Actor): GoalView {
    return this.approve(planId, hash, stepIds, actor, decision);
  }

  get(goalId: string): GoalView {
    const goal = this.deps.store.getGoal(goalId);
    if (goal === undefined) throw new OpError('NotFound', `no goal "${goalId}"; list goals with 'aios status' or the TUI`);
    return goal;
  }

  /** Undo every reversible step of a goal that ran, last first. */
  async rollback(goalId: string, actor: Actor): Promise<GoalView> {
    const goal = this.get(goalId);
    if (actor.role === 'viewer') throw new OpError('Unauthorized', `${actor.name} is a viewer and cannot roll back goals`);
    if (this.running.has(goalId)) throw new OpError('Conflict', 'the goal is still running; wait for it to finish');
    const plan = goal.plan;
    if (plan === null || !['succeeded', 'failed', 'interrupted'].includes(goal.state)) {
      throw new OpError('Conflict', `goal ${goalId} is ${goal.state}: only a goal that ran can be rolled back`);
    }
    const done = plan.steps.filter((s) => s.state === 'succeeded' || (s.state === 'failed' && s.snapshotId !== null));
    const undoable = done.filter((s) => s.snapshotId !== null).reverse();
    const irreversible = done.filter((s) => s.snapshotId === null && this.mutates(s.tool));
    if (undoable.length === 0) {
      throw new OpError('Conflict', irreversible.length > 0
        ? `nothing reversible to roll back: ${irreversible.map((s) => `${s.id} (${s.tool})`).join(', ')} cannot be undone`
        : 'nothing to roll back: this goal changed nothing');
    }
    this.deps.ledger.append({ actor: actor.name, action: 'goal.rollback', subject: goalId, detail: { planId: plan.id, steps: undoable.map((s) => s.id) } });
    const restored: string[] = [];
    for (const step of undoable) {
      const snapshotId = step.snapshotId as string;
      const r = this.deps.snapshots.restore(snapshotId);
      restored.push(...r.restored);
      this.deps.store.updateStep(plan.id, step.id, { state: 'rolled_back' });
      this.deps.ledger.append({ actor: actor.name, action: 'snapshot.restore', subject: snapshotId, detail: { goalId, stepId: step.id, paths: r.restored } });
    }
    const note = irreversible.length > 0 ? `; not reversible, left as is: ${irreversible.map((s) => s.id).join(', ')}` : '';
    this.deps.store.setGoalState(goalId, 'rolled_back', `rolled back by ${actor.name}: restored ${restored.join(', ')}${note}`);
    return this.publish(goalId);
  }

  /** Resolves when every goal now running has finished (for orderly shutdown and tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.running.values()]);
  }

  /** Marks goals caught mid-run by a previous daemon as interrupted. */
  recoverInterrupted(): string[] {
    const ids = this.deps.store.markInterrupted();
    for (const id of ids) this.deps.ledger.append({ actor: 'aiosd', action: 'goal.interrupted', subject: id, detail: {} });
    return ids;
  }

  private approve(planId: string, hash: string, stepIds: string[] | undefined, actor: Actor, decision: 'approve' | 'reject'): GoalView {
    const { store, ledger } = this.deps;
    const plan = store.getPlan(planId);
    if (plan === undefined) throw new OpError('NotFound', `no plan "${planId}"`);
    const goal = this.get(plan.goalId);
    if (plan.hash !== hash) {
      ledger.append({ actor: actor.name, action: 'plan.denied', subject: planId, detail: { reason: 'hash mismatch', offered: hash, current: plan.hash } });
      throw new OpError('Conflict', 'the plan changed since it was reviewed (hash mismatch): review the current plan and approve again', { hash: plan.hash });
    }
    if (goal.state !== 'awaiting_approval') {
      throw new OpError('Conflict', `goal is ${goal.state}: its plan was already decided`, { goal });
    }
    const targets = this.selectSteps(plan, stepIds);
    if (decision === 'approve') {
      for (const step of targets) {
        const refusal = approvalRefusal(actor, step);
        if (refusal !== null) {
          ledger.append({ actor: actor.name, action: 'plan.denied', subject: `${planId}/${step.id}`, detail: { reason: refusal, hash } });
          throw new OpError('Unauthorized', refusal);
        }
      }
    } else if (actor.role === 'viewer') {
      throw new OpError('Unauthorized', `${actor.name} is a viewer and cannot decide plans`);
    }
    const state = decision === 'approve' ? 'approved' : 'rejected';
    for (const step of targets) {
      store.updateStep(planId, step.id, { state, approvedBy: actor.name });
      ledger.append({
        actor: actor.name, action: `plan.${decision}`, subject: `${planId}/${step.id}`,
        detail: { goalId: goal.id, hash, tool: step.tool, args: step.args, risk: step.risk },
      });
    }
    const after = store.getPlan(planId) as PlanView;
    if (after.steps.some((s) => s.state === 'pending')) return this.publish(goal.id);
    if (after.steps.some((s) => s.state === 'approved')) {
      store.setGoalState(goal.id, 'running', null);
      const run = this.runner.run(goal.id, after).then(() => this.learn(goal.id)).finally(() => this.running.delete(goal.id));
      this.running.set(goal.id, run);
      return this.publish(goal.id);
    }
    this.homes.delete(goal.id);
    store.setGoalState(goal.id, 'rejected', `rejected by ${actor.name}`);
    return this.publish(goal.id);
  }

  /** A goal a model planned, that succeeded, becomes a procedure the next identical goal reuses. */
  private learn(goalId: string): void {
    const home = this.homes.get(goalId);
    this.homes.delete(goalId);
    const goal = this.deps.store.getGoal(goalId);
    const plan = goal?.plan;
    if (this.deps.procedures === undefined || home === undefined || goal === undefined || plan === null || plan === undefined) return;
    if (goal.state !== 'succeeded' || (plan.tier !== 'local' && plan.tier !== 'cloud')) return;
    const steps = plan.steps.map(({ id, agent, tool, args, rationale, risk, reversible, dependsOn }) => ({ id, agent, tool, args, rationale, risk, reversible, dependsOn }));
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
      if (step.state !== 'pending') throw new OpError('Conflict', `step ${id} was already ${step.state}${step.approvedBy === null ? '' : ` by ${step.approvedBy}`}`);
      return step;
    });
  }

  /** Validates each proposed step against the registry and takes risk and reversibility from the tool, not the planner. */
  private async checkSteps(steps: PlanStepSpec[]): Promise<{ steps: PlanStepSpec[]; previews: StepPreview[] } | string> {
    const out: PlanStepSpec[] = [];
    const previews: StepPreview[] = [];
    const ids = new Set<string>();
    for (const step of steps) {
      if (ids.has(step.id)) return `duplicate step id ${step.id}`;
      ids.add(step.id);
      const v = this.deps.registry.validate(step.tool, step.args);
      if (!v.ok) return `step ${step.id}: ${v.error}`;
      const missingDep = step.dependsOn.find((d) => !ids.has(d));
      if (missingDep !== undefined) return `step ${step.id} depends on unknown or later step ${missingDep}`;
      const tool = v.tool;
      out.push({ ...step, args: v.args as Record<string, unknown>, risk: tool.risk, reversible: tool.reversible || !tool.mutates });
      previews.push(await tool.preview(v.args).catch((err: unknown) => ({
        summary: `preview failed: ${err instanceof Error ? err.message : String(err)}`,
      })));
    }
    return { steps: out, previews };
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
