// When a service that stopped should start again: exponential backoff on quick failures, a
// reset once it has run long enough to count as healthy, and a start limit (at most `burst`
// starts within `intervalMs`) after which it is left failed, as systemd's StartLimitBurst does.

export interface RestartPolicy {
  restart: 'always' | 'on-failure' | 'never';
  /** Delay after the first quick failure; doubles with each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A run at least this long resets the backoff. */
  stableAfterMs: number;
  /** null: no start limit (gettys restart after every logout). */
  startLimit: { burst: number; intervalMs: number } | null;
}

export const DEFAULT_POLICY: RestartPolicy = {
  restart: 'on-failure',
  baseDelayMs: 250,
  maxDelayMs: 15_000,
  stableAfterMs: 10_000,
  startLimit: { burst: 5, intervalMs: 60_000 },
};

export type RestartDecision =
  { kind: 'restart'; delayMs: number; quickFailures: number } | { kind: 'stop'; reason: string };

export interface RunHistory {
  /** Start times (ms) of recent runs, oldest first. */
  starts: number[];
  /** Quick failures in a row before this one. */
  quickFailures: number;
}

export function decideRestart(
  policy: RestartPolicy,
  history: RunHistory,
  run: { startedAt: number; endedAt: number; failed: boolean },
): RestartDecision {
  if (policy.restart === 'never') return { kind: 'stop', reason: 'restart=never' };
  if (!run.failed && policy.restart === 'on-failure') return { kind: 'stop', reason: 'exited cleanly' };
  const limit = policy.startLimit;
  if (limit !== null) {
    const recent = history.starts.filter((t) => run.endedAt - t < limit.intervalMs);
    if (recent.length >= limit.burst) {
      return {
        kind: 'stop',
        reason: `start limit hit: ${recent.length} starts within ${Math.round(limit.intervalMs / 1000)} s`,
      };
    }
  }
  if (run.endedAt - run.startedAt >= policy.stableAfterMs) return { kind: 'restart', delayMs: 0, quickFailures: 0 };
  // A quick clean exit of an always-restarted service (a getty after a short login) is not a
  // failure, but it still waits the base delay so a program that exits at once cannot spin.
  if (!run.failed) return { kind: 'restart', delayMs: policy.baseDelayMs, quickFailures: history.quickFailures };
  const quickFailures = history.quickFailures + 1;
  const delayMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (quickFailures - 1));
  return { kind: 'restart', delayMs, quickFailures };
}
