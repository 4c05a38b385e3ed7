// Runs the approved steps of a plan through the tool registry: schema check, the policy again
// (right before running, against the approval that was given), snapshot, audit, execute with
// streamed output, record. The plan runs as a DAG on the agent mesh: steps whose dependencies
// succeeded start at once on their agents' queues; a failed step skips its dependants.
import { ulid } from 'ulid';
import type { DaemonEvent } from '../protocol/events.js';
import type { PlanView, StepState, StepView, Tier } from '../protocol/model.js';
import type { AuditLedger } from '../memory/audit-ledger.js';
import type { GoalStore } from '../memory/goal-store.js';
import type { MemoryStore } from '../memory/memory-store.js';
import type { PolicyEngine, PolicyVerdict } from '../policy/policy-engine.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { SnapshotStore } from '../tools/snapshot-store.js';
import type { PathUse, Tool, ToolContext, ToolResult } from '../tools/tool.js';
import { grantOf } from './approval-grant.js';
import { runDag } from './dag-executor.js';
import type { AgentMesh } from './mesh/agent-mesh.js';
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
  /** Why a change cannot be recorded now (state directory full or read-only), or null. */
  stateSpace?: { problem(): string | null };
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** What the approval given covers, held against the verdict now: null when it still covers it. */
function beyondApproval(verdict: PolicyVerdict, grant: { role: string; confirmed: boolean }, approvedWrites: readonly string[] | undefined): string | null {
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

/** Lets a tool refuse a path that resolves somewhere other than where policy looked. */
export function pathGuard(paths: readonly PathUse[]): NonNullable<ToolContext['checkPath']> {
  return (canonical, access) => {
    if (paths.some((p) => p.path === canonical && (p.access === access || p.access === 'write'))) return null;
    const checked = paths.filter((p) => p.access === access).map((p) => p.path).join(', ') || '(none)';
    return `the path resolves to ${canonical} now, not to what policy checked (${checked}): it changed between check and use; nothing was done`;
  };
}

/**
 * A plan that declares no dependencies at all is read as a sequence, in the order written:
 * a planner that means "then" without saying so must not see its steps race. The chain
 * links only the steps that will run, so a rejected or skipped step leaves the rest to run
 * as before. Parallelism is for plans that state their DAG.
 */
export function withImplicitOrder<S extends { id: string; dependsOn: readonly string[] }>(steps: readonly S[], willRun: (id: string) => boolean): S[] {
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

  constructor(private readonly deps: StepRunnerDeps) {
    this.verifier = new StepVerifier(deps);
  }

  /** Runs the plan; never rejects, so a state directory that fills mid-run cannot take aiosd down. */
  async run(goalId: string, plan: PlanView): Promise<void> {
    try {
      await this.runPlan(goalId, plan);
    } catch (err) {
      this.unrecorded(goalId, err);
    }
  }

  /** A write of the plan's progress failed (the state dir filled or went read-only): say so on the goal if it can be said. */
  private unrecorded(goalId: string, err: unknown): void {
    const why = this.deps.stateSpace?.problem() ?? null; // gives the reserve back, so the failure below can be written
    try {
      this.deps.store.setGoalState(goalId, 'failed', `aiosd could not record this goal's progress (${message(err)})${why === null ? '' : `: ${why}`}; see what ran with 'aios goal show ${goalId.slice(-8)}', undo it with r (or aios goal rollback ${goalId.slice(-8)})`);
      const goal = this.deps.store.getGoal(goalId);
      if (goal !== undefined) this.deps.emit({ type: 'goal.updated', goal });
    } catch {
      // Not even that can be written: the goal stays "running" and the next start marks it interrupted.
    }
  }

  private async runPlan(goalId: string, plan: PlanView): Promise<void> {
    const { store } = this.deps;
    const initial = new Map<string, StepState>(plan.steps.map((s) => [s.id, s.state]));
    let failure: string | null = null;
    const states = await runDag(withImplicitOrder(plan.steps, (id) => initial.get(id) === 'approved'), initial, {
      run: async (step) => {
        const error = await this.onAgent(goalId, plan, step);
        if (error !== null) failure ??= `step ${step.id} (${step.tool}) failed: ${error}`;
        return error;
      },
      skip: (step, reason) => {
        store.updateStep(plan.id, step.id, { state: 'skipped', error: reason });
        this.deps.emit({ type: 'step.finished', goalId, stepId: step.id, state: 'skipped', error: reason });
      },
    });
    const ran = [...states.values()].filter((s) => s === 'succeeded').length;
    const goal = store.getGoal(goalId);
    if (failure === null) {
      store.setGoalState(goalId, 'succeeded', `${ran} step${ran === 1 ? '' : 's'} succeeded`);
      this.deps.memory.add({ kind: 'goal', content: `${goal?.text ?? ''} — succeeded: ${plan.steps.map((s) => s.tool).join(', ')}`, metadata: { goalId, planId: plan.id } });
    } else {
      // A step that ran but failed its verification left its changes, with a snapshot to undo them.
      const ran = (s: StepView): boolean => s.state === 'succeeded' || (s.state === 'failed' && s.snapshotId !== null);
      const undo = (store.getPlan(plan.id)?.steps ?? []).some(ran) ? `; roll back what ran with r (or aios goal rollback ${goalId.slice(-8)})` : '';
      store.setGoalState(goalId, 'failed', failure + undo);
      this.deps.memory.add({ kind: 'goal', content: `${goal?.text ?? ''} — failed: ${failure}`, metadata: { goalId, planId: plan.id } });
    }
    const final = store.getGoal(goalId);
    if (final !== undefined) this.deps.emit({ type: 'goal.updated', goal: final });
  }

  /** Runs the step on its agent's queue; an agent that throws or overruns fails only this step. */
  private async onAgent(goalId: string, plan: PlanView, step: StepView): Promise<string | null> {
    const agent = this.deps.mesh?.get(step.agent);
    if (agent === undefined) return this.runStep(goalId, plan.id, plan.tier, step);
    const deadlineMs = this.deps.stepDeadlineMs?.(step.tool, step.args) ?? 15 * 60_000;
    try {
      return await agent.submit({ id: `${goalId}/${step.id}`, deadlineMs, run: (signal) => this.runStep(goalId, plan.id, plan.tier, step, signal) });
    } catch (err) {
      const reason = message(err);
      this.deps.stateSpace?.problem(); // a full disk may be why: the reserve given back leaves room to record it
      this.deps.store.updateStep(plan.id, step.id, { state: 'failed', error: reason, finishedAt: new Date().toISOString() });
      this.deps.emit({ type: 'step.finished', goalId, stepId: step.id, state: 'failed', error: reason });
      return reason;
    }
  }

  /** Returns null on success, or why the step failed. */
  private async runStep(goalId: string, planId: string, tier: Tier, step: StepView, agentSignal?: AbortSignal): Promise<string | null> {
    const { store, registry, ledger, emit } = this.deps;
    const startedAt = new Date().toISOString();
    store.updateStep(planId, step.id, { state: 'running', startedAt });
    emit({ type: 'step.started', goalId, stepId: step.id, agent: step.agent, tool: step.tool });
    emit({ type: 'agent.status', agent: step.agent, status: 'busy', task: `${goalId}/${step.id}` });
    const finish = (state: 'succeeded' | 'failed', error: string | null): string | null => {
      store.updateStep(planId, step.id, { state, error, finishedAt: new Date().toISOString() });
      emit({ type: 'step.finished', goalId, stepId: step.id, state, error });
      emit({ type: 'agent.status', agent: step.agent, status: 'idle', task: null });
      return error;
    };
    const deny = (reason: string): string | null => {
      try {
        ledger.append({ actor: step.agent, action: 'tool.denied', subject: step.tool, detail: { goalId, planId, stepId: step.id, reason } });
      } catch (err) {
        return finish('failed', `${reason} (and the audit ledger cannot be written: ${message(err)})`);
      }
      return finish('failed', reason);
    };

    const v = registry.validate(step.tool, step.args);
    if (!v.ok) return deny(v.error);
    const tool = v.tool;
    // The policy again, now: the node may have changed since the plan was judged and approved.
    const verdict = await this.deps.policy.evaluate({ tool, args: v.args, agent: step.agent, tier });
    const refusal = beyondApproval(verdict, grantOf(ledger, planId, step), step.preview.policy?.writes);
    if (refusal !== null) return deny(refusal);

    // The disk may have filled since the approval: a change whose snapshot and record cannot be written does not start.
    const unrecordable = tool.mutates ? this.deps.stateSpace?.problem() ?? null : null;
    if (unrecordable !== null) return finish('failed', `refused before running: ${unrecordable}; nothing was changed`);

    // The ledger entry comes first: if it cannot be written, nothing that changes the node runs.
    try {
      ledger.append({ actor: step.agent, action: 'tool.call', subject: step.tool, detail: { goalId, planId, stepId: step.id, args: step.args, approvedBy: step.approvedBy } });
    } catch (err) {
      if (tool.mutates) return finish('failed', `the audit ledger cannot be written (${message(err)}); refusing to run a step that changes the node until it can (free disk space, or make the state directory writable)`);
      store.appendOutput(planId, step.id, `[the audit ledger cannot be written (${message(err)}); this read-only step runs unrecorded]\n`);
    }

    const snapshotError = await this.snapshot(tool, v.args, verdict, goalId, planId, step);
    if (snapshotError !== null) return finish('failed', snapshotError);

    const controller = new AbortController();
    // The agent's deadline aborts the tool too, so a hung step does not keep running unseen.
    agentSignal?.addEventListener('abort', () => controller.abort(), { once: true });
    let result: ToolResult;
    let streamed = false;
    try {
      result = await tool.execute(v.args, {
        signal: controller.signal,
        checkPath: pathGuard(verdict.paths),
        ...(verdict.readOnlyShell === true && this.deps.sandbox ? { sandbox: this.deps.sandbox } : {}),
        onOutput: (chunk) => {
          streamed = true;
          store.appendOutput(planId, step.id, chunk);
          emit({ type: 'step.output', goalId, stepId: step.id, chunk });
        },
      });
    } catch (err) {
      result = { ok: false, output: '', error: `tool crashed: ${message(err)}` };
    }
    // Streaming tools already sent their output chunk by chunk; the rest send it once here.
    if (!streamed && result.output !== '') {
      store.appendOutput(planId, step.id, result.output);
      emit({ type: 'step.output', goalId, stepId: step.id, chunk: result.output });
    }
    let error = result.ok ? null : result.error;
    store.recordToolCall({ id: ulid(), goalId, planId, stepId: step.id, tool: step.tool, args: step.args, ok: result.ok, output: result.output, error, startedAt, finishedAt: new Date().toISOString() });
    try {
      ledger.append({ actor: step.agent, action: 'tool.result', subject: step.tool, detail: { goalId, planId, stepId: step.id, ok: result.ok, error } });
    } catch (err) {
      // It ran; say plainly that its result is not in the ledger (a change so recorded fails the step).
      if (result.ok && tool.mutates) error = `ran, but its result could not be written to the audit ledger (${message(err)})`;
      else store.appendOutput(planId, step.id, `\n[the audit ledger cannot be written (${message(err)}); this result is not recorded there]`);
    }
    // The exit code said yes: the step's verification, when it has one, has the last word.
    if (error === null && step.verify !== undefined) {
      error = await this.verifier.verify({ goalId, planId, stepId: step.id, tier }, step.verify, agentSignal);
    }
    return finish(error === null ? 'succeeded' : 'failed', error);
  }

  /** Files, packages, services, firewall: whatever the step declares it changes, saved first. */
  private async snapshot(tool: Tool, args: unknown, verdict: PolicyVerdict, goalId: string, planId: string, step: StepView): Promise<string | null> {
    if (!tool.mutates) return null;
    const paths = verdict.paths.filter((p) => p.access === 'write').map((p) => p.path);
    const states = tool.states?.(args) ?? [];
    if (paths.length === 0 && states.length === 0) return null;
    try {
      const snap = await this.deps.snapshots.capture({ paths, states, label: `before ${step.tool} (${goalId}/${step.id})`, goalId, stepId: step.id });
      this.deps.store.updateStep(planId, step.id, { snapshotId: snap.id });
      return null;
    } catch (err) {
      return `could not snapshot before running (${message(err)}); nothing was changed`;
    }
  }
}
