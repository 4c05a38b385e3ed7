// Who edited the plan a goal's owner is about to approve, when it was not the owner: an edit
// by someone else is said plainly (the approvals it reset are to be given again knowingly).
import type { GoalView } from '../../protocol/model.js';
import { sanitize } from '../../text/sanitize.js';

export function editedByOther(goal: GoalView): string | null {
  const by = goal.plan?.editedBy;
  if (by === undefined || goal.ownerUid === undefined || by.uid === goal.ownerUid) return null;
  return `this plan was edited by ${sanitize(by.name, { singleLine: true })}, not by ${sanitize(goal.submittedBy, { singleLine: true })}: review every step before approving`;
}
