// People on the fleet: a non-root person mapped to a real operator account (a uid made for the
// test) on a system-mode node, and what the bus lets them do there and not; and `aios fleet
// rollback` of a fleet goal across nodes. A real hub and real aiosd nodes.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDaemon } from '../helpers/daemon.js';
import { runCli } from '../helpers/aios-cli.js';
import { createAccount, isRoot, type TestAccount } from '../helpers/system-users.js';
import { openPersonBus } from '../../src/fleet/person-bus.js';
import { NodeReport } from '../../src/fleet/messages.js';
import { disposeAll, makePerson, natsMissing, startHub, startNode, type Hub, type Person } from './fleet-fixture.js';

async function until(ok: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`still not so after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface GoalJson {
  fleetGoal: string;
  nodes: { node: string; report: { state: string; message: string | null } | null }[];
}

describe.skipIf(natsMissing !== null || !isRoot)('people on the fleet: an operator account, and rollback', () => {
  let hub: Hub;
  let ada: Person;
  let oscar: Person;
  let operator: TestAccount;
  let scratch: string;
  const nodes: TestDaemon[] = [];
  const sys = (): TestDaemon => nodes[0] as TestDaemon;

  beforeAll(async () => {
    operator = createAccount('fo', ['aios-operator']);
    scratch = mkdtempSync(join(tmpdir(), 'aios-fleet-people-'));
    chmodSync(scratch, 0o755);
    hub = await startHub();
    ada = await makePerson(hub, 'ada');
    oscar = await makePerson(hub, 'oscar');
    const people = { [ada.key.publicKey]: 'root', [oscar.key.publicKey]: operator.name };
    // A system-mode node: ada acts as root (admin), oscar as the operator account.
    nodes.push(await startNode(hub, 'o1', people, '', { AIOS_MODE: 'system' }));
    chmodSync(sys().dir, 0o755);
    chmodSync(sys().stateDir, 0o755);
    // Two user-mode nodes, each with a home of its own, for rollback across nodes.
    for (const name of ['r1', 'r2']) nodes.push(await startNode(hub, name, { [ada.key.publicKey]: 'root' }));
    await until(
      async () => (await runCli({ env: ada.env }, ['fleet', 'nodes', '--json'])).stdout.includes('"r2"'),
      20_000,
    );
  }, 120_000);

  afterAll(async () => {
    await disposeAll(
      hub,
      nodes,
      [ada, oscar].filter((p) => p !== undefined),
    );
    operator?.remove();
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  });

  const asOscar = (args: string[]) => runCli({ env: oscar.env }, args);

  it('acts as the operator account over the bus, and is refused what only an admin may do', async () => {
    const status = await asOscar(['--node', 'o1', 'status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ user: { name: operator.name, role: 'operator' } });
    // Leaving the fleet, and reading the node's ledger, are an admin's: the node's own perm checks say no.
    const bus = await openPersonBus({ url: hub.url, credsFile: oscar.credsFile, keyFile: oscar.keyFile });
    try {
      for (const method of ['fleet/leave', 'audit/export'])
        expect(JSON.stringify(await bus.rpc('o1', method, {})), method).toMatch(/"error".*admin/i);
    } finally {
      await bus.close();
    }
    expect((await runCli(sys(), ['fleet', 'status', '--json'])).stdout).toContain('"joined":true');
    const verify = await asOscar(['fleet', 'audit', 'verify', '--nodes', 'o1', '--json']);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/cannot read the node's own copy.*admin/i);
  }, 60_000);

  it("runs the operator's goal as the operator's uid, in the operator's home", async () => {
    const r = await asOscar([
      'fleet',
      'goal',
      'append "oscar was here" to ~/op.txt',
      '--nodes',
      'o1',
      '--yes',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const file = join(operator.home, 'op.txt');
    expect(readFileSync(file, 'utf8')).toContain('oscar was here');
    expect(statSync(file).uid).toBe(operator.uid);
    const c = await sys().client();
    try {
      const mine = (await c.call('goal/list', { limit: 50 })).goals.find((g) => g.text.includes('oscar was here'));
      expect(mine?.ownerUid).toBe(operator.uid);
    } finally {
      c.close();
    }
  }, 60_000);

  it("refuses the operator approving or rolling back a goal the admin's account made on the node", async () => {
    const target = join(scratch, 'ada.txt');
    const made = await runCli({ env: ada.env }, [
      'fleet',
      'goal',
      `append "ada was here" to ${target}`,
      '--nodes',
      'o1',
      '--yes',
      '--json',
    ]);
    expect(made.code, made.stderr).toBe(0);
    const fleetGoal = (JSON.parse(made.stdout) as GoalJson).fleetGoal;
    expect(readFileSync(target, 'utf8')).toContain('ada was here');
    const back = await asOscar(['fleet', 'rollback', fleetGoal, '--yes', '--json', '--timeout', '20s']);
    expect(back.code).toBe(1);
    const rows = (JSON.parse(back.stdout) as { nodes: { node: string; state: string; message: string | null }[] })
      .nodes;
    expect(rows).toEqual([
      expect.objectContaining({
        node: 'o1',
        state: 'refused',
        message: expect.stringMatching(/belongs to someone else/),
      }),
    ]);
    expect(readFileSync(target, 'utf8')).toContain('ada was here');

    // A plan of ada's waiting for approval (safe for oscar to see): oscar's approval of its very hash runs nothing.
    const bus = await openPersonBus({ url: hub.url, credsFile: oscar.credsFile, keyFile: oscar.keyFile });
    const adaBus = await openPersonBus({ url: hub.url, credsFile: ada.credsFile, keyFile: ada.keyFile });
    try {
      const fg = `P${Date.now()}`;
      const reports: NodeReport[] = [];
      const stop = await bus.follow(fg, (e) => {
        const p = NodeReport.safeParse(e.body);
        if (p.success) reports.push(p.data);
      });
      await adaBus.send('o1', 'goal', { fleetGoal: fg, text: `append "never" to ${join(scratch, 'never.txt')}` });
      await until(() => reports.some((x) => x.state === 'awaiting_approval'), 20_000);
      const plan = reports.find((x) => x.state === 'awaiting_approval') as NodeReport;
      await bus.send('o1', 'approve', { fleetGoal: fg, planHash: plan.planHash, decision: 'approve' });
      await until(() => reports.some((x) => x.state === 'refused'), 20_000);
      stop();
      expect(reports.find((x) => x.state === 'refused')?.message).toMatch(/belongs to someone else/);
      expect(existsSync(join(scratch, 'never.txt'))).toBe(false);
    } finally {
      await bus.close();
      await adaBus.close();
    }
  }, 90_000);

  it('rolls a fleet goal back on every node that ran it, after listing them, and each file is as before', async () => {
    const made = await runCli({ env: ada.env }, [
      'fleet',
      'goal',
      'append "fleet was here" to ~/fleet.txt',
      '--nodes',
      'r*',
      '--yes',
      '--json',
    ]);
    expect(made.code, made.stderr).toBe(0);
    const fleetGoal = (JSON.parse(made.stdout) as GoalJson).fleetGoal;
    const [r1, r2] = [nodes[1] as TestDaemon, nodes[2] as TestDaemon];
    for (const d of [r1, r2]) expect(readFileSync(join(d.dir, 'fleet.txt'), 'utf8')).toContain('fleet was here');
    // Without --yes it only says what it would roll back, where.
    const preview = await runCli({ env: ada.env }, ['fleet', 'rollback', fleetGoal]);
    expect(preview.code).toBe(2);
    expect(preview.stderr).toMatch(/^r1: roll back goal/m);
    expect(preview.stderr).toMatch(/^r2: roll back goal/m);
    for (const d of [r1, r2]) expect(readFileSync(join(d.dir, 'fleet.txt'), 'utf8')).toContain('fleet was here');
    const back = await runCli({ env: ada.env }, ['fleet', 'rollback', fleetGoal, '--yes', '--json']);
    expect(back.code, back.stderr + back.stdout).toBe(0);
    const rows = (JSON.parse(back.stdout) as { nodes: { node: string; state: string }[] }).nodes;
    expect(rows.sort((a, b) => a.node.localeCompare(b.node))).toEqual([
      expect.objectContaining({ node: 'r1', state: 'rolled_back' }),
      expect.objectContaining({ node: 'r2', state: 'rolled_back' }),
    ]);
    // The file did not exist before the goal: the rollback removed it again.
    for (const d of [r1, r2]) expect(existsSync(join(d.dir, 'fleet.txt'))).toBe(false);
    const show = await runCli({ env: ada.env }, ['fleet', 'goal', 'show', fleetGoal, '--json']);
    expect(JSON.parse(show.stdout)).toMatchObject({
      nodes: { r1: { state: 'rolled_back' }, r2: { state: 'rolled_back' } },
    });
  }, 120_000);
});
