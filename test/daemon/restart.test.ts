// kill -9 of the daemon in the middle of a step: on restart the goal is interrupted, what
// finished is kept, and the goal can be resumed under its original approval.
import { afterEach, describe, expect, it } from 'vitest';
import { disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitForGoal } from '../helpers/wait.js';

let d: TestDaemon | undefined;
afterEach(async () => { await disposeTestDaemon(d); d = undefined; });

describe('daemon restart mid-goal', () => {
  it('marks the running goal interrupted, keeps the ledger whole, and resumes it', async () => {
    d = await startTestDaemon();
    let c = await d.client();
    const goal = await c.call('goal/submit', { text: '!sleep 1' });
    const plan = goal.plan;
    if (plan === null) throw new Error(`no plan: ${goal.message ?? ''}`);
    await c.call('plan/decide', { planId: plan.id, planHash: plan.hash, decision: 'approve' });
    for (let i = 0; i < 100 && (await c.call('goal/get', { goalId: goal.id })).plan?.steps[0]?.state !== 'running'; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    c.close();
    const exited = new Promise((r) => d?.proc.once('exit', r));
    d.proc.kill('SIGKILL');
    await exited;
    await d.restart();
    c = await d.client();
    const after = await c.call('goal/get', { goalId: goal.id });
    expect(after.state).toBe('interrupted');
    expect(after.message).toMatch(/stopped while this goal was running/);
    expect(after.plan?.steps[0]).toMatchObject({ state: 'failed', error: 'interrupted by a daemon restart', approvedBy: expect.any(String) });
    expect((await c.call('audit/verify', {})).ok).toBe(true);

    const resumed = await c.call('goal/resume', { goalId: goal.id });
    expect(resumed.state).toBe('running');
    expect((await waitForGoal(c, goal.id)).state).toBe('succeeded');
    c.close();
  });
});
