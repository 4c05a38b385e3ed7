// How a console fleet goal's plan group reads once decided, in the TUI and in aios fleet goal show.

const DECIDED: Record<string, string> = { pending: 'pending', approve: 'approved', reject: 'rejected' };

/** HH:MM in UTC, as the deadline a person reads against. */
export const clock = (ms: number): string => `${new Date(ms).toISOString().slice(11, 16)} UTC`;

/** By whom, or that nobody decided it in time (`decideBy`: the goal's deadline for its groups). */
export const decidedText = (
  goal: { decideBy?: number | null | undefined },
  group: { decision: string; decidedBy: string | null },
): string =>
  group.decision === 'expired'
    ? `expired: nobody decided by ${clock(goal.decideBy ?? 0)}; its nodes get nothing`
    : `${DECIDED[group.decision] ?? group.decision} by ${group.decidedBy ?? '?'}`;
