// How long to wait before asking a provider again: what it said (Retry-After) plus a little
// jitter, else exponential backoff with full jitter, so that many clients do not retry in step.

export interface RetryPolicy {
  baseMs: number;
  capMs: number;
  /** A Retry-After longer than this is not waited for: the gateway falls back instead. */
  maxWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 500, capMs: 8_000, maxWaitMs: 20_000 };

export function backoffMs(
  attempt: number,
  retryAfterMs: number | null,
  policy: RetryPolicy = DEFAULT_RETRY,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== null) return retryAfterMs + Math.floor(random() * Math.min(250, policy.baseMs));
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
