// The protocol methods the TUI's views use, against a real aiosd over its socket: editing a
// step's arguments (a new plan, a new hash, approval again), skip, the ledger page, a goal's
// decision trace, what a snapshot holds against now, metrics, the recorded escape hatch, and
// what a rollback would restore and remove, said before anything is changed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AiosClient } from '../../src/protocol/client.js';
import type { DaemonEvent } from '../../src/protocol/events.js';
import { daemonForSuite, disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitForGoal } from '../helpers/wait.js';

let d: TestDaemon;
let c: AiosClient;
daemonForSuite((daemon, client) => {
  d = daemon;
  c = client;
});

describe('rollback/preview', () => {
  /** Submits a goal, approves it, waits for it to finish. */
  async function ran(text: string): Promise<string> {
    const goal = await c.call('goal/submit', { text });
    const plan = goal.plan;
    if (plan === null) throw new Error('no plan');
    await c.call('plan/decide', { planId: plan.id, planHash: plan.hash, decision: 'approve' });
    await waitForGoal(c, goal.id);
    return goal.id;
  }

  it('says which paths a rollback would remove and which it would restore, and changes nothing', async () => {
    const created = join(d.dir, 'preview-created.txt');
    const changed = join(d.dir, 'preview-changed.txt');
    writeFileSync(changed, 'before\n');
    const one = await ran(`create a file ${created} containing new`);
    const two = await ran(`write a file ${changed} containing after`);
    expect(readFileSync(changed, 'utf8')).toBe('after\n');

    const p1 = await c.call('rollback/preview', { goalId: one });
    expect(p1).toMatchObject({ goalId: one, remove: [created], restore: [], irreversible: [], problems: [] });
    expect(p1.steps).toHaveLength(1);
    const p2 = await c.call('rollback/preview', { goalId: two });
    expect(p2.restore).toEqual([changed]);
    expect(p2.remove).toEqual([]);
    // Nothing was changed by asking.
    expect(existsSync(created)).toBe(true);
    expect(readFileSync(changed, 'utf8')).toBe('after\n');
    expect((await c.call('goal/get', { goalId: one })).state).toBe('succeeded');

    // Its content written back by hand: its times still differ from the snapshot's, which a
    // rollback brings back too, so the preview still names it.
    writeFileSync(changed, 'before\n');
    expect((await c.call('rollback/preview', { goalId: two })).restore).toEqual([changed]);
    await expect(c.call('rollback/preview', { goalId: 'no-such-goal' })).rejects.toThrow(/no goal "no-such-goal"/);
  });
});

describe('plan/edit and skip', () => {
  it('new arguments make a new plan with a new hash; the old plan can no longer be approved', async () => {
    const first = join(d.dir, 'edit-first.txt');
    const second = join(d.dir, 'edit-second.txt');
    const goal = await c.call('goal/submit', { text: `create a file ${first} containing hello` });
    const plan = goal.plan;
    if (plan === null) throw new Error('no plan');
    const step = plan.steps[0];
    if (step === undefined) throw new Error('no step');
    const edited = await c.call('plan/edit', {
      planId: plan.id,
      planHash: plan.hash,
      stepId: step.id,
      args: { ...step.args, path: second },
    });
    expect(edited.id).toBe(goal.id);
    expect(edited.state).toBe('awaiting_approval');
    expect(edited.plan?.id).not.toBe(plan.id);
    expect(edited.plan?.hash).not.toBe(plan.hash);
    expect(edited.plan?.steps[0]?.args['path']).toBe(second);
    expect(edited.plan?.steps[0]?.preview.summary).toContain(second);
    // The hash the person reviewed no longer approves anything.
    await expect(
      c.call('plan/decide', { planId: plan.id, planHash: plan.hash, decision: 'approve' }),
    ).rejects.toMatchObject({ code: -32005 });
    const ran = await c.call('plan/decide', {
      planId: edited.plan?.id ?? '',
      planHash: edited.plan?.hash ?? '',
      decision: 'approve',
    });
    expect(['running', 'succeeded']).toContain(ran.state);
    await waitForGoal(c, goal.id);
    expect(existsSync(second)).toBe(true);
    expect(existsSync(first)).toBe(false);
  });

  it('arguments the tool refuses are refused, and the plan is unchanged', async () => {
    const goal = await c.call('goal/submit', { text: `create a file ${join(d.dir, 'bad-edit.txt')} containing x` });
    const plan = goal.plan;
    if (plan === null) throw new Error('no plan');
    await expect(
      c.call('plan/edit', {
        planId: plan.id,
        planHash: plan.hash,
        stepId: plan.steps[0]?.id ?? '',
        args: { nonsense: 1 },
      }),
    ).rejects.toThrow(/does not validate.*unchanged/);
    const after = await c.call('goal/get', { goalId: goal.id });
    expect(after.plan?.hash).toBe(plan.hash);
    await c.call('plan/decide', { planId: plan.id, planHash: plan.hash, decision: 'reject' });
  });

  it('skip leaves a step out; with nothing else approved the goal does not run', async () => {
    const file = join(d.dir, 'skipped.txt');
    const goal = await c.call('goal/submit', { text: `create a file ${file} containing x` });
    const plan = goal.plan;
    if (plan === null) throw new Error('no plan');
    const after = await c.call('plan/decide', {
      planId: plan.id,
      planHash: plan.hash,
      decision: 'skip',
      stepIds: [plan.steps[0]?.id ?? ''],
    });
    expect(after.plan?.steps[0]?.state).toBe('skipped');
    expect(after.state).toBe('rejected');
    expect(existsSync(file)).toBe(false);
  });
});

describe('audit/list and goal/trace', () => {
  it('pages the ledger newest first and traces one goal from proposal to result', async () => {
    const file = join(d.dir, 'traced.txt');
    const goal = await c.call('goal/submit', { text: `create a file ${file} containing traced` });
    const plan = goal.plan;
    if (plan === null) throw new Error('no plan');
    await c.call('plan/decide', { planId: plan.id, planHash: plan.hash, decision: 'approve' });
    await waitForGoal(c, goal.id);
    const page = await c.call('audit/list', { limit: 5 });
    expect(page.entries).toHaveLength(5);
    expect(page.entries[0]?.seq).toBe(page.head);
    expect(page.entries.map((e) => e.seq)).toEqual([...page.entries.map((e) => e.seq)].sort((a, b) => b - a));
    const older = await c.call('audit/list', { beforeSeq: page.entries[4]?.seq ?? 1, limit: 2 });
    expect(older.entries.map((e) => e.seq)).toEqual([(page.entries[4]?.seq ?? 0) - 1, (page.entries[4]?.seq ?? 0) - 2]);
    const { items } = await c.call('goal/trace', { goalId: goal.id });
    const kinds = items.map((i) => `${i.source}:${i.kind}`);
    expect(kinds).toContain('event:plan.proposed');
    expect(kinds).toContain('audit:plan.approve');
    expect(kinds).toContain('audit:tool.call');
    expect(kinds).toContain('audit:tool.result');
    expect(kinds).toContain('tool:fs.write');
    expect(kinds.indexOf('audit:plan.approve')).toBeLessThan(kinds.indexOf('audit:tool.call'));
    // Nothing about other goals.
    expect(items.every((i) => !i.summary.includes('edit-second'))).toBe(true);
  });
});

describe('snapshot/get', () => {
  it('says what a snapshot holds and diffs it against the file as it is now', async () => {
    const file = join(d.dir, 'snap.txt');
    writeFileSync(file, 'one\ntwo\n');
    const goal = await c.call('goal/submit', { text: `write "three" to ${file}` });
    const plan = goal.plan;
    if (plan === null) throw new Error('no plan');
    await c.call('plan/decide', { planId: plan.id, planHash: plan.hash, decision: 'approve' });
    const done = await waitForGoal(c, goal.id);
    const snapshotId = done.plan?.steps[0]?.snapshotId;
    if (snapshotId == null) throw new Error('no snapshot');
    const detail = await c.call('snapshot/get', { snapshotId });
    const entry = detail.entries.find((e) => e.path === file);
    expect(entry).toMatchObject({ type: 'file', now: 'file', changed: true });
    expect(entry?.diff).toContain('-one');
    expect(entry?.diff).toContain('+three');
    await expect(c.call('snapshot/get', { snapshotId: 'nope' })).rejects.toMatchObject({ code: -32004 });
  });
});

describe('metrics/get and status/get', () => {
  it('samples CPU, memory, load, disks and network from /proc', async () => {
    const m = await c.call('metrics/get', {});
    expect(m.cpu.percent).toBeGreaterThanOrEqual(0);
    expect(m.cpu.cores.length).toBeGreaterThan(0);
    expect(m.memory.totalBytes).toBeGreaterThan(0);
    expect(m.memory.usedBytes).toBeLessThanOrEqual(m.memory.totalBytes);
    expect(m.load).toHaveLength(3);
    expect(m.net.rxBytesPerS).toBeGreaterThanOrEqual(0);
  });

  it('reports autonomy and who may open the escape hatch', async () => {
    const s = await c.call('status/get', {});
    expect(s.autonomy).toBe('supervised');
    expect(s.escapeHatch).toBe('admin');
  });
});

describe('hatch', () => {
  it('runs a real shell for its opener only, records it like sudo I/O logs, and audits it', async () => {
    const events: DaemonEvent[] = [];
    const other = await d.client('other');
    const otherEvents: DaemonEvent[] = [];
    other.onEvent((e) => otherEvents.push(e));
    await other.call('events/subscribe', {});
    c.onEvent((e) => events.push(e));
    const opened = await c.call('hatch/open', { cols: 80, rows: 24, term: 'xterm-256color' });
    const output = (): string =>
      events
        .filter((e) => e.type === 'hatch.output')
        .map((e) => (e.type === 'hatch.output' ? e.data : ''))
        .join('');
    await c.call('hatch/input', { hatchId: opened.hatchId, data: 'echo hatch-$((6*7))\r' });
    for (let i = 0; i < 200 && !output().includes('hatch-42'); i++) await new Promise((r) => setTimeout(r, 25));
    expect(output()).toContain('hatch-42');
    // Another client can neither see nor type into it.
    await expect(other.call('hatch/input', { hatchId: opened.hatchId, data: 'id\r' })).rejects.toMatchObject({
      code: -32004,
    });
    expect(otherEvents.some((e) => e.type === 'hatch.output')).toBe(false);
    await c.call('hatch/resize', { hatchId: opened.hatchId, cols: 100, rows: 30 });
    await c.call('hatch/input', { hatchId: opened.hatchId, data: 'exit\r' });
    for (let i = 0; i < 200 && !events.some((e) => e.type === 'hatch.exited'); i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(events.some((e) => e.type === 'hatch.exited' && e.hatchId === opened.hatchId)).toBe(true);
    const timing = readFileSync(join(opened.logDir, 'timing'), 'utf8');
    expect(timing).toMatch(/^3 \d+\.\d+ \d+$/m);
    expect(timing).toMatch(/^4 \d+\.\d+ \d+$/m);
    expect(timing).toMatch(/^5 \d+\.\d+ 30 100$/m);
    expect(readFileSync(join(opened.logDir, 'ttyin'), 'utf8')).toContain('echo hatch-$((6*7))');
    expect(readFileSync(join(opened.logDir, 'ttyout'), 'utf8')).toContain('hatch-42');
    const { entries } = await c.call('audit/list', { limit: 50 });
    const actions = entries.filter((e) => e.subject === opened.hatchId).map((e) => e.action);
    expect(actions).toEqual(['hatch.close', 'hatch.open']);
    expect(entries.find((e) => e.action === 'hatch.close')?.detail['ttyoutSha256']).toMatch(/^[0-9a-f]{64}$/);
    other.close();
  });
});

describe('hatch policy', () => {
  it('refuses when the config says never, and audits the refusal', async () => {
    const never = await startTestDaemon();
    try {
      writeFileSync(join(never.dir, 'config.toml'), '[shell]\nescape_hatch = "never"\n');
      await never.restart();
      const client = await never.client();
      await expect(client.call('hatch/open', { cols: 80, rows: 24 })).rejects.toThrow(
        /turned off.*escape_hatch = "never"/,
      );
      const { entries } = await client.call('audit/list', { limit: 5 });
      expect(entries[0]?.action).toBe('hatch.denied');
      client.close();
    } finally {
      await disposeTestDaemon(never);
    }
  });
});
