// The load battery, shortened for CI: 50 live sessions and 100 goals approved at once
// against one daemon. `npm run bench` runs the longer soak and reports the figures.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../../bench/load-run.js';
import { disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

let d: TestDaemon;
beforeAll(async () => {
  d = await startTestDaemon();
});
afterAll(async () => {
  await disposeTestDaemon(d);
});

describe('load', () => {
  it('50 sessions and 100 goals: none lost, none run twice, every session sees the events, the WAL stays bounded', async () => {
    const work = join(d.dir, 'work');
    mkdirSync(work);
    const r = await runLoad({
      socketPath: d.socketPath,
      stateDir: d.stateDir,
      workDir: work,
      daemonPid: d.proc.pid ?? 0,
      sessions: 50,
      goals: 100,
    });
    expect(r.goals).toBe(100);
    expect(r.succeeded).toBe(100);
    expect(r.lost).toBe(0);
    expect(r.ranTwice).toBe(0);
    expect(r.eventsPerSession).toBeGreaterThanOrEqual(200); // every session saw every goal's updates
    expect(r.walBytes).toBeLessThan(64 * 1024 * 1024);
  }, 120_000);
});
