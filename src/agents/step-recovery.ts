// After a restart: each step the last aiosd left "running" is settled from the execution
// journal. One whose tool never started runs on resume like any approved step; one that
// started with no recorded end has an unknown outcome (never failed, never re-run on its own);
// and if its processes still run, they are adopted: watched through /proc (pid and start time,
// or its cgroup) until they end, which is recorded as an end seen from outside, status unknown.
import type { DaemonEvent } from '../protocol/events.js';
import type { AuditLedger } from '../memory/audit-ledger.js';
import type { ExecJournal, JournalEntry } from '../memory/exec-journal.js';
import type { GoalStore } from '../memory/goal-store.js';
import { ProcessTree } from '../tools/process-tree.js';

export interface StepRecoveryDeps {
  store: GoalStore;
  journal: ExecJournal;
  ledger: AuditLedger;
  emit: (event: DaemonEvent) => void;
  /** How often an adopted process is looked for in /proc. */
  pollMs?: number;
}

/** What an unknown step says, in the goal view, the TUI and the CLI. */
export const UNKNOWN_NOTE =
  'outcome unknown: aiosd stopped while this step ran, so it may already have run in full, in part or not at all. ' +
  'It is not run again unless you approve it again knowing that (approve the step with confirm, or aios goal resume <goal> --rerun <step>)';

interface Adopted {
  tree: ProcessTree;
  entry: JournalEntry;
  timer: NodeJS.Timeout;
}

export class StepRecovery {
  /** Adopted steps by goal: their processes outlived the aiosd that started them. */
  private readonly adopted = new Map<string, Map<string, Adopted>>();

  constructor(private readonly deps: StepRecoveryDeps) {}

  /** Settles every step left running; call before the goals are marked interrupted. Returns the goals touched. */
  settle(): string[] {
    const { store, journal } = this.deps;
    const goals = new Set<string>();
    const open = journal.open();
    for (const entry of open) {
      goals.add(entry.goalId);
      const tree = new ProcessTree(entry.cgroup);
      for (const ref of entry.processes) tree.track(ref);
      const alive = tree.running();
      store.updateStep(entry.planId, entry.stepId, { state: 'outcome_unknown', error: UNKNOWN_NOTE });
      if (alive.length === 0) {
        tree.release();
        journal.ended(
          entry.id,
          'unknown',
          'aiosd stopped while it ran, and nothing of it was running at the restart: it ended (or was ended) while aiosd was away; its exit status is unknown',
        );
        continue;
      }
      this.adopt(entry, tree, alive);
    }
    // Left running with no journal start: it was still being checked or snapshotted, its tool never started.
    for (const s of journal.runningWithoutStart()) {
      goals.add(s.goalId);
      store.updateStep(s.planId, s.stepId, { state: 'approved', error: null });
      store.recordEvent('step.not_started', s.goalId, {
        planId: s.planId,
        stepId: s.stepId,
        why: 'aiosd stopped before its tool started; it runs on resume',
      });
    }
    return [...goals];
  }

  /** Whether processes of this goal adopted at the restart still run. */
  watching(goalId: string): string[] {
    return [...(this.adopted.get(goalId)?.keys() ?? [])];
  }

  /** Ends the adopted processes of a goal (a cancel); resolves once they are gone. */
  async stop(goalId: string): Promise<string[]> {
    const steps = [...(this.adopted.get(goalId)?.values() ?? [])];
    await Promise.all(steps.map((a) => a.tree.end()));
    for (const a of steps) this.check(a);
    return steps.map((a) => a.entry.stepId);
  }

  /** Stops watching (aiosd shuts down); what still runs is found again by the next start. */
  close(): void {
    for (const steps of this.adopted.values()) for (const a of steps.values()) clearInterval(a.timer);
    this.adopted.clear();
  }

  private adopt(entry: JournalEntry, tree: ProcessTree, alive: number[]): void {
    const { store, ledger } = this.deps;
    const note = `[aiosd restarted while this step ran; its processes (${alive.join(', ')}) still run and are watched through /proc until they end]\n`;
    store.appendOutput(entry.planId, entry.stepId, note);
    ledger.append({
      actor: 'aiosd',
      action: 'step.adopted',
      subject: `${entry.planId}/${entry.stepId}`,
      detail: { goalId: entry.goalId, pids: alive, cgroup: entry.cgroup },
    });
    const a: Adopted = { tree, entry, timer: setInterval(() => this.check(a), this.deps.pollMs ?? 500) };
    a.timer.unref();
    const steps = this.adopted.get(entry.goalId) ?? new Map<string, Adopted>();
    steps.set(entry.stepId, a);
    this.adopted.set(entry.goalId, steps);
  }

  private check(a: Adopted): void {
    if (a.tree.running().length > 0) return;
    clearInterval(a.timer);
    const steps = this.adopted.get(a.entry.goalId);
    if (steps?.get(a.entry.stepId) !== a) return;
    steps.delete(a.entry.stepId);
    if (steps.size === 0) this.adopted.delete(a.entry.goalId);
    a.tree.release();
    const { store, journal, ledger, emit } = this.deps;
    const at = new Date().toISOString();
    const how = `it outlived the aiosd that started it and ended at ${at}, while aiosd was away from it (watched through /proc, not its parent): its exit status is unknown`;
    journal.ended(a.entry.id, 'unknown', how);
    store.appendOutput(a.entry.planId, a.entry.stepId, `[${how}]\n`);
    try {
      ledger.append({
        actor: 'aiosd',
        action: 'step.ended_away',
        subject: `${a.entry.planId}/${a.entry.stepId}`,
        detail: { goalId: a.entry.goalId, endedAt: at },
      });
    } catch {
      /* the journal holds the end; the ledger entry is a copy for the trace */
    }
    const goal = store.getGoal(a.entry.goalId);
    if (goal !== undefined) emit({ type: 'goal.updated', goal });
  }
}
