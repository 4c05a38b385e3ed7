// Who may approve or roll back a node's goal for a fleet goal: its owner or an admin, as the socket's
// `ownerOrAdmin` methods (plan/decide, goal/rollback) demand. A fleet request reaches the engine
// without passing through those methods, so the same rule is applied here: an operator mapped on a
// node cannot approve, or roll back, a goal another person's account made there.
import type { Actor } from '../agents/approval-policy.js';

export function ownerRefusal(
  kind: string,
  goal: { ownerUid?: number | undefined } | null,
  actor: Actor,
): string | null {
  if (goal === null || actor.role === 'admin' || goal.ownerUid === undefined || goal.ownerUid === actor.uid)
    return null;
  return `${kind}: that goal belongs to someone else on this node; only its owner or an admin may act on it`;
}
