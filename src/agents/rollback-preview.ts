// What rolling a goal back would do, said before it is done: the steps whose snapshots would be
// restored, and, against the node as it is now, which paths would be written back, removed or
// made again, and which packages, services and firewall rules put back. Reads only.
import type { GoalStore } from '../memory/goal-store.js';
import type { RollbackPreview } from '../protocol/methods.js';
import type { StepView } from '../protocol/model.js';
import { hashFile } from '../recovery/blob-store.js';
import { newInTrees, planRestore, reviewOf, type SnapshotEntry } from '../recovery/snapshot-restore.js';
import type { SnapshotStore } from '../recovery/snapshot-store.js';

export type RanStep = StepView & { planId: string };

/**
 * The steps of every plan of a goal that ran, newest first (a revised plan runs after the failed
 * one it replaced, and what the failed one changed is in effect until a rollback undoes it):
 * those with a snapshot can be undone; those without that changed something cannot.
 */
export function undoPlan(
  store: GoalStore,
  goalId: string,
  mutates: (tool: string) => boolean,
): { undoable: RanStep[]; irreversible: RanStep[] } {
  const ran = store.plansOf(goalId).flatMap((p) =>
    p.steps
      // A step stopped or cut off may have changed things before it ended: what its snapshot holds counts too.
      .filter(
        (s) =>
          s.state === 'succeeded' ||
          (['failed', 'cancelled', 'outcome_unknown'].includes(s.state) && s.snapshotId !== null),
      )
      .map((s) => ({ ...s, planId: p.id }))
      .reverse(),
  );
  return {
    undoable: ran.filter((s) => s.snapshotId !== null),
    irreversible: ran.filter((s) => s.snapshotId === null && mutates(s.tool)),
  };
}

const sameContent = (path: string, _st: unknown, sha256: string): boolean => hashFile(path) === sha256;

export async function previewRollback(
  goalId: string,
  steps: { undoable: RanStep[]; irreversible: RanStep[] },
  snapshots: SnapshotStore,
): Promise<RollbackPreview> {
  // Snapshots are restored newest first, so where two record the same path the oldest one is what stays.
  const byPath = new Map<string, SnapshotEntry>();
  const states: RollbackPreview['states'] = [];
  const trees = new Set<string>();
  for (const step of steps.undoable) {
    const id = step.snapshotId as string;
    for (const e of snapshots.entries(id)) byPath.set(e.path, e);
    for (const t of snapshots.treesOf(id)) trees.add(t);
    for (const s of await snapshots.stateChanges(id))
      if (s.changes.length > 0) states.push({ kind: s.kind, changes: s.changes, step: step.id });
  }
  const preview: RollbackPreview = {
    goalId,
    steps: steps.undoable.map((s) => s.id),
    restore: [],
    remove: [],
    create: [],
    states,
    irreversible: steps.irreversible.map((s) => `${s.id} (${s.tool})`),
    problems: [],
  };
  for (const entry of byPath.values()) {
    try {
      const plan = planRestore([entry], sameContent);
      preview.problems.push(...plan.problems);
      const review = reviewOf(plan.ops);
      preview.restore.push(...review.restore);
      preview.remove.push(...review.remove);
      preview.create.push(...review.create);
    } catch (error) {
      preview.problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  // What a writing step made in a directory it declared whole: the rollback removes it too.
  preview.remove.push(...newInTrees([...byPath.values()], [...trees]).map((op) => op.path));
  return preview;
}
