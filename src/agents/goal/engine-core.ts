// What every stage of a goal's life shares: the daemon's parts the engine was given, the goals
// in flight at each stage (planning, revising, running), and the few questions every stage asks
// (the goal, whether a tool changes the node, the autonomy that applies). The stages themselves
// live beside this file, one module each: propose, approve, brakes, rollback, resume.
import type { DaemonEvent } from '../../protocol/events.js';
import type { GoalView } from '../../protocol/model.js';
import type { SecurityMode } from '../../protocol/vocabulary.js';
import type { AuditLedger } from '../../memory/audit-ledger.js';
import type { ExecJournal } from '../../memory/exec-journal.js';
import type { GoalStore } from '../../memory/goal-store.js';
import type { MemoryStore } from '../../memory/memory-store.js';
import type { ToolRegistry } from '../../tools/registry.js';
import type { SnapshotStore } from '../../recovery/snapshot-store.js';
import type { PolicyEngine } from '../../policy/policy-engine.js';
import type { RunAs } from '../../runas/step-host.js';
import type { Autonomy } from '../approval-policy.js';
import type { FailureAnalysis } from '../failure-analysis.js';
import type { AgentMesh } from '../mesh/agent-mesh.js';
import { OpError } from '../op-error.js';
import { createPolicy } from '../plan-policy.js';
import type { Planner } from '../planner.js';
import type { ProcedureStore } from '../procedure-store.js';
import { StepRecovery } from '../step-recovery.js';
import { StepRunner } from '../step-runner.js';

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

export class EngineCore {
  readonly running = new Map<string, Promise<void>>();
  /** Goals being planned now: cancelling one aborts its model call in flight. */
  readonly planning = new Map<string, AbortController>();
  /** Goals submitted with a lower autonomy than the node's, until their first plan is proposed. */
  readonly autonomyOf = new Map<string, Autonomy['level']>();
  /** Goals whose plan an explicit policy of the node's configuration approves ([security] auto_patch), by that policy's name. */
  readonly configuredApprover = new Map<string, string>();
  /** Goals being revised now, with the state they go back to if the revision is cancelled. */
  readonly revising = new Map<string, { state: GoalView['state']; message: string | null }>();
  /** The submitter's home per goal: relative paths in its plan were resolved against it. */
  readonly homes = new Map<string, string>();
  readonly runner: StepRunner;
  readonly policy: PolicyEngine;
  /** Steps a previous aiosd left running: settled from the journal, their processes adopted. */
  readonly recovery: StepRecovery | null;

  constructor(readonly deps: GoalEngineDeps) {
    this.policy = deps.policy ?? createPolicy({ mode: deps.securityMode });
    this.runner = new StepRunner({ ...deps, policy: this.policy });
    this.recovery = deps.journal === undefined ? null : new StepRecovery({ ...deps, journal: deps.journal });
  }

  get(goalId: string): GoalView {
    const goal = this.deps.store.getGoal(goalId);
    if (goal === undefined)
      throw new OpError('NotFound', `no goal "${goalId}"; list goals with 'aios status' or the TUI`);
    return goal;
  }

  /** The goal as it is now, told to every client. */
  publish(goalId: string): GoalView {
    const goal = this.get(goalId);
    this.deps.emit({ type: 'goal.updated', goal });
    return goal;
  }

  mutates(toolName: string): boolean {
    return this.deps.registry.get(toolName)?.mutates ?? true;
  }

  /** The node's autonomy, lowered for a goal submitted with less (never raised: the lower level wins). */
  autonomyFor(goalId: string): Autonomy | undefined {
    const node = this.deps.autonomy?.();
    const asked = this.autonomyOf.get(goalId);
    if (asked === undefined) return node;
    const base = node ?? { level: 'supervised', allow: [] }; // autoApprovalPolicy's own default
    const rank = { manual: 0, supervised: 1, full: 2 } as const;
    return { level: rank[asked] < rank[base.level] ? asked : base.level, allow: base.allow };
  }
}
