// The goal engine: goal → plan (with previews, hashed) → approval → execution → rollback.
// It persists every transition, audits every decision and tool call, and streams events. Each
// stage of a goal's life is a module of its own under goal/; this class is the one door the
// daemon's handlers use, and it holds the state the stages share (goal/engine-core.ts).
import type { RollbackPreview } from '../protocol/methods.js';
import type { GoalView } from '../protocol/model.js';
import type { Actor, Autonomy } from './approval-policy.js';
import { directPlanner } from './direct-planner.js';
import { decide } from './goal/approve.js';
import { cancel, startAgent, stopAgent } from './goal/brakes.js';
import { EngineCore, type Decision, type GoalEngineDeps } from './goal/engine-core.js';
import { editStep, revise, submit } from './goal/propose.js';
import { recoverInterrupted, resume } from './goal/resume.js';
import { rollback, rollbackPreview } from './goal/rollback.js';
import type { Planner } from './planner.js';

export type { Decision, GoalEngineDeps, StateGuard } from './goal/engine-core.js';

export class GoalEngine {
  private readonly core: EngineCore;

  constructor(deps: GoalEngineDeps) {
    this.core = new EngineCore(deps);
  }

  /** One tool call as a one-step plan (the 'direct' tier), through the same checks as any plan. */
  submitDirect(tool: string, args: Record<string, unknown>, actor: Actor): Promise<GoalView> {
    return this.submit(
      `aios tool ${tool} ${JSON.stringify(args)}`,
      actor,
      directPlanner(tool, args, this.core.deps.registry),
    );
  }

  /** A goal's text to a proposed plan: see goal/propose.ts for `task`, `autonomy` and `approver`. */
  submit(
    text: string,
    actor: Actor,
    planner: Planner = this.core.deps.planner,
    opts: { task?: 'plan' | 'analyse'; autonomy?: Autonomy['level']; approver?: `policy:${string}` } = {},
  ): Promise<GoalView> {
    return submit(this.core, text, actor, planner, opts);
  }

  /** Stops a goal in any state, audited with who asked (goal/brakes.ts). */
  cancel(goalId: string, actor: Actor, opts: { afterStep?: boolean } = {}): GoalView {
    return cancel(this.core, goalId, actor, opts);
  }

  /** aios agents stop: queued steps never start, running ones are stopped; with hold, no new work. Audited. */
  stopAgent(
    name: string,
    actor: Actor,
    hold: boolean,
  ): { agent: string; stopped: string[]; cancelled: string[]; held: boolean } {
    return stopAgent(this.core, name, actor, hold);
  }

  /** An agent held by stopAgent takes work again. Audited. */
  startAgent(name: string, actor: Actor): { agent: string; held: boolean } {
    return startAgent(this.core, name, actor);
  }

  /** A new plan for a failed or interrupted goal, with the failure as context; it needs approving like any plan. */
  revise(goalId: string, actor: Actor): Promise<GoalView> {
    return revise(this.core, goalId, actor);
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
    return decide(this.core, planId, hash, decision, stepIds, actor, confirm);
  }

  /** New arguments for one step of a plan nobody has decided yet: a new plan with a new hash. */
  editStep(
    planId: string,
    hash: string,
    stepId: string,
    args: Record<string, unknown>,
    actor: Actor,
  ): Promise<GoalView> {
    return editStep(this.core, planId, hash, stepId, args, actor);
  }

  get(goalId: string): GoalView {
    return this.core.get(goalId);
  }

  /** Undo every reversible step of a goal that ran, last first. */
  rollback(goalId: string, actor: Actor): Promise<GoalView> {
    return rollback(this.core, goalId, actor);
  }

  /** What rollback() would restore and remove now, computed from the goal's snapshots; changes nothing. */
  rollbackPreview(goalId: string): Promise<RollbackPreview> {
    return rollbackPreview(this.core, goalId);
  }

  /** Picks an interrupted goal up where it stopped (never re-running a step whose outcome is unknown). */
  resume(goalId: string, actor: Actor): GoalView {
    return resume(this.core, goalId, actor);
  }

  /** The goal once its run (if one is under way) has ended. */
  async settled(goalId: string): Promise<GoalView> {
    await this.core.running.get(goalId);
    return this.core.get(goalId);
  }

  /** Resolves when every goal now running has finished (for orderly shutdown and tests); adopted processes are no longer watched. */
  async idle(): Promise<void> {
    await Promise.all([...this.core.running.values()]);
    this.core.recovery?.close();
  }

  /** Marks goals caught mid-run by a previous daemon as interrupted, settling their steps from the journal. */
  recoverInterrupted(): string[] {
    return recoverInterrupted(this.core);
  }
}
