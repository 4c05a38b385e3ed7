import { describe, expect, it } from 'vitest';
import { decideRestart, type RestartPolicy } from '../../init/supervisor/restart-policy.js';

const policy: RestartPolicy = {
  restart: 'on-failure',
  baseDelayMs: 100,
  maxDelayMs: 1000,
  stableAfterMs: 5000,
  startLimit: { burst: 3, intervalMs: 10_000 },
};

describe('restart policy', () => {
  it('doubles the delay with each quick failure, up to the maximum', () => {
    let quick = 0;
    const delays: number[] = [];
    const noLimit = { ...policy, startLimit: null };
    for (let i = 0; i < 6; i++) {
      const d = decideRestart(
        noLimit,
        { starts: [0], quickFailures: quick },
        { startedAt: 0, endedAt: 10, failed: true },
      );
      if (d.kind !== 'restart') throw new Error('expected a restart');
      delays.push(d.delayMs);
      quick = d.quickFailures;
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('restarts at once and forgets earlier failures after a run that lasted', () => {
    expect(
      decideRestart(policy, { starts: [0], quickFailures: 4 }, { startedAt: 0, endedAt: 6000, failed: true }),
    ).toEqual({ kind: 'restart', delayMs: 0, quickFailures: 0 });
  });

  it('gives up once the start limit is reached within the interval, and not after it has passed', () => {
    const hit = decideRestart(
      policy,
      { starts: [1000, 2000, 3000], quickFailures: 2 },
      { startedAt: 3000, endedAt: 3100, failed: true },
    );
    expect(hit.kind).toBe('stop');
    if (hit.kind === 'stop') expect(hit.reason).toMatch(/start limit hit: 3 starts within 10 s/);
    const old = decideRestart(
      policy,
      { starts: [1000, 2000, 30_000], quickFailures: 2 },
      { startedAt: 30_000, endedAt: 30_100, failed: true },
    );
    expect(old.kind).toBe('restart');
  });

  it('lets a clean exit end an on-failure service, and restarts an always service after the base delay', () => {
    expect(
      decideRestart(policy, { starts: [0], quickFailures: 0 }, { startedAt: 0, endedAt: 10, failed: false }).kind,
    ).toBe('stop');
    expect(
      decideRestart(
        { ...policy, restart: 'always' },
        { starts: [0], quickFailures: 2 },
        { startedAt: 0, endedAt: 10, failed: false },
      ),
    ).toEqual({ kind: 'restart', delayMs: 100, quickFailures: 2 });
    expect(
      decideRestart(
        { ...policy, restart: 'never' },
        { starts: [0], quickFailures: 0 },
        { startedAt: 0, endedAt: 10, failed: true },
      ).kind,
    ).toBe('stop');
  });
});
