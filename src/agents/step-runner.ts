// Runs the approved steps of a plan through the tool registry: schema check, capability
// check, snapshot, audit, execute with streamed output, record. Steps run in order;
// a step whose dependency did not succeed is skipped, and a failure stops the rest.
import { ulid } from 'ulid';
import type { DaemonEvent } from '../protocol/events.js';
import type { PlanView, StepState, StepView } from '../protocol/model.js';
import type { AuditLedger } from '../memory/audit-ledger.js';
import type { GoalStore } from '../memory/goal-store.js';
import type { MemoryStore } from '../memory/memory-store.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { SnapshotStore } from '../tools/snapshot-store.js';
import type { ToolResult } from '../tools/tool.js';
import { capabilitiesOf } from './agent-roster.js';

export interface StepRunnerDeps {
  store: GoalStore;
  registry: ToolRegistry;
  snapshots: SnapshotStore;
  ledger: AuditLedger;
  memory: MemoryStore;
  emit: (event: DaemonEvent) => void;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class StepRunner {
  constructor(private readonly deps: StepRunnerDeps) {}

  async run(goalId: string, plan: PlanView): Promise<void> {
    const { store } = this.deps;
    const states = new Map<string, StepState>(plan.steps.map((s) => [s.id, s.state]));
    let failure: string | null = null;
    for (const step of plan.steps) {
      if (states.get(step.id) !== 'approved') continue;
      const blocked = failure !== null || step.dependsOn.some((d) => states.get(d) !== 'succeeded');
      if (blocked) {
        states.set(step.id, 'skipped');
        store.updateStep(plan.id, step.id, { state: 'skipped', error: failure === null ? 'a step it depends on did not run' : 'an earlier step failed' });
        this.deps.emit({ type: 'step.finished', goalId, stepId: step.id, state: 'skipped', error: null });
        continue;
      }
      const error = await this.runStep(goalId, plan.id, step);
      states.set(step.id, error === null ? 'succeeded' : 'failed');
      if (error !== null) failure = `step ${step.id} (${step.tool}) failed: ${error}`;
    }
    const ran = [...states.values()].filter((s) => s === 'succeeded').length;
    const goal = store.getGoal(goalId);
    if (failure === null) {
      store.setGoalState(goalId, 'succeeded', `${ran} step${ran === 1 ? '' : 's'} succeeded`);
      this.deps.memory.add({ kind: 'goal', content: `${goal?.text ?? ''} — succeeded: ${plan.steps.map((s) => s.tool).join(', ')}`, metadata: { goalId, planId: plan.id } });
    } else {
      const undo = plan.steps.some((s) => states.get(s.id) === 'succeeded') ? '; roll back what ran with r (or aios goal rollback)' : '';
      store.setGoalState(goalId, 'failed', failure + undo);
      this.deps.memory.add({ kind: 'goal', content: `${goal?.text ?? ''} — failed: ${failure}`, metadata: { goalId, planId: plan.id } });
    }
    const final = store.getGoal(goalId);
    if (final !== undefined) this.deps.emit({ type: 'goal.updated', goal: final });
  }

  /** Returns null on success, or why the step failed. */
  private async runStep(goalId: string, planId: string, step: StepView): Promise<string | null> {
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
      ledger.append({ actor: step.agent, action: 'tool.denied', subject: step.tool, detail: { goalId, planId, stepId: step.id, reason } });
      return finish('failed', reason);
    };

    const v = registry.validate(step.tool, step.args);
    if (!v.ok) return deny(v.error);
    const granted = capabilitiesOf(step.agent);
    if (granted === undefined) return deny(`unknown agent "${step.agent}"`);
    const missing = registry.missingCapabilities(v.tool, granted);
    if (missing.length > 0) return deny(`agent ${step.agent} lacks ${missing.join(', ')} needed by ${step.tool}`);

    // The ledger entry comes first: if it cannot be written, nothing runs.
    try {
      ledger.append({ actor: step.agent, action: 'tool.call', subject: step.tool, detail: { goalId, planId, stepId: step.id, args: step.args, approvedBy: step.approvedBy } });
    } catch (err) {
      return finish('failed', `the audit ledger cannot be written (${message(err)}); refusing to run`);
    }

    if (v.tool.mutates && v.tool.touches !== undefined) {
      try {
        const snap = this.deps.snapshots.capture({ paths: v.tool.touches(v.args), label: `before ${step.tool} (${goalId}/${step.id})`, goalId, stepId: step.id });
        store.updateStep(planId, step.id, { snapshotId: snap.id });
      } catch (err) {
        return finish('failed', `could not snapshot before running (${message(err)}); nothing was changed`);
      }
    }

    const controller = new AbortController();
    let result: ToolResult;
    let streamed = false;
    try {
      result = await v.tool.execute(v.args, {
        signal: controller.signal,
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
    const error = result.ok ? null : result.error;
    store.recordToolCall({ id: ulid(), goalId, planId, stepId: step.id, tool: step.tool, args: step.args, ok: result.ok, output: result.output, error, startedAt, finishedAt: new Date().toISOString() });
    ledger.append({ actor: step.agent, action: 'tool.result', subject: step.tool, detail: { goalId, planId, stepId: step.id, ok: result.ok, error } });
    return finish(result.ok ? 'succeeded' : 'failed', error);
  }
}
