// Fleet goals started at a node's console (fleet/start, aios fleet goal --console), beyond the
// TUI's happy path (fleet-tui.test.ts): --plan-once and --confirm through the console's rollout.
// A real hub, a real console aiosd and two real aiosd nodes that trust the console's key.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { fleetConnect } from '../../src/fleet/creds.js';
import { hubCreds } from '../../src/fleet/hub-server.js';
import { STREAM_IN, STREAM_OUT, subjects } from '../../src/fleet/subjects.js';
import type { FleetGoalView } from '../../src/protocol/fleet.js';
import type { TestDaemon } from '../helpers/daemon.js';
import { runCli } from '../helpers/aios-cli.js';
import { until } from '../helpers/until.js';
import {
  disposeAll,
  natsMissing,
  startConsoleNode,
  startHub,
  startNode,
  untilListed,
  type Hub,
} from './fleet-fixture.js';

describe.skipIf(natsMissing !== null)('fleet goals from a console', () => {
  let hub: Hub;
  let c1: TestDaemon;
  let admin: NatsConnection;
  let jsm: JetStreamManager;
  const nodes: TestDaemon[] = [];
  const node = (name: string): TestDaemon => nodes[Number(name.slice(1)) - 1] as TestDaemon;

  beforeAll(async () => {
    hub = await startHub();
    const started = await startConsoleNode(hub, 'c1');
    c1 = started.node;
    for (const name of ['n1', 'n2']) nodes.push(await startNode(hub, name, { [started.consoleKey]: 'root' }));
    // The hub's own creds, to look into the streams as the hub holds them.
    admin = await fleetConnect({ url: hub.url, creds: await hubCreds(hub.dir) });
    jsm = await jetstreamManager(admin);
    await untilListed(c1, ['n1', 'n2']);
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await disposeAll(hub, [c1, ...nodes], []);
  });

  /** The console's view of one fleet goal, once `ok` holds. */
  const goalWhen = async (
    fleetGoal: string,
    ok: (g: FleetGoalView) => boolean,
    ms = 60_000,
  ): Promise<FleetGoalView> => {
    const c = await c1.client();
    try {
      return (await until(
        `fleet goal ${fleetGoal} at the console`,
        async () => (await c.call('fleet/goals', {})).started.find((g) => g.fleetGoal === fleetGoal),
        (g) => g !== undefined && ok(g),
        ms,
      )) as FleetGoalView;
    } finally {
      c.close();
    }
  };

  /** aios fleet goal TEXT --nodes n* --console ARGS… at the console: the fleet goal's id. */
  const startGoal = async (text: string, ...args: string[]): Promise<string> => {
    const r = await runCli(c1, ['fleet', 'goal', text, '--nodes', 'n*', '--console', ...args, '--json']);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as FleetGoalView).fleetGoal;
  };

  const decide = async (
    fleetGoal: string,
    planHash: string,
    decision: 'approve' | 'reject',
  ): Promise<FleetGoalView> => {
    const c = await c1.client();
    try {
      return await c.call('fleet/decide', { fleetGoal, planHash, decision });
    } finally {
      c.close();
    }
  };

  it('--console --plan-once --confirm: one plan drafted here, one group, and each approval carries the confirmation', async () => {
    // The file is in n1's configuration directory: a model's plan (which a plan made once is taken
    // for) that writes there runs on n1 only with an explicit confirmation; --confirm gives it.
    const file = join(node('n1').dir, 'console-once.txt');
    const fleetGoal = await startGoal(`append "planned once" to ${file}`, '--plan-once', '--confirm');
    const deciding = await goalWhen(fleetGoal, (g) => g.state === 'deciding');
    // Both nodes took the one plan: one group, whatever each node's planner would have made.
    expect(deciding.groups).toHaveLength(1);
    expect(deciding.groups[0]?.nodes.sort()).toEqual(['n1', 'n2']);
    await decide(fleetGoal, deciding.groups[0]?.hash ?? '', 'approve');
    const done = await goalWhen(fleetGoal, (g) => g.state === 'done' || g.state === 'failed', 90_000);
    // n1 (the canary) ran it with the confirmation; n2, one file for both, finds it changed
    // since its own preview and writes nothing rather than lose n1's line.
    const row = (name: string) => done.nodes.find((n) => n.node === name);
    expect(row('n1')).toMatchObject({ canary: true, state: 'succeeded' });
    expect(row('n2')?.message).toContain('the file changed since the plan was approved');
    expect(readFileSync(file, 'utf8').match(/planned once/g)).toHaveLength(1);
    // The start is audited with what it carried.
    const c = await c1.client();
    try {
      const entry = (await c.call('audit/list', { limit: 200 })).entries.find(
        (e) => e.action === 'fleet.start' && e.subject === fleetGoal,
      );
      expect(entry?.detail).toMatchObject({ confirm: true, planOnce: ['fs.write'] });
    } finally {
      c.close();
    }
  }, 180_000);

  /** How many approvals (or rejections) the hub holds for `node`, from every fleet goal. */
  const approvalsFor = async (node: string): Promise<number> =>
    (await jsm.streams.info(STREAM_IN, { subjects_filter: subjects.in(node, 'approve') })).state.subjects?.[
      subjects.in(node, 'approve')
    ] ?? 0;

  it('a plan group nobody decides expires: nodes get nothing, it says expired, and its consumer is closed', async () => {
    const before = { n1: await approvalsFor('n1'), n2: await approvalsFor('n2') };
    const fleetGoal = await startGoal('append "too late" to ~/late.txt', '--decide-within', '3s');
    const deciding = await goalWhen(fleetGoal, (g) => g.state === 'deciding');
    expect(deciding.groups).toHaveLength(2);
    expect(deciding.decideBy).toBeGreaterThan(deciding.startedAt);
    expect(deciding.decideBy).toBeLessThanOrEqual(Date.now() + 3000);
    const ended = await goalWhen(fleetGoal, (g) => g.state === 'failed', 30_000);
    expect(ended.groups.map((g) => g.decision)).toEqual(['expired', 'expired']);
    expect(ended.nodes.map((n) => n.phase)).toEqual(['expired', 'expired']);
    expect(ended.error).toContain('2 plan group(s) expired');
    // Too late to decide: refused, saying why; no node got an approval, and none wrote anything.
    await expect(decide(fleetGoal, ended.groups[0]?.hash ?? '', 'approve')).rejects.toThrow(
      /expired: nobody decided it by .*its nodes get nothing/,
    );
    expect({ n1: await approvalsFor('n1'), n2: await approvalsFor('n2') }).toEqual(before);
    for (const n of nodes) expect(existsSync(join(n.dir, 'late.txt'))).toBe(false);
    // aios fleet goal show, on the console's machine, says so.
    const show = await runCli(c1, ['fleet', 'goal', 'show', fleetGoal]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/plan A [0-9a-f]{12} on 1 node\(s\): expired: nobody decided by \d\d:\d\d UTC/);
    expect(show.stdout).toMatch(/n1 +expired/);
    // The rollout ended, and with it the consumer that followed the goal's reports.
    await until(
      `no consumer of ${STREAM_OUT} following ${fleetGoal}`,
      async () => {
        const filters: string[] = [];
        for await (const ci of jsm.consumers.list(STREAM_OUT))
          filters.push(...(ci.config.filter_subjects ?? []), ci.config.filter_subject ?? '');
        return filters.filter((f) => f.includes(fleetGoal));
      },
      (left) => left.length === 0,
      30_000,
    );
  }, 120_000);

  it('survives a restart of the console aiosd: the goal is listed, decidable, and finishes', async () => {
    const fleetGoal = await startGoal('append "after a restart" to ~/restart.txt');
    const deciding = await goalWhen(fleetGoal, (g) => g.state === 'deciding');
    await c1.restart();
    const back = await goalWhen(fleetGoal, (g) => g.state === 'deciding', 30_000);
    expect(back.groups.map((g) => [g.hash, g.nodes, g.decision])).toEqual(
      deciding.groups.map((g) => [g.hash, g.nodes, 'pending']),
    );
    expect(back.decideBy).toBe(deciding.decideBy);
    for (const g of back.groups) await decide(fleetGoal, g.hash, 'approve');
    const done = await goalWhen(fleetGoal, (g) => g.state === 'done' || g.state === 'failed', 90_000);
    expect(done.nodes.map((n) => [n.node, n.phase, n.state])).toEqual([
      ['n1', 'done', 'succeeded'],
      ['n2', 'done', 'succeeded'],
    ]);
    for (const n of nodes) expect(readFileSync(join(n.dir, 'restart.txt'), 'utf8')).toBe('after a restart');
    expect(c1.log()).toContain(`fleet goal ${fleetGoal} (deciding) taken up again after a restart`);
  }, 180_000);

  it('goes on with a rollout cut mid-way by a restart: the nodes not started get theirs, none gets a second', async () => {
    const before = { n1: await approvalsFor('n1'), n2: await approvalsFor('n2') };
    const fleetGoal = await startGoal(
      'append "mid-way" to ~/midway.txt',
      '--canary',
      '1',
      '--batch',
      '1',
      '--timeout',
      '90s',
    );
    const deciding = await goalWhen(fleetGoal, (g) => g.state === 'deciding');
    // n1 (the canary: the first by name) goes away once it planned: its approval will wait in
    // the hub, and the rollout with it, n2 not started.
    await node('n1').stop();
    for (const g of deciding.groups) await decide(fleetGoal, g.hash, 'approve');
    const phases = (g: FleetGoalView): string[] => g.nodes.map((n) => n.phase);
    await goalWhen(fleetGoal, (g) => phases(g).join() === 'running,planned');
    expect(await approvalsFor('n1')).toBe(before.n1 + 1);
    await c1.restart();
    const back = await goalWhen(fleetGoal, (g) => g.state === 'running', 30_000);
    expect(phases(back)).toEqual(['running', 'planned']);
    expect(back.nodes[0]?.canary).toBe(true);
    // n1 comes back and runs the approval it was sent once; then n2, never sent one, gets its own.
    await node('n1').restart();
    const done = await goalWhen(fleetGoal, (g) => g.state === 'done' || g.state === 'failed', 150_000);
    expect(done.nodes.map((n) => [n.node, n.phase, n.state, n.canary])).toEqual([
      ['n1', 'done', 'succeeded', true],
      ['n2', 'done', 'succeeded', false],
    ]);
    expect({ n1: await approvalsFor('n1'), n2: await approvalsFor('n2') }).toEqual({
      n1: before.n1 + 1,
      n2: before.n2 + 1,
    });
    for (const n of nodes) expect(readFileSync(join(n.dir, 'midway.txt'), 'utf8')).toBe('mid-way');
  }, 300_000);

  it('--console --plan-once says why when this node cannot plan it, and starts nothing', async () => {
    const r = await runCli(c1, [
      'fleet',
      'goal',
      'xyzzy plugh frobnicate',
      '--nodes',
      'n*',
      '--console',
      '--plan-once',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("--plan-once: this node's planner made no plan");
  });
});
