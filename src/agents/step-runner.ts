// Runs the approved steps of a plan through the tool registry: schema check, the policy again
// (right before running, against the approval that was given), snapshot, audit, execute with
// streamed output, record. The plan runs as a DAG on the agent mesh: steps whose dependencies
// succeeded start at once on their agents' queues; a failed step skips its dependants.
import { ulid } from 'ulid';
import type { DaemonEvent } from '../protocol/events.js';
import type { PlanView, StepState, StepView, Tier } from '../protocol/model.js';
import type { AuditLedger } from '../memory/audit-ledger.js';
import type { ExecJournal, JournalOutcome } from '../memory/exec-journal.js';
import type { GoalStore } from '../memory/goal-store.js';
import type { MemoryStore } from '../memory/memory-store.js';
import type { PolicyEngine, PolicyVerdict } from '../policy/policy-engine.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { SnapshotStore } from '../recovery/snapshot-store.js';
import { treePaths } from '../recovery/snapshot-tree.js';
import { ProcessTree } from '../tools/process-tree.js';
import { treeMark, type Tool, type ToolResult } from '../tools/tool.js';
import { hostOf, type RunAs, type StepHost } from '../runas/step-host.js';
import { grantOf } from './approval-grant.js';
import { withStepRules } from './approval-policy.js';
import { runDag } from './dag-executor.js';
import { AgentTaskError } from './mesh/agent-worker.js';
import { storageFailure } from '../memory/state-space.js';
import type { AgentMesh } from './mesh/agent-mesh.js';
import { cancelledSummary, GoalRun, type ActiveStep } from './step-brakes.js';
import { OpError } from './op-error.js';
import { StepVerifier } from './verify/step-verifier.js';

export interface StepRunnerDeps {
  store: GoalStore;
  registry: ToolRegistry;
  snapshots: SnapshotStore;
  ledger: AuditLedger;
  memory: MemoryStore;
  emit: (event: DaemonEvent) => void;
  policy: PolicyEngine;
  /** Absent: steps run directly, one at a time (tests of the runner alone). */
  mesh?: AgentMesh;
  stepDeadlineMs?: (tool: string, args: Record<string, unknown>) => number;
  /** Wraps a read-only command's argv in the sandbox; null when the sandbox cannot run here. */
  sandbox?: ((argv: readonly string[]) => string[]) | null;
  /** Wraps a writing command's argv in the sandbox with only these paths writable; null when the sandbox cannot run here. */
  writeSandbox?: ((argv: readonly string[], writable: readonly string[]) => string[]) | null;
  /** Why a change cannot be recorded now (state directory full or read-only), or null. */
  stateSpace?: { problem(): string | null };
  /** Whose credentials a goal's tool calls run with (its owner's); absent: all in the daemon. */
  runAs?: RunAs;
  /** Where each step's start, processes and end are recorded durably; absent: not journalled (tests of the runner alone). */
  journal?: ExecJournal;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** What the approval given covers, held against the verdict now: null when it still covers it. */
function beyondApproval(
  verdict: PolicyVerdict,
  grant: { role: string; confirmed: boolean },
  approvedWrites: readonly string[] | undefined,
): string | null {
  if (verdict.decision === 'deny') return `denied by policy: ${verdict.reasons.join('; ')}`;
  // The approval was for changing these canonical paths; a symlink swapped in since points elsewhere.
  const writes = verdict.paths.filter((p) => p.access === 'write').map((p) => p.path);
  if (approvedWrites !== undefined && writes.join('\n') !== approvedWrites.join('\n')) {
    return `denied by policy: it would now change ${writes.join(', ') || 'nothing'}, not ${approvedWrites.join(', ') || 'nothing'} as approved (a path changed since); review it again`;
  }
  if (verdict.decision === 'confirm' && !grant.confirmed) {
    return `denied by policy: it now needs an explicit confirmation (${verdict.reasons.join('; ')}), which its approval did not give; review and approve it again`;
  }
  if (verdict.adminReasons.length > 0 && grant.role !== 'admin') {
    return `denied by policy: only an admin may approve it (${verdict.adminReasons.join('; ')}), and it was approved by a ${grant.role}`;
  }
  return null;
}

/**
 * A plan that declares no dependencies at all is read as a sequence, in the order written:
 * a planner that means "then" without saying so must not see its steps race. The chain
 * links only the steps that will run, so a rejected or skipped step leaves the rest to run
 * as before. Parallelism is for plans that state their DAG.
 */
export function withImplicitOrder<S extends { id: string; dependsOn: readonly string[] }>(
  steps: readonly S[],
  willRun: (id: string) => boolean,
): S[] {
  if (steps.some((s) => s.dependsOn.length > 0)) return [...steps];
  let previous: string | null = null;
  return steps.map((s) => {
    if (!willRun(s.id)) return s;
    const linked = previous === null ? s : { ...s, dependsOn: [previous] };
    previous = s.id;
    return linked;
  });
}

export class StepRunner {
  /** Checks each step's verification: at plan time (admit) and after the step ran. */
  readonly verifier: StepVerifier;
  /** Goals running now, with what can be stopped. */
  private readonly runs = new Map<string, GoalRun>();

  constructor(private readonly deps: StepRunnerDeps) {
    this.verifier = new StepVerifier(deps);
  }

  /** Runs the plan; never rejects, so a state directory that fills mid-run cannot take aiosd down. */
  async run(goalId: string, plan: PlanView): Promise<void> {
    const run = new GoalRun();
    this.runs.set(goalId, run);
    try {
      await this.runPlan(goalId, plan, run);
    } catch (err) {
      this.unrecorded(goalId, err);
    } finally {
      this.runs.delete(goalId);
    }
  }

  /**
   * Stops a running goal: nothing more starts, steps queued on agents are taken off, and
   * (unless afterStep) each running step's tool is aborted and its process tree ended. The
   * goal ends cancelled when its run does. Null when the goal does not run here.
   */
  stop(goalId: string, by: string, afterStep: boolean): { stopping: string[]; dequeued: string[] } | null {
    const run = this.runs.get(goalId);
    if (run === undefined) return null;
    const stopping = run.requestStop(by, afterStep);
    const dequeued: string[] = [];
    for (const agent of this.deps.mesh?.list() ?? []) {
      dequeued.push(
        ...(this.deps.mesh
          ?.get(agent.name)
          ?.cancelQueued(run.stop?.reason ?? 'cancelled', (id) => id.startsWith(`${goalId}/`)) ?? []),
      );
    }
    return { stopping, dequeued };
  }

  /**
   * aios agents stop: every step queued on the agent is taken off its queue (never started) and
   * every step it runs is stopped, process tree and all; with hold it then takes no new work.
   */
  stopAgent(name: string, by: string, hold: boolean): { stopped: string[]; cancelled: string[] } {
    const agent = this.deps.mesh?.get(name);
    if (agent === undefined) throw new OpError('NotFound', `no agent "${name}"; list them with 'aios agents'`);
    const cancelled = agent.cancelQueued(`never started: agent ${name} was stopped by ${by}`);
    const stopped = agent.runningIds().filter((task) => {
      const [goalId = '', stepId = ''] = task.split('/');
      return this.runs.get(goalId)?.stopStep(stepId, `stopped by ${by} (aios agents stop ${name})`) === true;
    });
    agent.hold(hold ? `held by ${by} since ${new Date().toISOString()} (aios agents start ${name})` : null);
    return { stopped, cancelled };
  }

  /** A write of the plan's progress failed (the state dir filled or went read-only): say so on the goal if it can be said. */
  private unrecorded(goalId: string, err: unknown): void {
    const why = this.deps.stateSpace?.problem() ?? null; // gives the reserve back, so the failure below can be written
    try {
      this.deps.store.setGoalState(
        goalId,
        'failed',
        `aiosd could not record this goal's progress (${message(err)})${why === null ? '' : `: ${why}`}; see what ran with 'aios goal show ${goalId.slice(-8)}', undo it with r (or aios goal rollback ${goalId.slice(-8)})`,
      );
      const goal = this.deps.store.getGoal(goalId);
      if (goal !== undefined) this.deps.emit({ type: 'goal.updated', goal });
    } catch {
      // Not even that can be written: the goal stays "running" and the next start marks it interrupted.
    }
  }

  private async runPlan(goalId: string, plan: PlanView, run: GoalRun): Promise<void> {
    const { store } = this.deps;
    const initial = new Map<string, StepState>(plan.steps.map((s) => [s.id, s.state]));
    let failure: string | null = null;
    const states = await runDag(
      withImplicitOrder(plan.steps, (id) => initial.get(id) === 'approved'),
      initial,
      {
        run: async (step) => {
          const error = await this.onAgent(goalId, plan, step, run);
          if (error !== null) failure ??= `step ${step.id} (${step.tool}) failed: ${error}`;
          return error;
        },
        stopped: () => run.stop?.reason ?? null,
        skip: (step, reason) => {
          store.updateStep(plan.id, step.id, { state: 'skipped', error: reason });
          this.deps.emit({ type: 'step.finished', goalId, stepId: step.id, state: 'skipped', error: reason });
        },
      },
    );
    const ran = [...states.values()].filter((s) => s === 'succeeded').length;
    const goal = store.getGoal(goalId);
    if (run.stop !== null) {
      store.setGoalState(
        goalId,
        'cancelled',
        cancelledSummary(run.stop.by, run.stop.afterStep, store.getPlan(plan.id)?.steps ?? []),
      );
      this.deps.memory.add({
        kind: 'goal',
        content: `${goal?.text ?? ''} — cancelled by ${run.stop.by}`,
        metadata: { goalId, planId: plan.id },
      });
    } else if (failure === null) {
      store.setGoalState(goalId, 'succeeded', `${ran} step${ran === 1 ? '' : 's'} succeeded`);
      this.deps.memory.add({
        kind: 'goal',
        content: `${goal?.text ?? ''} — succeeded: ${plan.steps.map((s) => s.tool).join(', ')}`,
        metadata: { goalId, planId: plan.id },
      });
    } else {
      // A step that ran but failed its verification left its changes, with a snapshot to undo them.
      const ran = (s: StepView): boolean => s.state === 'succeeded' || (s.state === 'failed' && s.snapshotId !== null);
      const undo = (store.getPlan(plan.id)?.steps ?? []).some(ran)
        ? `; roll back what ran with r (or aios goal rollback ${goalId.slice(-8)})`
        : '';
      store.setGoalState(goalId, 'failed', failure + undo);
      this.deps.memory.add({
        kind: 'goal',
        content: `${goal?.text ?? ''} — failed: ${failure}`,
        metadata: { goalId, planId: plan.id },
      });
    }
    const final = store.getGoal(goalId);
    if (final !== undefined) this.deps.emit({ type: 'goal.updated', goal: final });
  }

  /** Runs the step on its agent's queue; an agent that throws or overruns fails only this step. */
  private async onAgent(goalId: string, plan: PlanView, step: StepView, run: GoalRun): Promise<string | null> {
    const agent = this.deps.mesh?.get(step.agent);
    if (agent === undefined) return this.runStep(goalId, plan.id, plan.tier, step, run);
    const deadlineMs = this.deps.stepDeadlineMs?.(step.tool, step.args) ?? 15 * 60_000;
    try {
      return await agent.submit({
        id: `${goalId}/${step.id}`,
        deadlineMs,
        run: (signal) => this.runStep(goalId, plan.id, plan.tier, step, run, signal),
      });
    } catch (err) {
      // Taken off the queue by a stop: it never started, so it is skipped, not failed.
      if (err instanceof AgentTaskError && err.kind === 'cancelled')
        return this.skipped(goalId, plan.id, step, message(err));
      // A full disk may be why: the reserve given back leaves room to record it.
      const space = this.deps.stateSpace?.problem() ?? null;
      // aiosd failing to write its own state is not the agent's fault, and the step may well have
      // run: say that, not "agent system failed on …: database or disk is full".
      const storage = storageFailure(err instanceof AgentTaskError ? err.cause : err);
      const reason =
        storage === null
          ? message(err)
          : `aiosd could not record this step's result: the state directory is ${storage}${space === null ? '' : ` (${space})`}; the step may have run: see what it changed with 'aios goal show ${goalId.slice(-8)}'`;
      this.deps.store.updateStep(plan.id, step.id, {
        state: 'failed',
        error: reason,
        finishedAt: new Date().toISOString(),
      });
      this.deps.emit({ type: 'step.finished', goalId, stepId: step.id, state: 'failed', error: reason });
      return reason;
    }
  }

  /** Returns null on success, or why the step failed. */
  private async runStep(
    goalId: string,
    planId: string,
    tier: Tier,
    step: StepView,
    run: GoalRun,
    agentSignal?: AbortSignal,
  ): Promise<string | null> {
    const { store, emit } = this.deps;
    // Cancelled while it waited for its agent: it never starts.
    if (run.stop !== null) return this.skipped(goalId, planId, step, run.stop.reason);
    const active: ActiveStep = { abort: new AbortController(), tree: null, stopped: null };
    run.active.set(step.id, active);
    const startedAt = new Date().toISOString();
    store.updateStep(planId, step.id, { state: 'running', startedAt });
    emit({ type: 'step.started', goalId, stepId: step.id, agent: step.agent, tool: step.tool });
    emit({ type: 'agent.status', agent: step.agent, status: 'busy', task: `${goalId}/${step.id}` });
    try {
      return await this.checkAndRun(goalId, planId, tier, step, active, startedAt, agentSignal);
    } finally {
      run.active.delete(step.id);
    }
  }

  private skipped(goalId: string, planId: string, step: StepView, reason: string): string {
    this.deps.store.updateStep(planId, step.id, { state: 'skipped', error: reason });
    this.deps.emit({ type: 'step.finished', goalId, stepId: step.id, state: 'skipped', error: reason });
    return reason;
  }

  private async checkAndRun(
    goalId: string,
    planId: string,
    tier: Tier,
    step: StepView,
    active: ActiveStep,
    startedAt: string,
    agentSignal?: AbortSignal,
  ): Promise<string | null> {
    const { store, registry, ledger, emit } = this.deps;
    const finish = (state: 'succeeded' | 'failed' | 'cancelled' | 'skipped', error: string | null): string | null => {
      store.updateStep(planId, step.id, { state, error, finishedAt: new Date().toISOString() });
      emit({ type: 'step.finished', goalId, stepId: step.id, state, error });
      emit({ type: 'agent.status', agent: step.agent, status: 'idle', task: null });
      return error;
    };
    const deny = (reason: string): string | null => {
      try {
        ledger.append({
          actor: step.agent,
          action: 'tool.denied',
          subject: step.tool,
          detail: { goalId, planId, stepId: step.id, reason },
        });
      } catch (err) {
        return finish('failed', `${reason} (and the audit ledger cannot be written: ${message(err)})`);
      }
      return finish('failed', reason);
    };

    const v = registry.validate(step.tool, step.args);
    if (!v.ok) return deny(v.error);
    const tool = v.tool;
    // The policy again, now: the node may have changed since the plan was judged and approved.
    const verdict = withStepRules(
      await this.deps.policy.evaluate({ tool, args: v.args, agent: step.agent, tier }),
      tool,
    );
    const refusal = beyondApproval(verdict, grantOf(ledger, planId, step), step.preview.policy?.writes);
    if (refusal !== null) return deny(refusal);

    // The disk may have filled since the approval: a change whose snapshot and record cannot be written does not start.
    const unrecordable = tool.mutates ? (this.deps.stateSpace?.problem() ?? null) : null;
    if (unrecordable !== null) return finish('failed', `refused before running: ${unrecordable}; nothing was changed`);

    // The ledger entry comes first: if it cannot be written, nothing that changes the node runs.
    try {
      ledger.append({
        actor: step.agent,
        action: 'tool.call',
        subject: step.tool,
        detail: { goalId, planId, stepId: step.id, args: step.args, approvedBy: step.approvedBy },
      });
    } catch (err) {
      if (tool.mutates)
        return finish(
          'failed',
          `the audit ledger cannot be written (${message(err)}); refusing to run a step that changes the node until it can (free disk space, or make the state directory writable)`,
        );
      store.appendOutput(
        planId,
        step.id,
        `[the audit ledger cannot be written (${message(err)}); this read-only step runs unrecorded]\n`,
      );
    }

    // As the goal's owner: an operator's step runs in their helper, with their credentials.
    const host = hostOf(this.deps, goalId);
    const snapshotError = await this.snapshot(tool, v.args, verdict, goalId, planId, step, host);
    if (snapshotError !== null) return finish('failed', snapshotError);

    // Stopped while it was checked and snapshotted: its tool never starts.
    if (active.stopped !== null) return finish('skipped', `never started: ${active.stopped}`);
    const tree = ProcessTree.create(`${goalId}.${step.id}.${ulid()}`);
    active.tree = tree;
    // The journal first, on the disk: after a crash, a start with no end is an outcome unknown, never a failure to retry.
    let journalId: string | null = null;
    try {
      journalId =
        this.deps.journal?.starting({ goalId, planId, stepId: step.id, tool: step.tool, cgroup: tree.cgroup }) ?? null;
    } catch (err) {
      if (tool.mutates) {
        tree.release();
        return finish(
          'failed',
          `the execution journal cannot be written (${message(err)}); refusing to run a step that changes the node, since a crash could not tell whether it ran`,
        );
      }
    }
    const controller = active.abort;
    // The agent's deadline aborts the tool too, so a hung step does not keep running unseen.
    agentSignal?.addEventListener(
      'abort',
      () => {
        controller.abort();
        void tree.end();
      },
      { once: true },
    );
    let result: ToolResult;
    let streamed = false;
    let outputLost: string | null = null;
    try {
      result = await host.execute(tool, v.args, {
        signal: controller.signal,
        paths: verdict.paths,
        sandboxed: verdict.readOnlyShell === true,
        ...this.writableFor(tool, verdict),
        onOutput: (chunk) => {
          streamed = true;
          // Called from a child's output event: a full state disk (SQLITE_FULL) must not become an
          // uncaught exception that ends aiosd. The output still streams live; the store says what it lost.
          if (outputLost === null) {
            try {
              store.appendOutput(planId, step.id, chunk);
            } catch (err) {
              outputLost = message(err);
              emit({
                type: 'step.output',
                goalId,
                stepId: step.id,
                chunk: `\n[aiOS could not record this step's output from here on (${outputLost}); it still streams]\n`,
              });
            }
          }
          emit({ type: 'step.output', goalId, stepId: step.id, chunk });
        },
        onProcess: (p) => {
          const ref = tree.add(p.pid, p.pgid);
          if (journalId !== null) this.journalled(() => this.deps.journal?.process(journalId as string, ref));
        },
        ...(tree.cgroup === null ? {} : { cgroup: tree.cgroup }),
      });
    } catch (err) {
      result = { ok: false, output: '', error: `tool crashed: ${message(err)}` };
    }
    // Whatever it left running (a daemonised child, a descendant that left its group) ends with it.
    const leftovers = await tree.end();
    tree.release();
    if (active.stopped !== null) {
      const how = `${active.stopped}: its processes were ended (SIGTERM${leftovers.killed ? ', then SIGKILL' : ''})`;
      if (journalId !== null) this.journalled(() => this.deps.journal?.ended(journalId as string, 'cancelled', how));
      this.stoppedInLedger(step, goalId, planId, active.stopped, tree);
      store.recordToolCall({
        id: ulid(),
        goalId,
        planId,
        stepId: step.id,
        tool: step.tool,
        args: step.args,
        ok: false,
        output: result.output,
        error: how,
        startedAt,
        finishedAt: new Date().toISOString(),
      });
      if (!streamed && result.output !== '') store.appendOutput(planId, step.id, result.output);
      return finish('cancelled', how);
    }
    if (journalId !== null) {
      const outcome: JournalOutcome = result.ok ? 'succeeded' : 'failed';
      this.journalled(() => this.deps.journal?.ended(journalId as string, outcome, result.ok ? null : result.error));
    }
    // Streaming tools already sent their output chunk by chunk; the rest send it once here.
    if (!streamed && result.output !== '') {
      store.appendOutput(planId, step.id, result.output);
      emit({ type: 'step.output', goalId, stepId: step.id, chunk: result.output });
    }
    let error = result.ok ? null : result.error;
    store.recordToolCall({
      id: ulid(),
      goalId,
      planId,
      stepId: step.id,
      tool: step.tool,
      args: step.args,
      ok: result.ok,
      output: result.output,
      error,
      startedAt,
      finishedAt: new Date().toISOString(),
    });
    try {
      ledger.append({
        actor: step.agent,
        action: 'tool.result',
        subject: step.tool,
        detail: { goalId, planId, stepId: step.id, ok: result.ok, error },
      });
    } catch (err) {
      // It ran; say plainly that its result is not in the ledger (a change so recorded fails the step).
      if (result.ok && tool.mutates)
        error = `ran, but its result could not be written to the audit ledger (${message(err)})`;
      else
        store.appendOutput(
          planId,
          step.id,
          `\n[the audit ledger cannot be written (${message(err)}); this result is not recorded there]`,
        );
    }
    // The exit code said yes: the step's verification, when it has one, has the last word.
    if (error === null && step.verify !== undefined) {
      error = await this.verifier.verify({ goalId, planId, stepId: step.id, tier }, step.verify, agentSignal);
    }
    return finish(error === null ? 'succeeded' : 'failed', error);
  }

  /** A journal write after the start: a failure leaves the entry open, which a restart reads as unknown (the safe side). */
  private journalled(write: () => void): void {
    try {
      write();
    } catch {
      /* the start is on the disk; what is missing after it reads as unknown */
    }
  }

  /** Who stopped the step and which processes it had, in the ledger. */
  private stoppedInLedger(step: StepView, goalId: string, planId: string, why: string, tree: ProcessTree): void {
    try {
      this.deps.ledger.append({
        actor: step.agent,
        action: 'step.stopped',
        subject: `${planId}/${step.id}`,
        detail: { goalId, why, processes: tree.processes, cgroup: tree.cgroup },
      });
    } catch {
      /* the stop itself was recorded (goal.cancel / agents.stop) when it was asked for */
    }
  }

  /**
   * A shell line that writes runs in a sandbox where only the paths policy checked (and the
   * snapshot recorded) are writable; one that only reads runs in the read-only sandbox (sandboxed).
   */
  private writableFor(tool: Tool, verdict: PolicyVerdict): { writable?: string[] } {
    if (verdict.readOnlyShell === true || tool.shellCommand === undefined) return {};
    return {
      writable: verdict.paths
        .filter((p) => p.access === 'write')
        .map((p) => (p.tree === true ? treeMark(p.path) : p.path)),
    };
  }

  /** Files, packages, services, firewall: whatever the step declares it changes, saved first. */
  private async snapshot(
    tool: Tool,
    args: unknown,
    verdict: PolicyVerdict,
    goalId: string,
    planId: string,
    step: StepView,
    host: StepHost,
  ): Promise<string | null> {
    if (!tool.mutates) return null;
    const writes = verdict.paths.filter((p) => p.access === 'write');
    const paths = writes.filter((p) => p.tree !== true).map((p) => p.path);
    const trees = writes.filter((p) => p.tree === true).map((p) => p.path);
    const states = tool.states?.(args) ?? [];
    if (paths.length === 0 && trees.length === 0 && states.length === 0) return null;
    // The daemon snapshots as root: only what the owner may write, or a later rollback would put
    // back (as root) a file the owner could never have changed. A tree: everything in it.
    const asked = [...paths, ...trees.flatMap((t) => treePaths(t))];
    const refused = await host
      .mayWrite(asked)
      .catch(
        (err: unknown) =>
          `could not ask whether ${host.runsAs} may write ${[...paths, ...trees].join(', ')} (${message(err)})`,
      );
    if (refused !== null) return `${refused}; nothing was changed`;
    try {
      const snap = await this.deps.snapshots.capture({
        paths,
        trees,
        states,
        label: `before ${step.tool} (${goalId}/${step.id})`,
        goalId,
        stepId: step.id,
      });
      this.deps.store.updateStep(planId, step.id, { snapshotId: snap.id });
      return null;
    } catch (err) {
      return `could not snapshot before running (${message(err)}); nothing was changed`;
    }
  }
}
