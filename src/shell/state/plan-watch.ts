// Watching plans change under the person's eyes, when several people share a node: a pending
// confirmation (the typed one for a high-risk step) holds only while the plan it names is unchanged, and a decision made in another
// session is said out loud the moment it arrives.
import type { GoalView } from '../../protocol/model.js';
import type { GoalBook } from './goals.js';
import type { Prompt } from './input-state.js';
import type { Confirm } from './confirm.js';

export function confirmStillValid(confirm: Confirm | Prompt, goals: GoalBook): boolean {
  // A fleet group is no local goal: aiosd refuses a decision on a group that changed or was decided.
  if (confirm.kind !== 'approve' || confirm.fleetGoal !== undefined) return true;
  const goal = goals.byId[confirm.goalId];
  return (
    goal !== undefined &&
    goal.state === 'awaiting_approval' &&
    goal.plan?.id === confirm.planId &&
    goal.plan.hash === confirm.planHash
  );
}

/** A line saying who decided or edited the shown plan in another session, or null. */
export function decidedByOther(before: GoalView, after: GoalView, me: string | null): string | null {
  if (before.plan !== null && after.plan !== null && before.plan.id !== after.plan.id) {
    return `the plan was edited (new hash ${after.plan.hash.slice(0, 12)}): review it and approve again`;
  }
  const changed = (after.plan?.steps ?? []).filter((s) => {
    const was = before.plan?.steps.find((b) => b.id === s.id);
    return (
      was !== undefined &&
      was.state === 'pending' &&
      s.state !== 'pending' &&
      s.approvedBy !== null &&
      s.approvedBy !== me
    );
  });
  const first = changed[0];
  if (first === undefined || first.approvedBy === null) return null;
  const verb = first.state === 'rejected' ? 'rejected' : first.state === 'skipped' ? 'skipped' : 'approved';
  const which = changed.length === 1 ? `step ${first.id}` : `${changed.length} steps`;
  return `${first.approvedBy} ${verb} ${which} of this plan in another session`;
}
