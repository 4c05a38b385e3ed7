// The fleet end to end: a real hub (nats-server with JetStream and JWT auth), three real aiosd
// nodes on loopback that joined it, and a person driving fleet goals with their own key.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { TestDaemon } from '../helpers/daemon.js';
import { runCli } from '../helpers/aios-cli.js';
import { fleetConnect } from '../../src/fleet/creds.js';
import { openPersonBus, type PersonBus } from '../../src/fleet/person-bus.js';
import { runRollout, type RolloutEvent, type RolloutResult } from '../../src/fleet/rollout.js';
import { encodeEnvelope, seal, loadOrCreateKey } from '../../src/fleet/signing.js';
import { NodeReport } from '../../src/fleet/messages.js';
import { STREAM_OUT, subjects } from '../../src/fleet/subjects.js';
import { hubCreds } from '../../src/fleet/hub-server.js';
import { firstSeqSince } from '../../src/fleet/stream-start.js';
import {
  disposeAll,
  makePerson,
  natsMissing,
  startHub,
  startNode,
  token,
  type Hub,
  type Person,
} from './fleet-fixture.js';

if (natsMissing !== null) console.warn(`fleet tests skipped: ${natsMissing}`);

/** Polls `ok` until it holds, or fails after `ms` (a liveness bound, not a timing check). */
async function until(ok: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`still not so after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(natsMissing !== null)('a fleet of three nodes on a real hub', () => {
  let hub: Hub;
  let ada: Person;
  let bus: PersonBus;
  const nodes: TestDaemon[] = [];

  beforeAll(async () => {
    hub = await startHub();
    ada = await makePerson(hub, 'ada');
    // safe mode: even a read-only plan waits for a person, so every goal here is approved.
    for (const name of ['n1', 'n2', 'n3'])
      nodes.push(await startNode(hub, name, { [ada.key.publicKey]: 'root' }, '[security]\nmode = "safe"\n'));
    bus = await openPersonBus({ url: hub.url, credsFile: ada.credsFile, keyFile: ada.keyFile });
    await until(async () => (await bus.nodes()).length === 3, 15_000);
  }, 120_000);

  afterAll(async () => {
    await bus?.close();
    await disposeAll(hub, nodes, [ada]);
  });

  const facts = async () => bus.nodes();

  it('lists the joined nodes with health and facts (aios fleet nodes --json)', async () => {
    const r = await runCli({ env: ada.env }, ['fleet', 'nodes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const listed = (
      JSON.parse(r.stdout) as { nodes: { node: string; health: string; version: string; stale: boolean }[] }
    ).nodes;
    expect(listed.map((n) => n.node)).toEqual(['n1', 'n2', 'n3']);
    for (const n of listed) expect(n).toMatchObject({ health: 'ok', stale: false });
  });

  it('runs a read-only goal on all three, approved once for the one plan group, canary first', async () => {
    const events: RolloutEvent[] = [];
    let decisions = 0;
    const r = await runRollout(bus, {
      text: 'disk usage',
      nodes: await facts(),
      canary: 1,
      batch: 10,
      maxFailures: 0,
      timeoutMs: 30_000,
      confirm: false,
      decide: async () => {
        decisions++;
        return 'approve';
      },
      onEvent: (e) => events.push(e),
    });
    expect(decisions).toBe(1);
    expect(r.groups).toHaveLength(1);
    expect(r.groups[0]?.nodes).toEqual(['n1', 'n2', 'n3']);
    expect(r.nodes.map((n) => n.report?.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // The canary's result was in before the batch was approved.
    const batchAt = events.findIndex((e) => e.type === 'wave' && e.wave === 1);
    const canaryDone = events.findIndex((e) => e.type === 'node' && e.node === 'n1' && e.report.state === 'succeeded');
    expect(canaryDone).toBeGreaterThanOrEqual(0);
    expect(canaryDone).toBeLessThan(batchAt);
  }, 60_000);

  it('runs a writing goal: one approval per distinct plan, and each node writes its own file', async () => {
    let decisions = 0;
    const r = await runRollout(bus, {
      text: 'append "fleet was here" to ~/fleet.txt',
      nodes: await facts(),
      canary: 1,
      batch: 2,
      maxFailures: 0,
      timeoutMs: 30_000,
      confirm: false,
      decide: async () => {
        decisions++;
        return 'approve';
      },
    });
    // Each node's home differs, so each plan does: three groups, three decisions.
    expect(r.groups).toHaveLength(3);
    expect(decisions).toBe(3);
    expect(r.failures).toBe(0);
    for (const d of nodes) expect(readFileSync(join(d.dir, 'fleet.txt'), 'utf8')).toContain('fleet was here');
  }, 60_000);

  it("--plan-once: plans on the initiator's aiosd, and every node checks, previews and runs that one plan", async () => {
    const n1 = nodes[0] as TestDaemon;
    // The initiator is n1's aiosd (its planner drafts); ada's creds and key drive the fleet goal.
    const env = { ...n1.env, AIOS_FLEET_HUB: hub.url, AIOS_FLEET_CREDS: ada.credsFile, AIOS_FLEET_KEY: ada.keyFile };
    const r = await runCli({ env }, ['fleet', 'goal', 'disk usage', '--nodes', '*', '--plan-once', '--yes', '--json']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const out = JSON.parse(r.stdout) as RolloutResult;
    expect(out.groups).toHaveLength(1);
    expect(out.groups[0]?.nodes).toEqual(['n1', 'n2', 'n3']);
    expect(out.nodes.map((n) => n.report?.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // Each node ran the plan it was sent, judged as a plan a model wrote elsewhere (the stricter
    // tier), not as one its own rules made ('reactive').
    for (const d of nodes) {
      const c = await d.client();
      try {
        const g = (await c.call('goal/list', { limit: 20 })).goals.find((x) => x.text === 'disk usage');
        expect(g?.plan?.tier).toBe('cloud');
      } finally {
        c.close();
      }
    }
  }, 90_000);

  it('--plan-once: each node checks the plan against its own state and policy', async () => {
    const n1 = nodes[0] as TestDaemon;
    const env = { ...n1.env, AIOS_FLEET_HUB: hub.url, AIOS_FLEET_CREDS: ada.credsFile, AIOS_FLEET_KEY: ada.keyFile };
    // The file is in n1's configuration directory: on n1 a model's plan that writes there needs an
    // explicit confirmation; on n2 and n3 it is an ordinary path. Without --confirm, n1 (the
    // canary) refuses to run it, and the rollout stops before the others start.
    const r = await runCli({ env }, [
      'fleet',
      'goal',
      `append "planned once" to ${join(n1.dir, 'fleet-once.txt')}`,
      '--nodes',
      '*',
      '--plan-once',
      '--yes',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as RolloutResult;
    expect(out.groups).toHaveLength(1);
    const by = Object.fromEntries(out.nodes.map((n) => [n.node, n]));
    expect(by['n1']?.report?.state).toBe('refused');
    expect(by['n1']?.report?.message ?? '').toContain("a model's plan changes the aiOS configuration");
    expect(by['n2']?.phase).toBe('not started');
    expect(by['n2']?.report?.steps[0]?.summary ?? '').not.toContain('confirmation');
  }, 90_000);

  it('--plan-once: a node runs nothing of a sent plan that its own tools do not accept', async () => {
    const r = await runRollout(bus, {
      text: 'a plan no node can take',
      nodes: await facts(),
      canary: 1,
      batch: 10,
      maxFailures: 5,
      timeoutMs: 30_000,
      confirm: false,
      plan: {
        kind: 'plan',
        tier: 'reactive',
        explanation: 'made up',
        steps: [
          {
            id: 's1',
            agent: 'system',
            tool: 'no.such.tool',
            args: {},
            rationale: '',
            risk: 'low',
            reversible: true,
            dependsOn: [],
          },
        ],
      },
      decide: async () => 'approve',
    });
    expect(r.groups).toHaveLength(0);
    for (const n of r.nodes) {
      expect(n.report?.state).toBe('not_understood');
      expect(n.report?.message ?? '').toContain('no.such.tool');
    }
  }, 60_000);

  it('reports a node killed mid-rollout as unreachable while the rest finish', async () => {
    const victim = nodes[1] as TestDaemon;
    const r = await runRollout(bus, {
      text: 'memory usage',
      nodes: await facts(),
      canary: 1,
      batch: 1,
      maxFailures: 0,
      timeoutMs: 6_000,
      confirm: false,
      decide: async () => 'approve',
      onEvent: (e) => {
        if (e.type === 'wave-done' && e.wave === 0) victim.proc.kill('SIGKILL');
      },
    });
    const by = Object.fromEntries(r.nodes.map((n) => [n.node, n]));
    expect(by['n1']?.report?.state).toBe('succeeded');
    expect(by['n2']?.phase).toBe('unreachable');
    expect(by['n3']?.report?.state).toBe('succeeded');
    await victim.restart();
    await until(
      async () => (await runCli(victim, ['fleet', 'status', '--json'])).stdout.includes('"connected":true'),
      15_000,
    );
  }, 90_000);

  it('loses nothing when the hub restarts mid-rollout', async () => {
    let killed = false;
    const r = await runRollout(bus, {
      text: 'list processes',
      nodes: await facts(),
      canary: 1,
      batch: 10,
      maxFailures: 0,
      timeoutMs: 45_000,
      confirm: false,
      decide: async () => 'approve',
      onEvent: (e) => {
        if (e.type === 'wave-done' && e.wave === 0 && !killed) {
          killed = true;
          process.kill(hub.serverPid(), 'SIGKILL');
        }
      },
    });
    expect(killed).toBe(true);
    expect(r.nodes.map((n) => n.report?.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  }, 120_000);

  it("follows a fleet goal from the first report stored after its id's time, not the stream's first message", async () => {
    const admin = await fleetConnect({ url: hub.url, creds: await hubCreds(hub.dir) });
    try {
      const js = jetstream(admin);
      const put = (i: number) => js.publish(subjects.goalOut('n1', `SEQTEST${i}`, 'plan'), '{}');
      for (let i = 0; i < 5; i++) await put(i);
      await new Promise((r) => setTimeout(r, 50));
      const since = new Date();
      await new Promise((r) => setTimeout(r, 50));
      const first = await put(5);
      await put(6);
      expect(await firstSeqSince(bus.js, STREAM_OUT, since)).toBe(first.seq);
      // Nothing newer: where the next message will go.
      expect(await firstSeqSince(bus.js, STREAM_OUT, new Date(Date.now() + 60_000))).toBe(first.seq + 2);
      expect(await firstSeqSince(bus.js, STREAM_OUT, new Date(0))).toBe(1);
    } finally {
      await admin.close();
    }
  });

  it("does not let a node's creds publish on another node's subjects", async () => {
    const nc = await fleetConnect({ url: hub.url, creds: await token(hub, '--node', 'mallory') });
    try {
      const js = jetstream(nc, { timeout: 2000 });
      const forged = encodeEnvelope(seal(loadOrCreateKey(join(ada.dir, 'mallory.pem')), 'plan', 'n1', {}));
      await expect(js.publish(subjects.goalOut('n1', 'FORGED', 'plan'), forged)).rejects.toThrow();
      await expect(js.publish(subjects.in('n1', 'approve'), forged)).rejects.toThrow();
    } finally {
      await nc.close();
    }
    const admin = await fleetConnect({ url: hub.url, creds: await hubCreds(hub.dir) });
    try {
      const info = await (
        await jetstreamManager(admin)
      ).streams.info(STREAM_OUT, { subjects_filter: 'aios.node.n1.out.goal.FORGED.>' });
      expect(info.state.subjects ?? {}).toEqual({});
    } finally {
      await admin.close();
    }
  });

  it('runs nothing on an approval signed by an unknown key, a replay, the hub, or for another plan', async () => {
    const n3 = nodes[2] as TestDaemon;
    const fleetGoal = `T${Date.now()}`;
    const reports: NodeReport[] = [];
    const stop = await bus.follow(fleetGoal, (e) => {
      const r = NodeReport.safeParse(e.body);
      if (r.success && e.node === 'n3') reports.push(r.data);
    });
    const goal = seal(ada.key, 'goal', 'n3', { fleetGoal, text: 'memory usage' });
    await bus.js.publish(subjects.in('n3', 'goal'), encodeEnvelope(goal));
    await until(() => reports.some((r) => r.state === 'awaiting_approval'), 20_000);
    const plan = reports.find((r) => r.state === 'awaiting_approval') as NodeReport;
    const approve = { fleetGoal, planHash: plan.planHash, decision: 'approve' };
    const refusals = () => reports.filter((r) => r.state === 'refused').length;
    // 1. Someone the node does not trust.
    const stranger = loadOrCreateKey(join(ada.dir, 'stranger.pem'));
    await bus.js.publish(subjects.in('n3', 'approve'), encodeEnvelope(seal(stranger, 'approve', 'n3', approve)));
    // 2. The hub's own user, which may publish anywhere but holds no person's key.
    const hubNc = await fleetConnect({ url: hub.url, creds: await hubCreds(hub.dir) });
    await jetstream(hubNc).publish(
      subjects.in('n3', 'approve'),
      new TextEncoder().encode(
        JSON.stringify({ ...seal(stranger, 'approve', 'n3', approve), signer: ada.key.publicKey }),
      ),
    );
    await hubNc.close();
    // 3. Ada's key, but for another plan's hash.
    await bus.send('n3', 'approve', { ...approve, planHash: 'f'.repeat(64) });
    // 4. The goal request itself, replayed: no second goal.
    await bus.js.publish(subjects.in('n3', 'goal'), encodeEnvelope(goal));
    await until(() => refusals() >= 4, 20_000);
    const messages = reports.filter((r) => r.state === 'refused').map((r) => r.message ?? '');
    expect(messages.some((m) => m.includes('is not in this node'))).toBe(true);
    expect(messages.some((m) => m.includes('signature does not verify'))).toBe(true);
    expect(messages.some((m) => m.includes("this node's plan is"))).toBe(true);
    expect(messages.some((m) => m.includes('replay'))).toBe(true);
    const c = await n3.client();
    try {
      const mine = (await c.call('goal/list', { limit: 50 })).goals.filter((g) => g.text === 'memory usage');
      const waiting = mine.filter((g) => g.state === 'awaiting_approval');
      expect(waiting).toHaveLength(1);
      expect(waiting[0]?.plan?.steps.every((s) => s.state === 'pending')).toBe(true);
      const audit = await c.call('audit/list', { limit: 200 });
      expect(audit.entries.filter((e) => e.action === 'fleet.refused').length).toBeGreaterThanOrEqual(4);
    } finally {
      c.close();
      stop();
    }
  }, 60_000);

  it('aios --node runs a verb on another node as the mapped account', async () => {
    const r = await runCli({ env: ada.env }, ['--node', 'n1', 'status', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ user: { name: 'root', role: 'admin' }, node: 'n1' });
  });

  it("status names a joined node by its fleet name, not the machine's hostname", async () => {
    const r = await runCli(nodes[2] as TestDaemon, ['status', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(hostname()).not.toBe('n3');
    expect(JSON.parse(r.stdout)).toMatchObject({ node: 'n3' });
  });

  it('aios fleet audit verify passes, and fails when one node’s ledger tail is cut', async () => {
    const verify = () => runCli({ env: ada.env }, ['fleet', 'audit', 'verify', '--json']);
    await until(async () => (await verify()).code === 0, 20_000);
    // A node that archived its old entries under a seal (collection) still verifies: the seal is
    // checked against the key the node published, and what the hub was not sent yet is kept.
    const n2 = nodes[1] as TestDaemon;
    const gc = await runCli(n2, ['gc', '--older-than', '0s', '--yes']);
    expect(gc.code, gc.stderr).toBe(0);
    expect((await runCli(n2, ['audit', 'verify'])).stdout).toMatch(/archived under signed seals/);
    const sealed = await verify();
    expect(sealed.code, sealed.stdout).toBe(0);
    const n3 = nodes[2] as TestDaemon;
    await n3.stop();
    const db = new Database(join(n3.stateDir, 'aios.db'));
    const top = (db.prepare('SELECT max(seq) AS s FROM audit').get() as { s: number }).s;
    db.prepare('DELETE FROM audit WHERE seq > ?').run(top - 3);
    db.close();
    await n3.restart();
    await until(
      async () => (await runCli(n3, ['fleet', 'status', '--json'])).stdout.includes('"connected":true'),
      15_000,
    );
    const r = await verify();
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; nodes: { node: string; ok: boolean; problems: string[] }[] };
    expect(out.ok).toBe(false);
    expect(out.nodes.filter((n) => !n.ok).map((n) => n.node)).toEqual(['n3']);
    expect(out.nodes.find((n) => n.node === 'n3')?.problems.join(' ')).toContain('tail was cut');
  }, 60_000);
});
