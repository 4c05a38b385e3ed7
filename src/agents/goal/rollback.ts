// Rollback: every reversible step of a goal that ran undone from its snapshots, last first,
// judged as the person rolling back, with what could not be brought back named.
import type { RollbackPreview } from '../../protocol/methods.js';
import type { GoalView } from '../../protocol/model.js';
import { approvalRefusal, type Actor } from '../approval-policy.js';
import { verdictOf } from '../plan-policy.js';
import { OpError } from '../op-error.js';
import { previewRollback, undoPlan } from '../rollback-preview.js';
import type { EngineCore } from './engine-core.js';

/** Undo every reversible step of a goal that ran, last first. */
export async function rollback(core: EngineCore, goalId: string, actor: Actor): Promise<GoalView> {
  const goal = core.get(goalId);
  if (core.running.has(goalId)) throw new OpError('Conflict', 'the goal is still running; wait for it to finish');
  // A rollback changes the node; one the ledger cannot record is not done. (A full disk is
  // fine: the reserve given back leaves room for its records, and it writes its targets, not the state dir.)
  if (core.deps.stateSpace?.readOnly === true) {
    throw new OpError(
      'StateUnavailable',
      `cannot roll back goal ${goalId}: ${core.deps.stateSpace.problem() ?? 'the state directory is read-only'}`,
    );
  }
  const plan = goal.plan;
  if (plan === null || !['succeeded', 'failed', 'interrupted', 'cancelled'].includes(goal.state)) {
    throw new OpError('Conflict', `goal ${goalId} is ${goal.state}: only a goal that ran can be rolled back`);
  }
  // Every plan that ran counts, newest first: a revised plan runs after the failed one it
  // replaced, and what the failed one changed is still in effect until this undoes it.
  const { undoable, irreversible } = undoPlan(core.deps.store, goalId, (t) => core.mutates(t));
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
    core.deps.ledger.append({
      actor: actor.name,
      action: 'goal.rollback_denied',
      subject: goalId,
      detail: { planId: step.planId, stepId: step.id, reason: refusal },
    });
    throw new OpError('Unauthorized', `cannot roll back goal ${goalId}: ${refusal}`);
  }
  core.deps.ledger.append({
    actor: actor.name,
    action: 'goal.rollback',
    subject: goalId,
    detail: { planId: plan.id, steps: undoable.map((s) => (s.planId === plan.id ? s.id : `${s.planId}/${s.id}`)) },
  });
  const restored: string[] = [];
  const problems: string[] = [];
  // Judged as the person rolling back: the daemon restores as root, so only where the kernel
  // lets that person write now (an admin's and the daemon's own rollbacks: everywhere).
  const judge = core.deps.runAs?.hostFor(actor.uid);
  for (const step of undoable) {
    const snapshotId = step.snapshotId as string;
    const refused =
      (await judge
        ?.mayWrite(core.deps.snapshots.entries(snapshotId).map((e) => e.path))
        .catch((err: unknown) => String(err))) ?? null;
    if (refused !== null) {
      problems.push(`${step.id}: ${refused}`);
      continue;
    }
    const r = await core.deps.snapshots.restore(snapshotId);
    // Machine state (services, packages, the firewall) is named by what was done to bring it
    // back: a service rollback restores no path, and "restored " alone would hide it.
    const stateActions = r.states.flatMap((s) => s.actions.map((a) => `${s.kind}: ${a}`));
    restored.push(...r.restored, ...stateActions);
    problems.push(...r.problems);
    core.deps.store.updateStep(step.planId, step.id, { state: 'rolled_back' });
    core.deps.ledger.append({
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
  core.deps.store.setGoalState(
    goalId,
    'rolled_back',
    `rolled back by ${actor.name}: restored ${restored.length === 0 ? 'nothing (already as before)' : restored.join(', ')}${note}`,
  );
  return core.publish(goalId);
}

/** What rollback() would restore and remove now, computed from the goal's snapshots; changes nothing. */
export function rollbackPreview(core: EngineCore, goalId: string): Promise<RollbackPreview> {
  core.get(goalId);
  return previewRollback(
    goalId,
    undoPlan(core.deps.store, goalId, (t) => core.mutates(t)),
    core.deps.snapshots,
  );
}
