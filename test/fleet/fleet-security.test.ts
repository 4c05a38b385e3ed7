// The fleet attacked from the inside: a hostile node's creds (what it may not make, read or wipe),
// a node that comes back with another key (pinned on the workstation), revoked creds (NATS JWT
// revocations), and the streams' byte caps from [fleet.hub]. A real hub and real aiosd nodes.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AckPolicy, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type { TestDaemon } from '../helpers/daemon.js';
import { runCli } from '../helpers/aios-cli.js';
import { fleetConnect } from '../../src/fleet/creds.js';
import { hubCreds } from '../../src/fleet/hub-server.js';
import { hubIdentity, mintCreds } from '../../src/fleet/hub-identity.js';
import { nodePermissions, PERSON_MAX_PAYLOAD, personPermissions } from '../../src/fleet/permissions.js';
import { bootstrapHub } from '../../src/fleet/hub-bootstrap.js';
import { defaultHubLimits } from '../../src/fleet/hub-limits.js';
import { readFleet } from '../../src/fleet/node-listing.js';
import { STREAM_AUDIT, STREAM_IN, STREAM_OUT, subjects } from '../../src/fleet/subjects.js';
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

const MiB = 1024 * 1024;
/** Small per-identity quotas, so that a flood reaches them quickly (the real nodes' ledgers stay far below). */
const IN_QUOTA = 20;
const AUDIT_QUOTA = 3000;
/** The largest audit entry and node facts the hub takes here (a real entry is a few hundred bytes). */
const AUDIT_MSG = 256 * 1024;
const NODES_MSG = 16 * 1024;

async function until(ok: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`still not so after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Listed {
  nodes: { node: string; key: string; revoked?: { by: string } | null; keyChanged?: { presented: string } | null }[];
  revoked: { kind: string; name: string }[];
}

describe.skipIf(natsMissing !== null)('the fleet against hostile nodes, changed keys and revoked creds', () => {
  let hub: Hub;
  let ada: Person;
  let bob: Person;
  let configDir: string;
  const nodes: TestDaemon[] = [];
  let admin: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    // The hub machine's config: small caps, so that "full" can be reached in a test.
    configDir = mkdtempSync(join(tmpdir(), 'aios-hubconf-'));
    writeFileSync(
      join(configDir, 'config.toml'),
      `[fleet.hub]\nin_max_bytes = ${8 * MiB}\nout_max_bytes = ${8 * MiB}\naudit_max_bytes = ${2 * MiB}\naudit_max_age_days = 400\nnodes_max_bytes = ${MiB}\n` +
        `in_max_msgs_per_node = ${IN_QUOTA}\naudit_max_msgs_per_node = ${AUDIT_QUOTA}\n` +
        `audit_max_msg_bytes = ${AUDIT_MSG}\nnodes_max_msg_bytes = ${NODES_MSG}\n`,
    );
    hub = await startHub(undefined, { ...process.env, AIOS_CONFIG: join(configDir, 'config.toml') });
    ada = await makePerson(hub, 'ada');
    bob = await makePerson(hub, 'bob');
    for (const name of ['s1', 's2']) nodes.push(await startNode(hub, name, { [ada.key.publicKey]: 'root' }));
    admin = await fleetConnect({ url: hub.url, creds: await hubCreds(hub.dir) });
    jsm = await jetstreamManager(admin);
    await until(async () => (await nodesOf(ada)).nodes.length === 2, 20_000);
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await disposeAll(
      hub,
      nodes,
      [ada, bob].filter((p) => p !== undefined),
    );
    rmSync(configDir, { recursive: true, force: true });
  });

  async function nodesOf(p: Person): Promise<Listed> {
    const r = await runCli({ env: p.env }, ['fleet', 'nodes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Listed;
  }

  it('caps every stream the fleet made with the [fleet.hub] limits, and follows them at the next start', async () => {
    const caps = Object.fromEntries(
      await Promise.all(
        [STREAM_IN, STREAM_OUT, STREAM_AUDIT, 'KV_aios_nodes'].map(
          async (s) => [s, (await jsm.streams.info(s)).config] as const,
        ),
      ),
    );
    expect(caps[STREAM_IN]?.max_bytes).toBe(8 * MiB);
    expect(caps[STREAM_OUT]?.max_bytes).toBe(8 * MiB);
    expect(caps[STREAM_AUDIT]).toMatchObject({ max_bytes: 2 * MiB, discard: 'new', deny_delete: true });
    expect(caps[STREAM_AUDIT]?.max_age).toBe(400 * 24 * 3600 * 1e9);
    expect(caps['KV_aios_nodes']).toMatchObject({ max_bytes: MiB, deny_purge: true, max_msg_size: NODES_MSG });
    // Bytes per message too: the defaults where the config says nothing, the config where it does.
    expect([STREAM_IN, STREAM_OUT, STREAM_AUDIT].map((s) => caps[s]?.max_msg_size)).toEqual([
      256 * 1024,
      512 * 1024,
      AUDIT_MSG,
    ]);
    // A start with other limits brings the streams there (what a restart with an edited config does).
    await bootstrapHub(admin, [], {
      ...defaultHubLimits(),
      out_max_bytes: 9 * MiB,
      audit_max_bytes: 2 * MiB,
      out_max_msg_bytes: 300 * 1024,
      audit_max_msg_bytes: AUDIT_MSG,
      nodes_max_msg_bytes: NODES_MSG,
    });
    expect((await jsm.streams.info(STREAM_OUT)).config).toMatchObject({ max_bytes: 9 * MiB, max_msg_size: 300 * 1024 });
  });

  it("refuses a node's creds making consumers, taking another node's work, or hearing its requests", async () => {
    const nc = await fleetConnect({ url: hub.url, creds: await token(hub, '--node', 'mallory') });
    try {
      const m = await jetstreamManager(nc, { timeout: 3000 });
      for (const stream of ['KV_aios_nodes', STREAM_IN, STREAM_OUT, STREAM_AUDIT])
        await expect(m.consumers.add(stream, { ack_policy: AckPolicy.None }), stream).rejects.toThrow();
      const js = jetstream(nc, { timeout: 3000 });
      // s1's own work queue, and the plans other nodes published.
      await expect(
        (async () => (await js.consumers.get(STREAM_IN, subjects.nodeConsumer('s1'))).next())(),
      ).rejects.toThrow();
      await expect(m.direct.getMessage(STREAM_OUT, { seq: 1 })).rejects.toThrow();
      // Subscribing where another node's requests or a person's replies arrive is a permissions violation.
      for (const subject of [subjects.inAll('s1'), subjects.rpc('s1'), `${subjects.inbox('person', 'ada')}.>`]) {
        const errors: string[] = [];
        const probe = await fleetConnect({ url: hub.url, creds: await token(hub, '--node', 'mallory') });
        void (async () => {
          for await (const s of probe.status()) if (s.type === 'error') errors.push(String(s.error));
        })();
        probe.subscribe(subject);
        await probe.flush();
        await until(() => errors.some((e) => /permission/i.test(e)), 5000);
        await probe.close();
      }
    } finally {
      await nc.close();
    }
  }, 90_000);

  it("refuses a node's put that would wipe the node list (a rollup on its own key), and it still lists the fleet", async () => {
    const nc = await fleetConnect({ url: hub.url, creds: await token(hub, '--node', 'mallory') });
    try {
      const h = headers();
      h.set('Nats-Rollup', 'all');
      await expect(
        jetstream(nc, { timeout: 3000 }).publish('$KV.aios_nodes.mallory', '{}', { headers: h }),
      ).rejects.toThrow();
      // Reading the list needs no consumer: the node's own creds list s1 and s2.
      const listed = await readFleet(nc, await new Kvm(nc).open('aios_nodes'));
      expect(listed.nodes.map((n) => n.node)).toEqual(['s1', 's2']);
    } finally {
      await nc.close();
    }
    const c = await (nodes[0] as TestDaemon).client();
    try {
      expect((await c.call('fleet/nodes', {})).nodes.map((n) => n.node)).toEqual(['s1', 's2']);
    } finally {
      c.close();
    }
  }, 60_000);

  it('pins node keys on first use; a node back with another key is refused, reported, and fails audit verify', async () => {
    const before = await nodesOf(ada);
    const pinned = Object.fromEntries(before.nodes.map((n) => [n.node, n.key]));
    expect(existsSync(join(ada.dir, 'known-nodes.json'))).toBe(true);
    const s2 = nodes[1] as TestDaemon;
    await s2.stop();
    rmSync(join(s2.stateDir, 'fleet', 'node-key.pem'));
    await s2.restart();
    const fresh = (JSON.parse((await runCli(s2, ['fleet', 'status', '--json'])).stdout) as { key: string }).key;
    expect(fresh).not.toBe(pinned['s2']);
    await until(async () => (await nodesOf(ada)).nodes.some((n) => n.keyChanged != null), 30_000);
    const after = await nodesOf(ada);
    const s2Row = after.nodes.find((n) => n.node === 's2');
    // Listed under the pinned key, so its reports (signed with the new key) count nowhere.
    expect(s2Row).toMatchObject({ key: pinned['s2'], keyChanged: { presented: fresh } });
    const text = await runCli({ env: ada.env }, ['fleet', 'nodes']);
    expect(text.stdout).toMatch(/s2\s+KEY CHANGED/);

    const goal = await runCli({ env: ada.env }, ['fleet', 'goal', 'disk usage', '--nodes', '*', '--yes', '--json']);
    expect(goal.code).toBe(1);
    expect(goal.stderr).toMatch(/REFUSED s2: it presents key/);
    const result = JSON.parse(goal.stdout) as {
      nodes: { node: string; report: { state: string } | null }[];
      refused: { node: string; why: string }[];
    };
    expect(result.nodes.map((n) => [n.node, n.report?.state])).toEqual([['s1', 'succeeded']]);
    // The refused node is in the JSON result too, with its reason, not only on stderr.
    expect(result.refused).toEqual([
      { node: 's2', why: expect.stringMatching(/^it presents key .*aios fleet trust s2 KEY$/) },
    ]);
    const c = await s2.client();
    try {
      expect((await c.call('goal/list', { limit: 50 })).goals.filter((g) => g.text === 'disk usage')).toEqual([]);
    } finally {
      c.close();
    }

    const verify = await runCli({ env: ada.env }, ['fleet', 'audit', 'verify', '--json']);
    expect(verify.code).toBe(1);
    const v = JSON.parse(verify.stdout) as { nodes: { node: string; ok: boolean; problems: string[] }[] };
    expect(v.nodes.find((n) => n.node === 's2')?.problems.join(' ')).toContain('not the key pinned for it');
    expect(v.nodes.find((n) => n.node === 's1')?.ok).toBe(true);

    // Checked at the node's console, the new key is pinned by hand; then s2 counts again.
    const trust = await runCli({ env: ada.env }, ['fleet', 'trust', 's2', fresh]);
    expect(trust.code, trust.stderr).toBe(0);
    expect((await nodesOf(ada)).nodes.find((n) => n.node === 's2')?.keyChanged ?? null).toBeNull();
    await until(async () => (await runCli({ env: ada.env }, ['fleet', 'audit', 'verify'])).code === 0, 20_000);
  }, 120_000);

  it("revokes a node's and a person's creds: dropped, refused, shown as revoked, audited, and kept after a hub restart", async () => {
    const s2 = nodes[1] as TestDaemon;
    const s2Creds = readFileSync(join(s2.stateDir, 'fleet', 'node.creds'), 'utf8');
    const r = await runCli({ env: process.env }, ['fleet', 'revoke', '--dir', hub.dir, '--node', 's2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ applied: true, revocation: { kind: 'node', name: 's2' } });
    const bobCreds = readFileSync(bob.credsFile, 'utf8');
    expect((await runCli({ env: process.env }, ['fleet', 'revoke', '--dir', hub.dir, '--person', 'bob'])).code).toBe(0);

    // The running aiosd lost its connection and says why; its own ledger has it.
    let status = '';
    await until(
      async () => (status = (await runCli(s2, ['fleet', 'status', '--json'])).stdout).includes('revoked?'),
      20_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}: ${status}\n${s2.log().slice(-3000)}`);
    });
    const c = await s2.client();
    try {
      const audit = await c.call('audit/list', { limit: 200 });
      expect(audit.entries.some((e) => e.action === 'fleet.creds_refused')).toBe(true);
    } finally {
      c.close();
    }
    // Neither the node's nor bob's creds connect any more: nothing published, nothing heard.
    await expect(fleetConnect({ url: hub.url, creds: s2Creds })).rejects.toThrow(/Authorization/i);
    await expect(fleetConnect({ url: hub.url, creds: bobCreds })).rejects.toThrow(/Authorization/i);

    const listed = await nodesOf(ada);
    expect(listed.nodes.find((n) => n.node === 's2')?.revoked).toMatchObject({ by: expect.any(String) });
    expect(listed.revoked.map((m) => `${m.kind} ${m.name}`).sort()).toEqual(['node s2', 'person bob']);
    expect((await runCli({ env: ada.env }, ['fleet', 'nodes'])).stdout).toMatch(
      /s2\s+REVOKED[\s\S]*revoked: person bob/,
    );
    const goal = await runCli({ env: ada.env }, ['fleet', 'goal', 'disk usage', '--nodes', 's2', '--yes']);
    expect(goal.code).toBe(1);
    expect(goal.stderr).toContain('REFUSED s2: its creds were revoked');
    // Every selected node refused: --json still says which, and why, and that nothing was started.
    const json = await runCli({ env: ada.env }, ['fleet', 'goal', 'disk usage', '--nodes', 's2', '--yes', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      fleetGoal: null,
      groups: [],
      nodes: [],
      failures: 0,
      stopped: false,
      refused: [{ node: 's2', why: expect.stringContaining('its creds were revoked') }],
    });
    const hubAudit = readFileSync(join(hub.dir, 'hub-audit.jsonl'), 'utf8');
    expect(hubAudit).toMatch(/"action":"fleet.revoke","subject":"node s2"/);
    expect(hubAudit).toMatch(/"subject":"person bob"/);

    // nats-server dies and the hub starts it again: the revocations come back with it.
    const old = hub.serverPid();
    process.kill(old, 'SIGKILL');
    await until(() => {
      try {
        return hub.serverPid() !== old;
      } catch {
        return false;
      }
    }, 20_000);
    await until(async () => (await runCli({ env: ada.env }, ['fleet', 'nodes', '--json'])).code === 0, 20_000);
    await expect(fleetConnect({ url: hub.url, creds: s2Creds })).rejects.toThrow(/Authorization/i);

    // New creds for the node are a new key: it joins again.
    const creds = join(s2.dir, 'node2.creds');
    writeFileSync(creds, await token(hub, '--node', 's2'), { mode: 0o600 });
    const join2 = await runCli(s2, ['fleet', 'join', hub.url, '--creds', creds]);
    expect(join2.code, join2.stderr).toBe(0);
  }, 120_000);

  it('revokes by name creds minted before the hub recorded them: seen connecting, connecting later, or given as a file', async () => {
    // Minted with the hub's account key but not recorded in issued.json: what an older hub handed out.
    const id = await hubIdentity(hub.dir);
    const old = await mintCreds(id, 'legacy1', { ...nodePermissions('legacy1'), tags: ['aios-node'] });
    const oldPerson = await mintCreds(id, 'legacy2', { ...personPermissions('legacy2'), tags: ['aios-person'] });
    const seen = () =>
      existsSync(join(hub.dir, 'seen-users.jsonl')) ? readFileSync(join(hub.dir, 'seen-users.jsonl'), 'utf8') : '';
    const nc = await fleetConnect({ url: hub.url, creds: old });
    const dropped = nc.closed();
    await until(() => seen().includes('"legacy1"'), 10_000);

    const r = await runCli({ env: process.env }, ['fleet', 'revoke', '--dir', hub.dir, '--node', 'legacy1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      applied: true,
      revocation: { name: 'legacy1', users: [expect.any(String)] },
    });
    // The open connection is dropped, and the creds connect no more.
    await expect(Promise.race([dropped.then(() => 'dropped'), sleep(10_000).then(() => 'still open')])).resolves.toBe(
      'dropped',
    );
    await expect(fleetConnect({ url: hub.url, creds: old })).rejects.toThrow(/Authorization/i);
    // Another older creds file of the revoked name, first seen now: dropped as it connects, and refused after.
    const older = await mintCreds(id, 'legacy1', { ...nodePermissions('legacy1'), tags: ['aios-node'] });
    const late = await fleetConnect({ url: hub.url, creds: older });
    await expect(
      Promise.race([late.closed().then(() => 'dropped'), sleep(10_000).then(() => 'still open')]),
    ).resolves.toBe('dropped');
    await expect(fleetConnect({ url: hub.url, creds: older })).rejects.toThrow(/Authorization/i);
    expect(readFileSync(join(hub.dir, 'hub-audit.jsonl'), 'utf8')).toMatch(/"actor":"hub \(name revoked earlier\)"/);

    // Never connected since: the hub knows no key of that name, and says how to give one.
    const unknown = await runCli({ env: process.env }, ['fleet', 'revoke', '--dir', hub.dir, '--person', 'legacy2']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('--creds FILE');
    const file = join(hub.dir, 'legacy2-copy.creds');
    // A creds file of another name is refused: a wrong file cannot revoke someone else.
    writeFileSync(file, old, { mode: 0o600 });
    const revokeByFile = () =>
      runCli({ env: process.env }, ['fleet', 'revoke', '--dir', hub.dir, '--person', 'legacy2', '--creds', file]);
    const wrong = await revokeByFile();
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain("node legacy1's, not person legacy2's");
    writeFileSync(file, oldPerson, { mode: 0o600 });
    const byFile = await revokeByFile();
    expect(byFile.code, byFile.stderr).toBe(0);
    await expect(fleetConnect({ url: hub.url, creds: oldPerson })).rejects.toThrow(/Authorization/i);
  }, 90_000);

  it("holds one identity's flood to its own quota: refused or trimmed there, while others still get through", async () => {
    expect((await jsm.streams.info(STREAM_AUDIT)).config).toMatchObject({
      max_msgs_per_subject: AUDIT_QUOTA,
      discard_new_per_subject: true,
    });
    // A node floods its own audit subject with small entries (no byte cap comes near): refused at its quota.
    const flooder = await fleetConnect({ url: hub.url, creds: await token(hub, '--node', 'greedy') });
    const other = await fleetConnect({ url: hub.url, creds: await token(hub, '--node', 'modest') });
    try {
      const js = jetstream(flooder, { timeout: 5000 });
      let refused: unknown = null;
      for (let i = 0; i < AUDIT_QUOTA + 100 && refused === null; i += 100)
        await Promise.all(
          Array.from({ length: 100 }, () =>
            js.publish(subjects.audit('greedy', 'entry'), 'x').catch((err: unknown) => (refused ??= err)),
          ),
        );
      expect(String(refused)).toMatch(/maximum messages per subject/i);
      const held = async (node: string) =>
        (await jsm.streams.info(STREAM_AUDIT, { subjects_filter: subjects.audit(node, 'entry') })).state.subjects?.[
          subjects.audit(node, 'entry')
        ] ?? 0;
      expect(await held('greedy')).toBe(AUDIT_QUOTA);
      // Another node's entries still go in.
      await jetstream(other, { timeout: 5000 }).publish(subjects.audit('modest', 'entry'), 'mine');
      expect(await held('modest')).toBe(1);
    } finally {
      await flooder.close();
      await other.close();
    }

    // A person floods one node's queue: that queue keeps its newest IN_QUOTA, another node's waiting work stays.
    const carol = await fleetConnect({ url: hub.url, creds: await token(hub, '--person', 'carol') });
    try {
      const js = jetstream(carol, { timeout: 5000 });
      await js.publish(subjects.in('away', 'goal'), 'work for a node that is away');
      for (let i = 0; i < IN_QUOTA * 3; i++) await js.publish(subjects.in('victim', 'goal'), `flood ${i}`);
      const inHeld = async (subject: string) =>
        (await jsm.streams.info(STREAM_IN, { subjects_filter: subject })).state.subjects?.[subject] ?? 0;
      expect(await inHeld(subjects.in('victim', 'goal'))).toBe(IN_QUOTA);
      expect(await inHeld(subjects.in('away', 'goal'))).toBe(1);
      const last = await jsm.streams.getMessage(STREAM_IN, { last_by_subj: subjects.in('victim', 'goal') });
      expect(last?.string()).toBe(`flood ${IN_QUOTA * 3 - 1}`);
    } finally {
      await carol.close();
    }
  }, 90_000);

  it('refuses a message bigger than a stream or the creds allow, from one identity, while a normal one gets through', async () => {
    const big = await fleetConnect({ url: hub.url, creds: await token(hub, '--node', 'bulky') });
    const other = await fleetConnect({ url: hub.url, creds: await token(hub, '--node', 'slim') });
    try {
      const js = jetstream(big, { timeout: 5000 });
      // An audit entry over [fleet.hub] audit_max_msg_bytes: refused by the stream, nothing stored.
      const oversize = await js.publish(subjects.audit('bulky', 'entry'), 'x'.repeat(AUDIT_MSG + 1)).then(
        () => null,
        (err: unknown) => err,
      );
      expect(String(oversize)).toMatch(/message size exceeds maximum/i);
      // Facts over nodes_max_msg_bytes on its own key in the node list: refused too.
      const kv = await new Kvm(big).open('aios_nodes');
      const fat = await kv.put('bulky', 'x'.repeat(NODES_MSG + 1)).then(
        () => null,
        (err: unknown) => err,
      );
      expect(String(fat)).toMatch(/message size exceeds maximum/i);
      // The same node's ordinary entry and facts go in, and so do another node's.
      await js.publish(subjects.audit('bulky', 'entry'), 'x'.repeat(1024));
      await kv.put('bulky', '{"node":"bulky"}');
      await jetstream(other, { timeout: 5000 }).publish(subjects.audit('slim', 'entry'), 'mine');
      const held = async (node: string) =>
        (await jsm.streams.info(STREAM_AUDIT, { subjects_filter: subjects.audit(node, 'entry') })).state.subjects?.[
          subjects.audit(node, 'entry')
        ] ?? 0;
      expect([await held('bulky'), await held('slim')]).toEqual([1, 1]);
      expect(
        (await jsm.streams.getMessage(STREAM_AUDIT, { last_by_subj: subjects.audit('bulky', 'entry') }))?.data.length,
      ).toBe(1024);
    } finally {
      await big.close();
      await other.close();
    }
    // A person's creds carry a payload limit of their own (the user JWT's, which nats-server
    // 2.9 enforces and tells the client): a message over it never leaves, one under it does.
    const dave = await fleetConnect({ url: hub.url, creds: await token(hub, '--person', 'dave') });
    try {
      expect(dave.info?.max_payload).toBe(PERSON_MAX_PAYLOAD);
      expect(() => dave.publish('aios.rpc.s1', 'x'.repeat(PERSON_MAX_PAYLOAD + 1))).toThrow(/max_payload/);
      await jetstream(dave, { timeout: 5000 }).publish(subjects.in('away', 'goal'), 'a goal of ordinary size');
    } finally {
      await dave.close();
    }
  }, 60_000);

  it('keeps what the audit stream holds when it is full: new entries are refused, none dropped', async () => {
    const held = async () => (await jsm.streams.info(STREAM_AUDIT, { subjects_filter: 'aios.node.s1.>' })).state;
    const s1Before = Object.values((await held()).subjects ?? {}).reduce((a, b) => a + b, 0);
    expect(s1Before).toBeGreaterThan(0);
    const nc = await fleetConnect({ url: hub.url, creds: await token(hub, '--node', 'flood') });
    try {
      const js = jetstream(nc, { timeout: 5000 });
      const junk = 'x'.repeat(200 * 1024);
      let refused: unknown = null;
      for (let i = 0; i < 20 && refused === null; i++)
        await js.publish(subjects.audit('flood', 'entry'), junk).catch((err: unknown) => (refused = err));
      expect(String(refused)).toMatch(/maximum bytes/i);
    } finally {
      await nc.close();
    }
    const s1After = Object.values((await held()).subjects ?? {}).reduce((a, b) => a + b, 0);
    expect(s1After).toBeGreaterThanOrEqual(s1Before);
  }, 60_000);
});
