// The monitor agent, end to end: a threshold crossed on the real node raises an alert and
// proposes a goal, which goes through planning and policy like anyone's.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DaemonEvent } from '../../src/protocol/events.js';
import { disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitForGoal } from '../helpers/wait.js';

let d: TestDaemon | undefined;
afterEach(async () => {
  await disposeTestDaemon(d);
  d = undefined;
});

describe('monitor agent', () => {
  it('proposes a diagnostic goal when disk use crosses its threshold; read-only, it runs under the policy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aios-monitor-'));
    // Any real disk is above 1 % used, so the threshold is crossed at the first sample.
    // The other checks are off: on a busy machine they would fire first and propose other goals.
    writeFileSync(
      join(dir, 'config.toml'),
      '[monitor]\ninterval_s = 1\ndisk_pct = 1\ncpu_pct = false\nmemory_pct = false\nload_per_core = false\n',
    );
    d = await startTestDaemon({ dir });
    const c = await d.client();
    const events: DaemonEvent[] = [];
    c.onEvent((e) => events.push(e));
    await c.call('events/subscribe', {});
    let proposed;
    for (let i = 0; i < 100 && proposed === undefined; i++) {
      proposed = (await c.call('goal/list', { limit: 10 })).goals.find((g) => g.submittedBy === 'monitor-agent');
      if (proposed === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    if (proposed === undefined) throw new Error('the monitor proposed nothing');
    expect(proposed.text).toBe('disk usage');
    const done = await waitForGoal(c, proposed.id);
    expect(done.state).toBe('succeeded');
    expect(done.plan?.steps[0]?.approvedBy).toMatch(/^policy:read-only/);
    expect(d.log()).toMatch(/monitor proposed "disk usage" \(disk use on \/ is [\d.]+% \(threshold 1\)\)/);
    c.close();
  });
});
