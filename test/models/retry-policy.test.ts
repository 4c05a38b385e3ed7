// How long the gateway waits before asking a provider again: full jitter within an exponential
// ceiling, or what the provider asked for (Retry-After) plus a little jitter, never less.
import { describe, expect, it } from 'vitest';
import { backoffMs, DEFAULT_RETRY } from '../../src/models/gateway/retry-policy.js';

const policy = { baseMs: 500, capMs: 8_000, maxWaitMs: 20_000 };

describe('backoffMs', () => {
  it('spreads retries over the whole window, which doubles per attempt up to the cap', () => {
    expect(backoffMs(0, null, policy, () => 0)).toBe(0);
    expect(backoffMs(0, null, policy, () => 0.999)).toBe(499);
    expect(backoffMs(2, null, policy, () => 0.5)).toBe(1000);
    expect(backoffMs(10, null, policy, () => 0.999)).toBe(7992);
    // Two clients with different draws do not retry in step.
    expect(backoffMs(1, null, policy, () => 0.1)).not.toBe(backoffMs(1, null, policy, () => 0.7));
  });

  it('waits at least what Retry-After asked, plus under 250 ms of jitter', () => {
    expect(backoffMs(0, 3000, policy, () => 0)).toBe(3000);
    expect(backoffMs(3, 3000, policy, () => 0.999)).toBe(3249);
    expect(backoffMs(0, 3000, { ...policy, baseMs: 20 }, () => 0.999)).toBe(3019);
  });

  it('draws from Math.random by default, inside the window', () => {
    const draws = Array.from({ length: 50 }, () => backoffMs(1, null, DEFAULT_RETRY));
    for (const d of draws) expect(d).toBeGreaterThanOrEqual(0);
    for (const d of draws) expect(d).toBeLessThan(1000);
    expect(new Set(draws).size).toBeGreaterThan(1);
  });
});
