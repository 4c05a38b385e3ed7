// The fleet view's decisions: approve or reject the plan group selected, for the fleet goal this
// node's console started. The shell only sends (fleet/decide, admins only): aiosd signs the
// decision with the console's key and sends it to each node of the group, bound to the group's
// plan hash. A group with high-risk or irreversible steps is approved only by typing yes on the
// input line and Enter, as a local plan's risky steps are.
import type { Prompt } from '../state/input-state.js';
import { loadedFor } from '../views/view-record.js';
import { decidedText } from '../../text/fleet-decision.js';
import { selectedFleetItem, type FleetData } from '../views/fleet-items.js';
import { groupLetter } from '../../text/group-letter.js';
import { reportFailure, type CommandContext } from './command-context.js';

export function decideGroup(ctx: CommandContext, decision: 'approve' | 'reject'): void {
  const state = ctx.store.getState();
  const item = selectedFleetItem(state.data);
  if (item?.kind !== 'group')
    return ctx.flash('info', 'select a plan group (j/k) under a fleet goal started here to approve or reject it');
  if (state.session !== null && state.session.role !== 'admin')
    return ctx.flash(
      'warning',
      `your role is ${state.session.role}: fleet goals are approved at this console by an admin (aios fleet goal elsewhere)`,
    );
  const { goal, group, index } = item;
  if (group.decision !== 'pending')
    return ctx.flash('info', `plan ${groupLetter(index)} was already ${decidedText(goal, group)}`);
  if (goal.state !== 'deciding')
    return ctx.flash('info', `nothing to decide: fleet goal ${goal.fleetGoal.slice(-8)} is ${goal.state}`);
  const risky = group.steps.filter((s) => s.risk === 'high' || !s.reversible).map((s) => s.id);
  if (decision === 'approve' && risky.length > 0) {
    const prompt: Prompt = {
      kind: 'approve',
      goalId: goal.fleetGoal,
      planId: group.hash,
      planHash: group.hash,
      risky,
      fleetGoal: goal.fleetGoal,
    };
    ctx.dispatch({ type: 'promptOpened', prompt, text: '' });
    return ctx.flash(
      'warning',
      `plan ${groupLetter(index)} has high-risk or irreversible steps (${risky.join(', ')}): type ${risky.length === 1 ? 'its id' : 'their ids'} or yes, then Enter; Esc cancels`,
    );
  }
  sendGroupDecision(ctx, goal.fleetGoal, group.hash, decision, false);
}

/** `confirmed`: the person typed the confirmation the group's risky steps ask for. */
export function sendGroupDecision(
  ctx: CommandContext,
  fleetGoal: string,
  planHash: string,
  decision: 'approve' | 'reject',
  confirmed: boolean,
): void {
  const c = ctx.client();
  if (c === null) return;
  c.call('fleet/decide', { fleetGoal, planHash, decision, ...(confirmed ? { confirm: true } : {}) })
    .then(
      (view) => {
        const group = view.groups.find((g) => g.hash === planHash);
        ctx.flash(
          'info',
          `${decision === 'approve' ? 'approved' : 'rejected'} plan ${planHash.slice(0, 12)} on ${group?.nodes.length ?? 0} node(s); aiosd sends it to them`,
        );
        // The goal as aiosd now has it, in place of the one shown, until the next load.
        const fleet = loadedFor<FleetData>(ctx.store.getState().data, 'fleet');
        if (fleet !== null)
          ctx.dispatch({
            type: 'viewLoaded',
            view: 'fleet',
            data: {
              ...fleet,
              goals: {
                ...fleet.goals,
                started: fleet.goals.started.map((g) => (g.fleetGoal === fleetGoal ? view : g)),
              },
            },
          });
      },
      (error: unknown) => reportFailure(ctx, `${decision} failed`, error),
    )
    .catch(() => undefined);
}
