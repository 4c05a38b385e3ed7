// Why a provider call failed, chosen by cause: what the gateway retries, what makes it
// fall back to the next provider, and how long the provider asked to be left alone.

export type FailureKind =
  | 'rate_limited' // 429
  | 'overloaded' // 529
  | 'server' // other 5xx
  | 'timeout' // no answer in time, or the connection failed
  | 'bad_response' // a stream cut short, JSON that does not parse, no plan in the answer
  | 'auth' // 401, 403: the key is wrong
  | 'bad_request'; // other 4xx: the request itself was refused

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly status: number | null = null,
    /** From Retry-After / retry-after-ms, when the provider said. */
    readonly retryAfterMs: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Worth asking the same provider again after a pause. */
  get retryable(): boolean {
    return (
      this.kind === 'rate_limited' ||
      this.kind === 'overloaded' ||
      this.kind === 'server' ||
      this.kind === 'timeout' ||
      this.kind === 'bad_response'
    );
  }
}

export function kindForStatus(status: number): FailureKind {
  if (status === 429) return 'rate_limited';
  if (status === 529) return 'overloaded';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server';
  if (status === 401 || status === 403) return 'auth';
  return 'bad_request';
}

/** Retry-After in seconds or as an HTTP date, or Anthropic/OpenAI's retry-after-ms. */
export function retryAfterMs(
  headers: { get(name: string): string | null } | undefined,
  now = Date.now(),
): number | null {
  if (headers === undefined) return null;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headers.get('retry-after');
  if (ra === null) return null;
  if (/^\d+(\.\d+)?$/.test(ra.trim())) return Math.max(0, Number(ra) * 1000);
  const at = Date.parse(ra);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
