// The brakes from the command line, against a real aiosd: `aios goal cancel <id>` stops a
// running step and waits for the goal to end cancelled; `aios agents stop <agent> --hold` keeps
// the agent from new work until `aios agents start <agent>`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AiosClient } from '../../src/protocol/client.js';
import type { GoalView } from '../../src/protocol/model.js';
import { aiosBin, disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/until.js';
import { waitForGoal } from '../helpers/wait.js';

const run = promisify(execFile);
let d: TestDaemon | undefined;
let c: AiosClient | undefined;
beforeAll(async () => {
  d = await startTestDaemon();
  c = await d.client();
});
afterAll(async () => {
  c?.close();
  await disposeTestDaemon(d);
});

const aios = (...args: string[]) => run(process.execPath, [aiosBin, ...args], { env: d?.env });

async function approved(text: string): Promise<GoalView> {
  const client = c as AiosClient;
  const goal = await client.call('goal/submit', { text });
  if (goal.plan === null) throw new Error(goal.message ?? 'no plan');
  return client.call('plan/decide', {
    planId: goal.plan.id,
    planHash: goal.plan.hash,
    decision: 'approve',
    confirm: true,
  });
}

describe('aios goal cancel and aios agents stop', () => {
  it('cancels a running goal and prints it cancelled, its step stopped', async () => {
    const goal = await approved('!sleep 20');
    await eventually(
      'the step to run',
      async () => (await (c as AiosClient).call('goal/get', { goalId: goal.id })).plan?.steps[0]?.state === 'running',
      10_000,
    );
    const { stdout } = await aios('goal', 'cancel', goal.id, '--json');
    const out = JSON.parse(stdout) as GoalView;
    expect(out.state).toBe('cancelled');
    expect(out.plan?.steps[0]).toMatchObject({
      state: 'cancelled',
      error: expect.stringMatching(/processes were ended/),
    });
  }, 30_000);

  it('holds an agent until it is started again', async () => {
    const stop = await aios('agents', 'stop', 'system', '--hold');
    expect(stop.stdout).toMatch(
      /agent system: stopped none; cancelled before they started: none\nit takes no new work until 'aios agents start system'/,
    );
    const list = JSON.parse((await aios('agents', '--json')).stdout) as {
      agents: { name: string; state: string; held?: string | null }[];
    };
    expect(list.agents.find((a) => a.name === 'system')).toMatchObject({
      state: 'stopped',
      held: expect.stringMatching(/held by/),
    });
    const refused = await approved('!true');
    expect((await waitForGoal(c as AiosClient, refused.id)).plan?.steps[0]?.error).toMatch(/takes no work: held by/);
    expect((await aios('agents', 'start', 'system')).stdout).toMatch(/agent system takes work again/);
    const ok = await approved('!true');
    expect((await waitForGoal(c as AiosClient, ok.id)).state).toBe('succeeded');
    await expect(aios('agents', 'halt', 'system')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/expected 'stop <agent>' or 'start <agent>'/),
    });
  }, 30_000);
});
