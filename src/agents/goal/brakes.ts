// The brakes: cancelling a goal at any stage of its life (planning, awaiting approval, running,
// interrupted) and stopping or holding an agent, each audited with who asked.
import type { GoalView } from '../../protocol/model.js';
import { type Actor } from '../approval-policy.js';
import { OpError } from '../op-error.js';
import { cancelledSummary } from '../step-brakes.js';
import type { EngineCore } from './engine-core.js';

/**
 * Stops a goal in any state, audited with who asked. Planning: the model call in flight is
 * aborted and nothing runs. Awaiting approval: nothing runs. Running (or queued on its agents):
 * nothing more starts, and each running step's process tree is ended (afterStep: running steps
 * finish first); the goal ends cancelled when its run does. Interrupted: it will not be resumed,
 * and processes adopted at the restart are ended.
 */
export function cancel(core: EngineCore, goalId: string, actor: Actor, opts: { afterStep?: boolean } = {}): GoalView {
  const goal = core.get(goalId);
  const brakes = brake(core, goal, actor, opts.afterStep === true);
  if (brakes !== null) return brakes;
  const abort = core.planning.get(goalId);
  // A failed goal whose steps a model is diagnosing: the diagnosis stops; the goal stays as it is.
  if (
    (goal.state !== 'planning' || abort === undefined) &&
    core.deps.analysis?.cancel(goalId, `cancelled by ${actor.name}`) === true
  ) {
    core.deps.ledger.append({
      actor: actor.name,
      action: 'goal.cancel',
      subject: goalId,
      detail: { state: goal.state, text: goal.text, stopped: 'step analysis' },
    });
    return goal;
  }
  if (goal.state !== 'planning' || abort === undefined) {
    throw new OpError(
      'Conflict',
      `goal ${goalId} is ${goal.state.replace(/_/g, ' ')}: it has ended; there is nothing to cancel`,
    );
  }
  core.planning.delete(goalId);
  core.homes.delete(goalId);
  core.deps.ledger.append({
    actor: actor.name,
    action: 'goal.cancel',
    subject: goalId,
    detail: { state: goal.state, text: goal.text },
  });
  // A cancelled revision leaves the goal as it was (failed, with its plan, which can still be rolled back).
  const before = core.revising.get(goalId);
  if (before !== undefined) {
    core.deps.store.recordEvent('plan.revise_failed', goalId, {
      from: goal.plan?.id ?? null,
      reason: `cancelled by ${actor.name}`,
      by: actor.name,
    });
    core.deps.store.setGoalState(goalId, before.state, before.message);
  } else {
    core.deps.store.setGoalState(goalId, 'cancelled', `cancelled by ${actor.name} while it was planned`);
  }
  abort.abort(new Error(`cancelled by ${actor.name}`));
  return core.publish(goalId);
}

/** cancel() for a goal that is past planning: running, queued, awaiting approval or interrupted; null for the others. */
export function brake(core: EngineCore, goal: GoalView, actor: Actor, afterStep: boolean): GoalView | null {
  const { store, ledger } = core.deps;
  const audit = (detail: Record<string, unknown>): void => {
    ledger.append({
      actor: actor.name,
      action: 'goal.cancel',
      subject: goal.id,
      detail: { state: goal.state, text: goal.text, afterStep, ...detail },
    });
  };
  // Its run may have just ended (the goal is about to say how): then there is nothing to stop.
  const stopped = goal.state === 'running' ? core.runner.stop(goal.id, actor.name, afterStep) : null;
  if (stopped !== null) {
    audit({ stopping: stopped.stopping, dequeued: stopped.dequeued });
    store.setGoalState(
      goal.id,
      'running',
      afterStep
        ? `cancelled by ${actor.name}: the running step finishes, nothing more starts`
        : `cancelled by ${actor.name}: its running steps are being stopped`,
    );
    return core.publish(goal.id);
  }
  if (goal.state === 'awaiting_approval' || goal.state === 'interrupted') {
    const plan = goal.plan;
    const adopted = core.recovery?.watching(goal.id) ?? [];
    audit({ adopted });
    for (const step of plan?.steps ?? []) {
      if (step.state === 'pending' || step.state === 'approved')
        store.updateStep(plan?.id ?? '', step.id, {
          state: 'skipped',
          error: `never started: the goal was cancelled by ${actor.name}`,
        });
    }
    core.homes.delete(goal.id);
    const summary = (): void => {
      const steps = store.getPlan(plan?.id ?? '')?.steps ?? [];
      store.setGoalState(
        goal.id,
        'cancelled',
        cancelledSummary(actor.name, false, steps) +
          (adopted.length > 0 ? `; ended the processes of ${adopted.join(', ')} that outlived the last aiosd` : ''),
      );
      core.publish(goal.id);
    };
    if (adopted.length === 0) {
      summary();
    } else {
      // Its processes are ended in the background (SIGTERM, then SIGKILL): the goal says so when they are gone.
      store.setGoalState(
        goal.id,
        'interrupted',
        `cancelled by ${actor.name}: ending the processes of ${adopted.join(', ')} that outlived the last aiosd`,
      );
      void core.recovery?.stop(goal.id).then(summary, summary);
    }
    return core.publish(goal.id);
  }
  return null;
}

/**
 * aios agents stop: every step queued on the agent never starts, every step it runs is stopped
 * (process tree and all); with hold it takes no new work until agents/start. Audited.
 */
export function stopAgent(
  core: EngineCore,
  name: string,
  actor: Actor,
  hold: boolean,
): { agent: string; stopped: string[]; cancelled: string[]; held: boolean } {
  const r = core.runner.stopAgent(name, actor.name, hold);
  core.deps.ledger.append({
    actor: actor.name,
    action: 'agents.stop',
    subject: name,
    detail: { hold, stopped: r.stopped, cancelled: r.cancelled },
  });
  return { agent: name, ...r, held: hold };
}

/** An agent held by stopAgent takes work again. Audited. */
export function startAgent(core: EngineCore, name: string, actor: Actor): { agent: string; held: boolean } {
  const agent = core.deps.mesh?.get(name);
  if (agent === undefined) throw new OpError('NotFound', `no agent "${name}"; list them with 'aios agents'`);
  agent.hold(null);
  core.deps.ledger.append({ actor: actor.name, action: 'agents.start', subject: name, detail: {} });
  return { agent: name, held: false };
}
