// Who sees what of a goal. Step output, previews (diffs, argv), arguments and gathered facts may
// hold whatever the goal read: they go to the goal's owner and to admins only. Everyone else
// with a role sees the goal's text, its state and its step list.
import type { DaemonEvent } from '../protocol/events.js';
import type { AuditEntryView, GoalView, StepView, TraceItem } from '../protocol/model.js';
import type { Actor } from '../agents/approval-policy.js';

const WITHHELD = '(withheld: only the goal’s owner and admins see it)';

/** Admins see every goal in full; anyone else only the goals they submitted. */
export function seesDetail(actor: Pick<Actor, 'uid' | 'role'>, ownerUid: number | undefined): boolean {
  return actor.role === 'admin' || (ownerUid !== undefined && actor.uid === ownerUid);
}

function outline(step: StepView): StepView {
  const { analysis: _analysis, ...rest } = step;
  const preview = {
    summary: step.preview.summary,
    ...(step.preview.policy === undefined ? {} : { policy: step.preview.policy }),
  };
  return { ...rest, args: {}, output: '', error: step.error === null ? null : WITHHELD, preview };
}

/** The goal as `actor` may see it. */
export function goalFor(actor: Pick<Actor, 'uid' | 'role'>, goal: GoalView): GoalView {
  if (seesDetail(actor, goal.ownerUid)) return goal;
  // A question's answer is written from its steps' outputs: it is detail like them.
  const { answer: _answer, ...rest } = goal;
  return {
    ...rest,
    redacted: true,
    plan: goal.plan === null ? null : { ...goal.plan, steps: goal.plan.steps.map(outline) },
  };
}

/** A goal's trace as `actor` may see it: what happened and who did it, without the content. */
export function traceFor(
  actor: Pick<Actor, 'uid' | 'role'>,
  ownerUid: number | undefined,
  items: TraceItem[],
): TraceItem[] {
  return seesDetail(actor, ownerUid) ? items : items.map((item) => ({ ...item, summary: WITHHELD }));
}

/** Ledger entries as `actor` may see them: their details (arguments, paths, reasons) are an admin's, or their own. */
export function auditFor(actor: Pick<Actor, 'name' | 'role'>, entries: AuditEntryView[]): AuditEntryView[] {
  if (actor.role === 'admin') return entries;
  return entries.map((e) => (e.actor === actor.name ? e : { ...e, detail: { withheld: WITHHELD } }));
}

/**
 * How one broadcast event reaches each connection: as is, redacted, or not at all. `ownerOf` is
 * asked once per event, not per connection.
 */
export function eventViews(
  event: DaemonEvent,
  ownerOf: (goalId: string) => number | undefined,
): (actor: Pick<Actor, 'uid' | 'role'>) => DaemonEvent | null {
  switch (event.type) {
    case 'goal.updated': {
      // The redacted view is the same for everyone who may not see detail: made once, so its
      // frame is encoded once however many such sessions are subscribed.
      let redacted: DaemonEvent | undefined;
      return (actor) =>
        seesDetail(actor, event.goal.ownerUid)
          ? event
          : (redacted ??= { type: 'goal.updated', goal: goalFor(actor, event.goal) });
    }
    case 'step.output':
    case 'plan.delta': {
      const owner = ownerOf(event.goalId);
      return (actor) => (seesDetail(actor, owner) ? event : null);
    }
    case 'step.finished': {
      const owner = ownerOf(event.goalId);
      return (actor) => (seesDetail(actor, owner) || event.error === null ? event : { ...event, error: WITHHELD });
    }
    case 'step.started':
    case 'agent.status':
    case 'alert':
      return () => event;
    case 'hatch.output':
    case 'hatch.exited':
    case 'model.pull':
      // Only ever sent to the connection that opened the hatch; never broadcast.
      return () => null;
  }
}
