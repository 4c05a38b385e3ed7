// After a crash or a restart: goals caught mid-run are interrupted, steps left running are settled
// from the execution journal, and an interrupted goal is picked up where it stopped.
import type { GoalView, PlanView } from '../../protocol/model.js';
import { type Actor } from '../approval-policy.js';
import { OpError } from '../op-error.js';
import type { EngineCore } from './engine-core.js';

/**
 * Picks an interrupted goal up where it stopped: approved steps that never started run under
 * the approval they already had. A step whose outcome is unknown (it started, and aiosd
 * stopped before its end was recorded) is not run again unless it was approved again.
 */
export function resume(core: EngineCore, goalId: string, actor: Actor): GoalView {
  const goal = core.get(goalId);
  if (goal.state !== 'interrupted' || goal.plan === null)
    throw new OpError('Conflict', `goal ${goalId} is ${goal.state}: only an interrupted goal can be resumed`);
  const plan = goal.plan;
  const adopted = core.recovery?.watching(goalId) ?? [];
  if (adopted.length > 0) {
    throw new OpError(
      'Conflict',
      `step ${adopted.join(', ')} still runs: its processes outlived the last aiosd and are watched until they end; wait for them, or cancel the goal to end them`,
    );
  }
  const after = core.deps.store.getPlan(plan.id) as PlanView;
  if (!after.steps.some((s) => s.state === 'approved')) {
    const unknown = after.steps.filter((s) => s.state === 'outcome_unknown').map((s) => s.id);
    throw new OpError(
      'Conflict',
      unknown.length > 0
        ? `nothing left to run that never started; ${unknown.join(', ')} may already have run (outcome unknown): to run ${unknown.length === 1 ? 'it' : 'them'} again, approve ${unknown.length === 1 ? 'it' : 'them'} again with confirm (aios goal resume ${goalId} --rerun ${unknown.join(',')})`
        : 'nothing left to run: every step finished before the interruption',
    );
  }
  core.deps.ledger.append({
    actor: actor.name,
    action: 'goal.resume',
    subject: goalId,
    detail: { planId: plan.id, hash: plan.hash },
  });
  core.deps.store.setGoalState(goalId, 'running', `resumed by ${actor.name}`);
  const run = core.runner
    .run(goalId, after)
    .then(() => core.deps.analysis?.start(goalId))
    .finally(() => core.running.delete(goalId));
  core.running.set(goalId, run);
  return core.publish(goalId);
}

/**
 * Marks goals caught mid-run by a previous daemon as interrupted; first, each step it left
 * running is settled from the execution journal (never started, or outcome unknown, its
 * processes adopted if they still run).
 */
export function recoverInterrupted(core: EngineCore): string[] {
  core.recovery?.settle();
  const ids = core.deps.store.markInterrupted();
  for (const id of ids)
    core.deps.ledger.append({ actor: 'aiosd', action: 'goal.interrupted', subject: id, detail: {} });
  return ids;
}
