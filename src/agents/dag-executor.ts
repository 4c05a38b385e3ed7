// Runs a plan as a DAG: every approved step whose dependencies succeeded starts at once on
// its agent, so independent steps overlap; a failed or skipped step skips its dependants,
// while independent branches run to the end. A stop (goal/cancel) starts nothing more.
import type { StepState } from '../protocol/model.js';

export interface DagStep {
  id: string;
  dependsOn: readonly string[];
}

export interface DagCallbacks<S extends DagStep> {
  /** Runs one step; resolves to null on success or the failure's reason. */
  run: (step: S) => Promise<string | null>;
  skip: (step: S, reason: string) => void;
  /** Why no further step may start (the goal is being cancelled), or null: steps not started are skipped with it. */
  stopped?: () => string | null;
}

/** States of a dependency that its dependants can never run after. */
const DEAD: ReadonlySet<StepState> = new Set([
  'failed',
  'skipped',
  'rejected',
  'pending',
  'cancelled',
  'outcome_unknown',
]);

/** Returns the final state of every step that was approved when the run began. */
export async function runDag<S extends DagStep>(
  steps: readonly S[],
  initial: ReadonlyMap<string, StepState>,
  cb: DagCallbacks<S>,
): Promise<Map<string, StepState>> {
  const states = new Map(initial);
  const pending = new Set(steps.filter((s) => states.get(s.id) === 'approved').map((s) => s.id));
  const byId = new Map(steps.map((s) => [s.id, s]));
  const inflight = new Map<string, Promise<void>>();

  const settle = (): void => {
    const stop = cb.stopped?.() ?? null;
    for (const id of [...pending]) {
      const step = byId.get(id) as S;
      if (stop !== null) {
        pending.delete(id);
        states.set(id, 'skipped');
        cb.skip(step, stop);
        continue;
      }
      const deps = step.dependsOn.map((d) => states.get(d));
      const dead = step.dependsOn.find(
        (d) => DEAD.has(states.get(d) ?? 'pending') && !pending.has(d) && !inflight.has(d),
      );
      if (dead !== undefined) {
        pending.delete(id);
        states.set(id, 'skipped');
        cb.skip(step, `step ${dead} it depends on did not succeed`);
        continue;
      }
      if (deps.every((s) => s === 'succeeded')) {
        pending.delete(id);
        states.set(id, 'running');
        inflight.set(
          id,
          cb
            .run(step)
            .then(
              (error) => {
                states.set(id, error === null ? 'succeeded' : 'failed');
              },
              () => {
                states.set(id, 'failed');
              },
            )
            .finally(() => {
              inflight.delete(id);
            }),
        );
      }
    }
  };

  settle();
  while (inflight.size > 0) {
    await Promise.race(inflight.values());
    settle();
  }
  // Anything still pending waits on a cycle or a step that was never approved.
  for (const id of pending) {
    states.set(id, 'skipped');
    cb.skip(byId.get(id) as S, 'its dependencies can never be met');
  }
  return states;
}
