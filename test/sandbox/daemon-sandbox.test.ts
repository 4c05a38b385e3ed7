// Through the daemon: a read-only command runs inside the sandbox, so aiOS's own state is
// hidden from it; a command that writes runs outside (after its own approval and snapshot).
import { afterEach, describe, expect, it } from 'vitest';
import { probeSandbox } from '../../src/sandbox/bubblewrap.js';
import { disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitForGoal } from '../helpers/wait.js';

let d: TestDaemon | undefined;
afterEach(async () => {
  await disposeTestDaemon(d);
  d = undefined;
});

describe.skipIf(!probeSandbox().available)('sandboxed read-only commands', () => {
  it('a read-only shell command cannot see the state directory', async () => {
    d = await startTestDaemon();
    expect(d.log()).toMatch(/sandbox: bubblewrap/);
    const c = await d.client();
    const goal = await c.call('goal/submit', { text: `!ls -A ${d.stateDir}` });
    const plan = goal.plan;
    if (plan === null) throw new Error(goal.message ?? 'no plan');
    await c.call('plan/decide', { planId: plan.id, planHash: plan.hash, decision: 'approve', confirm: true });
    const done = await waitForGoal(c, goal.id);
    // Hidden: behind an empty tmpfs, or (for a state dir under /tmp) absent from the private /tmp.
    expect(done.plan?.steps[0]?.output).not.toMatch(/aios\.db/);
    expect(done.plan?.steps[0]?.output).toMatch(/No such file|^\[exited/m);

    const read = await c.call('goal/submit', { text: '!cat /etc/hostname' });
    if (read.plan === null) throw new Error(read.message ?? 'no plan');
    await c.call('plan/decide', { planId: read.plan.id, planHash: read.plan.hash, decision: 'approve', confirm: true });
    expect((await waitForGoal(c, read.id)).state).toBe('succeeded');
    c.close();
  });
});
