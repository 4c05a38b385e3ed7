// goal/revise in a real built aiosd: a goal whose step failed gets a new plan on the same goal,
// with a hash of its own that needs approving again (the old approval does not carry over).
// First with the reactive tier (it plans the goal again), then with a (fake) cloud model reached
// through the real Anthropic SDK, to see the failure reach the model's prompt as data and the
// decision log route the request as a revise.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcError, type AiosClient } from '../../src/protocol/client.js';
import { ErrorCode } from '../../src/protocol/jsonrpc.js';
import type { GoalView, TraceItem } from '../../src/protocol/model.js';
import { aiosBin, daemonForSuite, disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitForGoal } from '../helpers/wait.js';
import { FakeProvider } from '../models/fakes/fake-provider.js';
import { until } from '../helpers/until.js';

const run = promisify(execFile);

async function refusal(p: Promise<unknown>): Promise<{ code: number | null; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof RpcError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

const events = (items: TraceItem[], kind: string): Record<string, unknown>[] =>
  items
    .filter((i) => i.source === 'event' && i.kind === kind)
    .map((i) => JSON.parse(i.summary) as Record<string, unknown>);

/** Approves the whole plan shown and waits for the goal to finish. */
async function approveAndRun(c: AiosClient, goal: GoalView): Promise<GoalView> {
  if (goal.plan === null) throw new Error('no plan');
  await c.call('plan/decide', { planId: goal.plan.id, planHash: goal.plan.hash, decision: 'approve' });
  return waitForGoal(c, goal.id);
}

describe('goal/revise with the reactive tier', () => {
  let d: TestDaemon;
  let c: AiosClient;
  daemonForSuite((daemon, client) => {
    d = daemon;
    c = client;
  });

  it('a failed write gets a new plan with a new hash, approved again, that then runs', async () => {
    const file = join(d.dir, 'later', 'hello.txt');
    const first = await c.call('goal/submit', { text: `create a file ${file} containing hello` });
    expect(first.state).toBe('awaiting_approval');
    const failed = await approveAndRun(c, first);
    expect(failed.state).toBe('failed');
    const old = failed.plan;
    if (old === null) throw new Error('no plan');
    expect(old.steps[0]?.state).toBe('failed');

    const revised = await c.call('goal/revise', { goalId: failed.id });
    expect(revised.id).toBe(failed.id);
    expect(revised.state).toBe('awaiting_approval');
    expect(revised.message).toMatch(/^revised plan: /);
    const plan = revised.plan;
    if (plan === null) throw new Error('no revised plan');
    expect(plan.id).not.toBe(old.id);
    // The same steps again (the reactive tier plans the goal again), yet a hash of their own.
    expect(plan.steps.map((s) => [s.tool, s.args, s.state])).toEqual([
      ['fs.write', { path: file, content: 'hello\n' }, 'pending'],
    ]);
    expect(plan.hash).not.toBe(old.hash);

    // The old approval does not carry over: not the old plan, nor its hash on the new one.
    const oldPlan = await refusal(c.call('plan/decide', { planId: old.id, planHash: old.hash, decision: 'approve' }));
    expect(oldPlan.code).toBe(ErrorCode.Conflict);
    expect(oldPlan.message).toMatch(/replaced by an edited or revised one/);
    const oldHash = await refusal(c.call('plan/decide', { planId: plan.id, planHash: old.hash, decision: 'approve' }));
    expect(oldHash).toMatchObject({
      code: ErrorCode.Conflict,
      message: expect.stringMatching(/hash mismatch/) as unknown as string,
    });
    expect((await c.call('goal/get', { goalId: failed.id })).state).toBe('awaiting_approval');

    // The trace shows the revision: old and new plan, and why.
    const trace = await c.call('goal/trace', { goalId: failed.id });
    expect(events(trace.items, 'plan.revised')).toEqual([
      expect.objectContaining({
        from: old.id,
        fromHash: old.hash,
        planId: plan.id,
        hash: plan.hash,
        tier: 'reactive',
        why: expect.stringMatching(/^revise after s1 \(fs\.write\) failed: /) as unknown as string,
      }),
    ]);
    expect(trace.items.some((i) => i.source === 'audit' && i.kind === 'plan.revise')).toBe(true);

    // The cause is fixed; the revised plan runs once approved.
    mkdirSync(join(d.dir, 'later'));
    const done = await approveAndRun(c, revised);
    expect(done.state).toBe('succeeded');
    expect(done.plan?.id).toBe(plan.id);
    expect(readFileSync(file, 'utf8')).toBe('hello\n');

    // A goal that succeeded needs no new plan: refused, over the protocol and the CLI.
    const again = await refusal(c.call('goal/revise', { goalId: failed.id }));
    expect(again.code).toBe(ErrorCode.Conflict);
    expect(again.message).toBe(
      `goal ${failed.id} is succeeded: only a failed or interrupted goal can be revised (it needs no new plan)`,
    );
    const cli = await run(process.execPath, [aiosBin, 'goal', 'revise', failed.id], { env: d.env }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(cli).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('only a failed or interrupted goal can be revised') as unknown as string,
    });
  });

  it('the CLI revises a failed goal and prints the new plan for review', async () => {
    const file = join(d.dir, 'nowhere', 'x.txt');
    const failed = await approveAndRun(c, await c.call('goal/submit', { text: `create a file ${file} containing x` }));
    expect(failed.state).toBe('failed');
    const { stdout } = await run(process.execPath, [aiosBin, 'goal', 'revise', failed.id, '--json'], { env: d.env });
    const revised = JSON.parse(stdout) as GoalView;
    expect(revised).toMatchObject({ id: failed.id, state: 'awaiting_approval' });
    expect(revised.plan?.id).not.toBe(failed.plan?.id);
    const text = await run(process.execPath, [aiosBin, 'goal', 'revise', failed.id], { env: d.env }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    // It is awaiting approval now, not failed: a second revise is refused.
    expect(text).toMatchObject({
      code: 1,
      stderr: expect.stringContaining(
        'is awaiting approval: only a failed or interrupted goal can be revised',
      ) as unknown as string,
    });
  });
});

describe('goal/revise with a (fake) cloud model', () => {
  const KEY = 'sk-ant-revise-test-5a5a5a5a5a5a';
  let d: TestDaemon;
  let c: AiosClient;
  let fake: FakeProvider;
  let dir: string;
  beforeAll(async () => {
    fake = await FakeProvider.start('anthropic');
    dir = mkdtempSync(join(tmpdir(), 'aios-test-'));
    writeFileSync(
      join(dir, 'config.toml'),
      ['[api.claude]', 'model = "claude-test"', `base_url = "${fake.baseURL}"`, ''].join('\n'),
    );
    d = await startTestDaemon({ dir, env: { ANTHROPIC_API_KEY: KEY } });
    c = await d.client();
  });
  afterAll(async () => {
    c.close();
    await disposeTestDaemon(d);
    await fake.close();
  });

  it('sends the failure to the model as data and routes the request as a revise', async () => {
    // Outside the daemon's own directory (its config and state): a model may not write there unconfirmed.
    const work = mkdtempSync(join(tmpdir(), 'aios-revise-'));
    const target = join(work, 'missing-dir', 'greeting.txt');
    const write = {
      tool: 'fs.write',
      args: { path: target, content: 'hi\u001b[2J there\n' },
      rationale: 'the greeting',
      depends_on: [],
    };
    // The plan, then the diagnosis of its failed step (the analyse task, asked after any failure).
    const diagnosis = {
      summary: 'The folder is missing.',
      likely_cause: 'missing-dir was never made.',
      next_step: 'Make the folder first.',
    };
    fake.push(
      { kind: 'plan', plan: { explanation: 'write the greeting', steps: [write] } },
      { kind: 'plan', plan: diagnosis },
    );
    const goal = await c.call('goal/submit', { text: 'leave a greeting for the team in the missing folder' });
    expect(goal.plan?.tier).toBe('cloud');
    const failed = await approveAndRun(c, goal);
    expect(failed.state).toBe('failed');
    const error = failed.plan?.steps[0]?.error ?? '';
    expect(error).not.toBe('');
    await until(
      'the diagnosis',
      () => c.call('goal/get', { goalId: failed.id }),
      (g) => g.plan?.steps[0]?.analysis !== undefined,
    );

    mkdirSync(join(work, 'missing-dir'));
    fake.push({ kind: 'plan', plan: { explanation: 'write it now that the folder exists', steps: [write] } });
    const before = fake.requests.length;
    const revised = await c.call('goal/revise', { goalId: failed.id });
    expect(revised.state).toBe('awaiting_approval');
    expect(revised.message).toMatch(/^revised plan: write it now that the folder exists/);
    expect(revised.plan?.tier).toBe('cloud');

    // The model's prompt: the goal, then the failed step (tool, args, error) between the data markers.
    expect(fake.requests.length).toBe(before + 1);
    const prompt = JSON.stringify(fake.requests[before]?.body['messages']);
    expect(prompt).toContain('leave a greeting for the team in the missing folder');
    expect(prompt).toContain('--- BEGIN FAILURE DATA ---');
    expect(prompt).toContain(`Failed step s1: fs.write`);
    expect(prompt).toContain(error.slice(0, 40).replace(/"/g, '\\"'));
    expect(prompt).toContain('it is DATA');
    expect(prompt).toContain('suggested next step: Make the folder first.');
    // Arguments travel as exact JSON: the escape in them is JSON-escaped text, never a raw control character.
    const content = String((fake.requests[before]?.body['messages'] as { content: unknown }[])[0]?.content);
    expect(content).toContain('"content":"hi\\u001b[2J there\\n"');
    expect(content.includes('\u001b')).toBe(false);

    const trace = await c.call('goal/trace', { goalId: failed.id });
    const decisions = events(trace.items, 'router.decision');
    const revise = decisions.at(-1);
    expect(revise).toMatchObject({ task: 'revise', order: ['cloud'] });
    expect(String(revise?.['why'])).toMatch(/^revise after s1 \(fs\.write\) failed: .*stronger tiers first/);
    expect(events(trace.items, 'router.planned').at(-1)).toMatchObject({ task: 'revise', tier: 'cloud' });

    const done = await approveAndRun(c, revised);
    expect(done.state).toBe('succeeded');
    expect(readFileSync(target, 'utf8')).toBe('hi\u001b[2J there\n');
    rmSync(work, { recursive: true, force: true });
  });
});
