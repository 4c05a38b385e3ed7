import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RpcError, type AiosClient } from '../../src/protocol/client.js';
import { ErrorCode } from '../../src/protocol/jsonrpc.js';
import type { DaemonEvent } from '../../src/protocol/events.js';
import { daemonForSuite, type TestDaemon } from '../helpers/daemon.js';
import { waitForGoal } from '../helpers/wait.js';

let d: TestDaemon;
let c: AiosClient;
daemonForSuite((daemon, client) => {
  d = daemon;
  c = client;
});

async function rpcCode(p: Promise<unknown>): Promise<number | null> {
  try {
    await p;
  } catch (err) {
    if (err instanceof RpcError) return err.code;
    throw err;
  }
  throw new Error('expected an error');
}

describe('goal → plan → approval → run → rollback', () => {
  it('plans a file write, runs it only once approved with the exact hash, and rolls it back', async () => {
    const file = join(d.dir, 'hello.txt');
    const events: DaemonEvent[] = [];
    c.onEvent((e) => events.push(e));
    await c.call('events/subscribe', {});

    const goal = await c.call('goal/submit', { text: `create a file ${file} containing hello aiOS` });
    expect(goal.state).toBe('awaiting_approval');
    const plan = goal.plan;
    if (plan === null) throw new Error('no plan');
    expect(plan.tier).toBe('reactive');
    expect(plan.hash).toMatch(/^[0-9a-f]{64}$/);
    const step = plan.steps[0];
    expect(step).toMatchObject({
      tool: 'fs.write',
      agent: 'storage',
      risk: 'medium',
      reversible: true,
      state: 'pending',
      args: { path: file, content: 'hello aiOS\n' },
    });
    expect(step?.preview.summary).toMatch(/create|new/i);
    expect(existsSync(file)).toBe(false); // planning and preview change nothing

    // An approval bound to another hash is refused and audited.
    expect(
      await rpcCode(c.call('plan/decide', { planId: plan.id, planHash: 'f'.repeat(64), decision: 'approve' })),
    ).toBe(ErrorCode.Conflict);
    expect(existsSync(file)).toBe(false);

    await c.call('plan/decide', { planId: plan.id, planHash: plan.hash, decision: 'approve' });
    const done = await waitForGoal(c, goal.id);
    expect(done.state).toBe('succeeded');
    expect(readFileSync(file, 'utf8')).toBe('hello aiOS\n');
    const ran = done.plan?.steps[0];
    expect(ran?.state).toBe('succeeded');
    expect(ran?.snapshotId).toBeTruthy();
    expect(events.some((e) => e.type === 'step.started' && e.goalId === goal.id)).toBe(true);
    expect(events.some((e) => e.type === 'step.finished' && e.goalId === goal.id && e.state === 'succeeded')).toBe(
      true,
    );

    // Approving again is a conflict: the plan was decided.
    expect(await rpcCode(c.call('plan/decide', { planId: plan.id, planHash: plan.hash, decision: 'approve' }))).toBe(
      ErrorCode.Conflict,
    );

    const rolled = await c.call('goal/rollback', { goalId: goal.id });
    expect(rolled.state).toBe('rolled_back');
    expect(existsSync(file)).toBe(false);
    expect(await rpcCode(c.call('goal/rollback', { goalId: goal.id }))).toBe(ErrorCode.Conflict);

    const audit = await c.call('audit/verify', {});
    expect(audit.ok).toBe(true);
    expect(audit.entries).toBeGreaterThanOrEqual(4); // denial, approval, tool call, result, rollback…

    const hits = await c.call('memory/search', { query: 'hello aiOS' });
    expect(hits.hits.some((h) => h.content.includes('hello aiOS'))).toBe(true);
  });

  it('rolls an overwrite back to the exact previous content and mode', async () => {
    const file = join(d.dir, 'motd');
    writeFileSync(file, 'original\n', { mode: 0o640 });
    const goal = await c.call('goal/submit', { text: `write changed to ${file}` });
    await c.call('plan/decide', { planId: goal.plan?.id ?? '', planHash: goal.plan?.hash ?? '', decision: 'approve' });
    expect((await waitForGoal(c, goal.id)).state).toBe('succeeded');
    expect(readFileSync(file, 'utf8')).toBe('changed\n');
    await c.call('goal/rollback', { goalId: goal.id });
    expect(readFileSync(file, 'utf8')).toBe('original\n');
    expect(statSync(file).mode & 0o777).toBe(0o640);
  });

  it('runs read-only plans under the read-only policy and records it as the approver', async () => {
    const goal = await c.call('goal/submit', { text: 'memory usage' });
    const done = await waitForGoal(c, goal.id);
    expect(done.state).toBe('succeeded');
    expect(done.plan?.steps[0]?.approvedBy).toMatch(/^policy:read-only/);
    expect(done.plan?.steps[0]?.output).toMatch(/total/i);
  });

  it('rejecting every step rejects the goal and runs nothing', async () => {
    const file = join(d.dir, 'never.txt');
    const goal = await c.call('goal/submit', { text: `create a file ${file} containing no` });
    const r = await c.call('plan/decide', {
      planId: goal.plan?.id ?? '',
      planHash: goal.plan?.hash ?? '',
      decision: 'reject',
      stepIds: ['s1'],
    });
    expect(r.state).toBe('rejected');
    expect(existsSync(file)).toBe(false);
  });

  it('answers a goal it does not understand clearly, with how to configure a model', async () => {
    const goal = await c.call('goal/submit', { text: 'make the node faster somehow' });
    expect(goal.state).toBe('not_understood');
    expect(goal.plan).toBeNull();
    expect(goal.message).toMatch(/did not understand/);
    expect(goal.message).toMatch(/model/);
  });

  it('a failing step fails the goal with the reason', async () => {
    const goal = await c.call('goal/submit', { text: `delete ${join(d.dir, 'does-not-exist.txt')}` });
    await c.call('plan/decide', { planId: goal.plan?.id ?? '', planHash: goal.plan?.hash ?? '', decision: 'approve' });
    const done = await waitForGoal(c, goal.id);
    expect(done.state).toBe('failed');
    expect(done.message).toMatch(/s1 \(fs.delete\) failed/);
  });

  it('restoring an unknown snapshot or reading an unknown goal is a clear NotFound', async () => {
    const e1 = await c.call('snapshot/restore', { snapshotId: 'nope' }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(RpcError);
    expect((e1 as RpcError).code).toBe(ErrorCode.NotFound);
    expect((e1 as RpcError).message).toMatch(/no snapshot "nope"/);
    expect(await rpcCode(c.call('goal/get', { goalId: 'nope' }))).toBe(ErrorCode.NotFound);
  });

  it('two clients approving the same plan: the first wins, the second is told', async () => {
    const other = await d.client('second');
    const file = join(d.dir, 'race.txt');
    const goal = await c.call('goal/submit', { text: `create a file ${file} containing race` });
    const args = { planId: goal.plan?.id ?? '', planHash: goal.plan?.hash ?? '', decision: 'approve' as const };
    const results = await Promise.allSettled([c.call('plan/decide', args), other.call('plan/decide', args)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const loser = results.find((r) => r.status === 'rejected');
    expect((loser as PromiseRejectedResult).reason).toBeInstanceOf(RpcError);
    expect(((loser as PromiseRejectedResult).reason as RpcError).code).toBe(ErrorCode.Conflict);
    expect((await waitForGoal(c, goal.id)).state).toBe('succeeded');
    other.close();
  });

  it('keeps goals, snapshots and the ledger across a daemon restart', async () => {
    const before = await c.call('goal/list', { limit: 100 });
    c.close();
    await d.restart();
    c = await d.client();
    const after = await c.call('goal/list', { limit: 100 });
    expect(after.goals.map((g) => g.id)).toEqual(before.goals.map((g) => g.id));
    expect((await c.call('audit/verify', {})).ok).toBe(true);
    expect((await c.call('snapshot/list', { limit: 100 })).snapshots.length).toBeGreaterThan(0);
  });
});
