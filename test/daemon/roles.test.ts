// Least privilege on a system-mode node, tried as real accounts would (real uids made for the
// test, real processes, SO_PEERCRED): a role only by explicit grant, who may act on whose goal,
// who sees what, and one account unable to lock the others out.
import { execFile, spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GoalView } from '../../src/protocol/model.js';
import { asUser, listenAsUser } from '../helpers/as-user.js';
import { formatPlan } from '../../src/shell/line-mode/line-format.js';
import { aiosBin, disposeTestDaemon, repoRoot, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { spawnInPty } from '../helpers/pty-screen.js';
import { createAccount, isRoot, unusedUid, type TestAccount } from '../helpers/system-users.js';
import { eventually, until } from '../helpers/until.js';

const run = promisify(execFile);
const init = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: 1, client: { name: 'roles-test', version: '0' } },
};
const req = (id: number, method: string, params: object = {}) => ({ jsonrpc: '2.0', id, method, params });

let d: TestDaemon | undefined;
let operator: TestAccount;
let viewer: TestAccount;
let roleless: TestAccount;

beforeAll(async () => {
  if (!isRoot) return;
  operator = createAccount('aa', ['aios-operator']);
  viewer = createAccount('aa', ['aios-viewer']);
  roleless = createAccount('aa');
  d = await startTestDaemon({ env: { AIOS_MODE: 'system' } });
  chmodSync(d.dir, 0o755);
  chmodSync(d.stateDir, 0o755);
}, 60_000);

afterAll(async () => {
  await disposeTestDaemon(d);
  for (const a of [operator, viewer, roleless]) a?.remove();
});

const daemon = (): TestDaemon => d as TestDaemon;
const errorOf = (answer: Record<string, unknown> | undefined): string =>
  JSON.stringify((answer as { error?: unknown } | undefined)?.error ?? null);

/** Root (an admin) plans one tool call and gets the goal back, awaiting approval. */
async function adminPlans(tool: string, args: Record<string, unknown>): Promise<GoalView> {
  const c = await daemon().client();
  try {
    return await c.call('tool/plan', { tool, args });
  } finally {
    c.close();
  }
}

describe.skipIf(!isRoot)('roles by explicit grant (system mode)', () => {
  it('refuses an account with no role group at initialize, saying which groups exist and who grants them, and logs it', async () => {
    const [answer] = asUser(roleless.uid, daemon().socketPath, [init]);
    expect(answer).toMatchObject({ error: { code: -32003 } });
    expect(errorOf(answer)).toMatch(
      /no aiOS role.*aios-admin, aios-operator, aios-viewer.*usermod -aG aios-operator NAME/,
    );
    const logged = new RegExp(`refused ${roleless.name} \\(uid ${roleless.uid}.*at initialize: .*no aiOS role`);
    await eventually(
      () => `the refusal in the log:\n${daemon().log()}`,
      () => logged.test(daemon().log()),
    );
  });

  it('refuses a uid with no passwd entry, nobody, and a system account', () => {
    const ghost = unusedUid();
    expect(errorOf(asUser(ghost, daemon().socketPath, [init])[0])).toMatch(
      new RegExp(`uid ${ghost} has no account on this node`),
    );
    expect(errorOf(asUser(65534, daemon().socketPath, [init])[0])).toMatch(/nobody .*cannot use aiOS/);
    // daemon (uid 1): a system account, as www-data or systemd-network are.
    expect(errorOf(asUser(1, daemon().socketPath, [init])[0])).toMatch(/system account .*UID_MIN/);
  });

  it('gives granted accounts their role', () => {
    const [op] = asUser(operator.uid, daemon().socketPath, [init]);
    expect(op).toMatchObject({ result: { user: { uid: operator.uid, name: operator.name, role: 'operator' } } });
    const [v, submitted] = asUser(viewer.uid, daemon().socketPath, [
      init,
      req(2, 'goal/submit', { text: 'show disk usage' }),
    ]);
    expect(v).toMatchObject({ result: { user: { role: 'viewer' } } });
    expect(errorOf(submitted)).toMatch(/is a viewer and goal\/submit needs the operator role/);
  });

  it('an operator cannot edit, reject, cancel or roll back an admin’s goal', async () => {
    const target = join(daemon().dir, 'admin-note');
    const goal = await adminPlans('fs.write', { path: target, content: 'from the admin\n' });
    const plan = goal.plan as NonNullable<GoalView['plan']>;
    const [, edited, rejected, cancelled] = asUser(operator.uid, daemon().socketPath, [
      init,
      req(2, 'plan/edit', {
        planId: plan.id,
        planHash: plan.hash,
        stepId: plan.steps[0]?.id ?? 's1',
        args: { path: target, content: 'from the operator\n' },
      }),
      req(3, 'plan/decide', { planId: plan.id, planHash: plan.hash, decision: 'reject' }),
      req(4, 'goal/cancel', { goalId: goal.id }),
    ]);
    for (const answer of [edited, rejected, cancelled])
      expect(errorOf(answer)).toMatch(/-32003.*belongs to someone else; only its owner or an admin/);
    const c = await daemon().client();
    try {
      expect((await c.call('goal/get', { goalId: goal.id })).plan?.hash).toBe(plan.hash);
      await c.call('plan/decide', { planId: plan.id, planHash: plan.hash, decision: 'approve' });
      await until(
        'the goal to succeed',
        () => c.call('goal/get', { goalId: goal.id }),
        (g) => g.state === 'succeeded',
      );
    } finally {
      c.close();
    }
    const [, rolledBack] = asUser(operator.uid, daemon().socketPath, [
      init,
      req(2, 'goal/rollback', { goalId: goal.id }),
    ]);
    expect(errorOf(rolledBack)).toMatch(/belongs to someone else/);
    const logged = new RegExp(`refused goal/rollback for ${operator.name}`);
    await eventually(
      () => `the refusal in the log:\n${daemon().log().slice(-2000)}`,
      () => logged.test(daemon().log()),
    );
  });

  it("what this session added is refused to an operator and a viewer: API keys, gc, agents, the ledger, another's rollback preview, a patch run, an update, joining or leaving a fleet, fleet goals from the console, pulling a model, a restore's preview", async () => {
    const goal = await adminPlans('fs.write', { path: join(daemon().dir, 'admin-preview'), content: 'x\n' });
    const attempts = [
      req(2, 'models/key-set', { provider: 'anthropic', key: 'sk-ant-attacker-0123456789' }),
      req(3, 'gc/run', { dryRun: false, olderThan: '0s' }),
      req(4, 'agents/stop', { agent: 'storage', hold: true }),
      req(5, 'audit/acknowledge', { note: 'hide it' }),
      req(6, 'rollback/preview', { goalId: goal.id }),
      req(7, 'patch/run', {}),
      req(8, 'update/request', { bundle: '/tmp/attacker-bundle.tar' }),
      req(9, 'update/rollback', {}),
      req(10, 'fleet/join', { url: 'nats://127.0.0.1:4222', creds: 'attacker creds' }),
      req(11, 'fleet/leave', {}),
      req(12, 'models/pull', { uri: 'http://127.0.0.1:9/attacker.gguf' }),
      req(13, 'plan/draft', { text: 'read /etc/shadow' }),
      // Wrong parameters to an admin method: refused for the role first, so its validation
      // errors tell a non-admin nothing of the method's parameters.
      req(14, 'update/request', { probe: 'what does it take?' }),
      req(15, 'models/key-set', {}),
      // Fleet goals from this node's console: listing them, starting one, deciding a plan group.
      req(16, 'fleet/goals', {}),
      req(17, 'fleet/start', { text: 'read /etc/shadow', nodes: '*' }),
      req(18, 'fleet/decide', { fleetGoal: 'F1', planHash: 'a'.repeat(64), decision: 'approve' }),
      // What a restore would change names paths anywhere on the node, as restoring does.
      req(19, 'snapshot/preview', { snapshotId: 'any', path: '/etc' }),
    ];
    for (const who of [operator, viewer]) {
      const [, ...answers] = asUser(who.uid, daemon().socketPath, [init, ...attempts]);
      expect(answers).toHaveLength(attempts.length);
      for (const answer of answers) expect(errorOf(answer)).toMatch(/-32003/);
    }
    // Nothing of it happened: no key stored, the agent still takes work.
    const c = await daemon().client();
    try {
      expect((await c.call('models/list', {})).providers).toEqual([]);
      expect((await c.call('fleet/status', {})).joined).toBe(false);
      expect((await c.call('agents/list', {})).agents.find((a) => a.name === 'storage')).not.toMatchObject({
        held: true,
      });
    } finally {
      c.close();
    }
  });

  it('an operator cannot approve installing a package or starting a service, even confirming', () => {
    for (const [tool, args] of [
      ['pkg.install', { packages: ['hello'] }],
      ['service.start', { unit: 'cron.service' }],
    ] as const) {
      // The preview simulates the install (apt-get -s), which may take a while on a busy machine.
      const [, planned] = asUser(operator.uid, daemon().socketPath, [init, req(2, 'tool/plan', { tool, args })], {
        timeoutMs: 60_000,
      });
      expect(planned).toHaveProperty('result');
      const goal = (planned as { result: GoalView }).result;
      const plan = goal.plan as NonNullable<GoalView['plan']>;
      expect(goal.state).toBe('awaiting_approval');
      const [, approved] = asUser(operator.uid, daemon().socketPath, [
        init,
        req(2, 'plan/decide', { planId: plan.id, planHash: plan.hash, decision: 'approve', confirm: true }),
      ]);
      expect(errorOf(approved)).toMatch(
        new RegExp(`${tool.replace('.', '\\.')} changes the node's (packages|services).*only an admin may approve it`),
      );
      // The operator can still reject their own plan: nothing was installed or started.
      const [, rejected] = asUser(operator.uid, daemon().socketPath, [
        init,
        req(2, 'plan/decide', { planId: plan.id, planHash: plan.hash, decision: 'reject' }),
      ]);
      expect(rejected).toMatchObject({ result: { state: 'rejected' } });
    }
  });

  it('a viewer sees the text, state and steps of another’s goal, never its output (events and goal/get)', async () => {
    const secret = join(daemon().dir, 'secret.txt');
    writeFileSync(secret, 'TOPSECRET-4711\n', { mode: 0o600 });
    const listener = listenAsUser(viewer.uid, daemon().socketPath, [init, req(2, 'events/subscribe')]);
    await listener.ready;
    const goal = await adminPlans('fs.read', { path: secret });
    const c = await daemon().client();
    try {
      if (goal.state === 'awaiting_approval' && goal.plan !== null)
        await c.call('plan/decide', { planId: goal.plan.id, planHash: goal.plan.hash, decision: 'approve' });
      await until(
        'the goal to succeed',
        () => c.call('goal/get', { goalId: goal.id }),
        (g) => g.state === 'succeeded',
      );
      // The owner (an admin here) sees it.
      expect(JSON.stringify(await c.call('goal/get', { goalId: goal.id }))).toContain('TOPSECRET-4711');
    } finally {
      c.close();
    }
    const seen = await listener.stop();
    const updates = seen.filter((m) => (m['params'] as { type?: string } | undefined)?.type === 'goal.updated');
    expect(updates.length).toBeGreaterThan(0);
    expect(seen.some((m) => (m['params'] as { type?: string } | undefined)?.type === 'step.output')).toBe(false);
    expect(JSON.stringify(seen)).not.toContain('TOPSECRET-4711');
    const [, got, trace, list] = asUser(viewer.uid, daemon().socketPath, [
      init,
      req(2, 'goal/get', { goalId: goal.id }),
      req(3, 'goal/trace', { goalId: goal.id }),
      req(4, 'goal/list', {}),
    ]);
    expect(got).toMatchObject({
      result: { id: goal.id, state: 'succeeded', redacted: true, plan: { steps: [{ tool: 'fs.read', output: '' }] } },
    });
    for (const answer of [got, trace, list]) expect(JSON.stringify(answer)).not.toContain('TOPSECRET-4711');
  });

  it('an admin’s edit of an operator’s plan is shown to the owner with who made it, and needs approving again', async () => {
    const target = join(operator.home, 'note.txt');
    const [, planned] = asUser(
      operator.uid,
      daemon().socketPath,
      [init, req(2, 'tool/plan', { tool: 'fs.write', args: { path: target, content: 'mine\n' } })],
      { timeoutMs: 30_000 },
    );
    const plan = (planned as { result: GoalView }).result.plan as NonNullable<GoalView['plan']>;
    const c = await daemon().client();
    try {
      await c.call('plan/edit', {
        planId: plan.id,
        planHash: plan.hash,
        stepId: plan.steps[0]?.id ?? 's1',
        args: { path: target, content: 'the admin’s\n' },
      });
    } finally {
      c.close();
    }
    const [, got] = asUser(operator.uid, daemon().socketPath, [init, req(2, 'goal/get', { goalId: plan.goalId })]);
    const goal = (got as { result: GoalView }).result;
    expect(goal.plan?.editedBy).toEqual({ name: 'root', uid: 0 });
    expect(goal.plan?.steps.every((s) => s.state === 'pending')).toBe(true);
    expect(formatPlan(goal)).toContain(`this plan was edited by root, not by ${operator.name}`);
  });

  it('a login whose account has no role is told who can grant one, and the session ends', async () => {
    // stdin stays open, as a terminal's does: the session ends because it was refused, not because input ran out.
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'aios-shell.js')], {
      uid: roleless.uid,
      gid: roleless.gid,
      cwd: '/',
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: roleless.home,
        TERM: 'dumb',
        AIOS_SOCKET: daemon().socketPath,
      },
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(killer);
    expect(out).toMatch(/aiOS refused this login: .*no aiOS role.*aios-operator.*usermod -aG/);
    expect(code).toBe(1);
  });

  it('the same in the full-screen TUI, under a real terminal', async () => {
    const s = spawnInPty(
      'setpriv',
      [
        '--reuid',
        String(roleless.uid),
        '--regid',
        String(roleless.gid),
        '--init-groups',
        process.execPath,
        join(repoRoot, 'bin', 'aios-shell.js'),
      ],
      {
        cols: 400,
        rows: 24,
        term: 'xterm-256color',
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: roleless.home, AIOS_SOCKET: daemon().socketPath },
      },
    );
    try {
      expect(await s.exited).toBe(1);
      await s.settled(100, 2000);
      expect(s.text().replace(/\s+/g, ' ')).toMatch(
        /aiOS refused this login: .*no aiOS role.*usermod -aG aios-operator NAME/,
      );
    } finally {
      s.kill();
    }
  });

  it('500 idle connections from one operator leave root’s aios status answering, and the refusal is logged', async () => {
    const flood = `
      const net = require('node:net');
      const held = [];
      for (let i = 0; i < 500; i++) { const s = net.connect(${JSON.stringify(daemon().socketPath)}); s.on('error', () => {}); held.push(s); }
      process.stdin.on('data', () => process.exit(0));
      setTimeout(() => process.stderr.write('opened\\n'), 1000);
      setTimeout(() => process.exit(0), 60000);
    `;
    const child = spawn(process.execPath, ['-e', flood], {
      uid: operator.uid,
      gid: operator.gid,
      cwd: '/',
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    try {
      await new Promise<void>((resolve) =>
        child.stderr.on('data', (b: Buffer) => {
          if (b.toString().includes('opened')) resolve();
        }),
      );
      // A liveness bound, not a timing: the status must come back at all.
      const status = await run(process.execPath, [aiosBin, 'status', '--json'], { env: daemon().env, timeout: 10_000 });
      expect(JSON.parse(status.stdout)).toMatchObject({ user: { uid: 0, role: 'admin' } });
      const logged = new RegExp(
        `refused a connection from ${operator.name} \\(uid ${operator.uid}.*max_clients_per_uid`,
      );
      await eventually(
        () => `the cap's refusal in the log:\n${daemon().log().slice(-2000)}`,
        () => logged.test(daemon().log()),
      );
    } finally {
      child.stdin.write('x');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
