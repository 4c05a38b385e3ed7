// The fleet view (8 / F10) over a real Unix socket, drawn into a headless terminal: this node's
// membership and every node's facts, as aiosd's fleet/status and fleet/nodes answer, and the fleet
// goals started at this console (fleet/goals) with their plan groups, each approved or rejected
// with a key (fleet/decide), a risky one only after yes is typed.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { NodeFacts } from '../../src/protocol/fleet.js';
import { runShell } from '../../src/shell/run-shell.js';
import { FakeDaemon, HELLO, statusResult, type Handler } from './fake-daemon.js';
import { Screen } from './screen.js';
import { until } from '../helpers/until.js';
import { HASH_A, HASH_B, started } from './fleet-fixtures.js';

process.env['FORCE_COLOR'] = '1';
afterAll(() => {
  delete process.env['FORCE_COLOR'];
});

const F10 = '\u001b[21~';
let daemon: FakeDaemon | null = null;
afterEach(async () => {
  await daemon?.dispose();
  daemon = null;
});

function facts(node: string, over: Partial<NodeFacts> = {}): NodeFacts {
  return {
    node,
    version: '0.1.0',
    health: 'ok',
    problems: [],
    load: [0.25, 0.5, 0.75],
    disk: { freeBytes: 10 * 2 ** 30, totalBytes: 40 * 2 ** 30 },
    uptimeS: 7200,
    ledger: { seq: 42, hash: 'ab'.repeat(32) },
    labels: { role: 'web' },
    key: 'MCowBQYDK2VwAyEAnodekey',
    ts: Date.now(),
    ...over,
  };
}

const joined = {
  joined: true,
  node: 'node1',
  url: 'tls://hub:4222',
  connected: true,
  key: 'MCowBQYDK2VwAyEAself',
  problem: null,
};

async function open(
  handlers: Record<string, Handler>,
  role: 'admin' | 'operator' = 'operator',
): Promise<{ screen: Screen; exit: Promise<number> }> {
  const hello = { ...HELLO, user: { ...HELLO.user, role } };
  daemon = new FakeDaemon({
    initialize: () => hello,
    'fleet/goals': () => ({ started: [], reached: [] }),
    'events/subscribe': () => ({ ok: true }),
    'goal/list': () => ({ goals: [] }),
    'status/get': () => statusResult({ user: hello.user }),
    ...handlers,
  });
  await daemon.listen();
  const screen = new Screen(100, 24);
  const exit = runShell({
    socketPath: daemon.socketPath,
    stdin: screen.stdin,
    stdout: screen.stdout,
    env: { TERM: 'xterm-256color', AIOS_GUARD_MS: '0', AIOS_BURST_MS: '0' },
  });
  await screen.waitFor('aiosd ok');
  return { screen, exit };
}

describe('the fleet view', () => {
  it('lists every node with its health and facts, an unreachable one called so; j selects, r reloads', async () => {
    const { screen, exit } = await open({
      'fleet/status': () => joined,
      'fleet/nodes': () => ({
        nodes: [
          facts('web-01'),
          facts('web-02', { health: 'degraded', problems: ['disk 95% full'], labels: {} }),
          facts('db-01', { ts: Date.now() - 120_000, labels: { role: 'db' } }),
        ],
      }),
    });
    screen.type(F10); // from the input line, as every view's F-key
    const text = await screen.waitFor('web-01', 15_000);
    expect(text).toContain('node node1 connected to tls://hub:4222');
    expect(text).toContain(
      '3 nodes, 0 fleet goals started here — r: reload  a/x: approve/reject the selected plan group',
    );
    expect(text).toMatch(
      /› web-01 +ok +0\.1\.0 {2}load 0\.25 0\.50 0\.75 {2}disk 10\.0G\/40\.0G {2}up 2h {2}#42 {2}role=web/,
    );
    expect(text).toMatch(/ {2}web-02 +degraded +0\.1\.0/);
    expect(text).toMatch(/ {2}db-01 +UNREACHABLE +0\.1\.0 .* {2}role=db/);
    expect(text).toContain('key MCowBQYDK2VwAyEAnodekey  ledger abababababababab');
    expect(text).toContain('[fleet]');
    screen.type('j');
    await screen.waitFor('! disk 95% full');
    expect(screen.text()).toMatch(/› web-02/);
    screen.type('j');
    await screen.waitFor(/last seen 1\d\d s ago {2}key/);
    const asked = daemon?.calls('fleet/nodes').length ?? 0;
    screen.type('r');
    await until(
      'r to ask again',
      () => Promise.resolve(daemon?.calls('fleet/nodes').length ?? 0),
      (n) => n > asked,
      5000,
    );
    // Nothing but reads (an operator is not asked about fleet goals): a/x on a node decide nothing.
    screen.type('a');
    await screen.waitFor('select a plan group (j/k) under a fleet goal started here to approve or reject it');
    expect(new Set(daemon?.received.map((r) => r.method).filter((m) => m.startsWith('fleet/')))).toEqual(
      new Set(['fleet/status', 'fleet/nodes']),
    );
    screen.type('\u0004');
    expect(await exit).toBe(0);
  });

  it('says how to join when the node is in no fleet, and asks for no nodes', async () => {
    const { screen, exit } = await open({
      'fleet/status': () => ({ ...joined, joined: false, url: null, connected: false }),
    });
    screen.type(F10);
    await screen.waitFor('Node node1 is in no fleet.', 15_000);
    expect(screen.text()).toContain('An admin joins it with: aios fleet join URL --creds FILE (docs/fleet.md).');
    expect(daemon?.calls('fleet/nodes')).toEqual([]);
    screen.type('\u0004');
    expect(await exit).toBe(0);
  });

  it('says why when aiosd cannot read the fleet', async () => {
    const { screen, exit } = await open({
      'fleet/status': () => joined,
      'fleet/nodes': () => {
        throw new Error('the hub is unreachable');
      },
    });
    screen.type(F10);
    await screen.waitFor('cannot list the nodes: the hub is unreachable (r tries again)', 15_000);
    // The membership still shows, and the flash line says what failed.
    expect(screen.text()).toContain('node node1 connected to tls://hub:4222');
    expect(screen.text()).toContain('cannot list the fleet nodes: the hub is unreachable');
    screen.type('\u0004');
    expect(await exit).toBe(0);
  });
});

describe('fleet goals in the fleet view', () => {
  it('shows a goal with its plan groups and steps; a approves a group, a risky one only after yes; x rejects', async () => {
    let goal = started();
    const { screen, exit } = await open(
      {
        'fleet/status': () => joined,
        'fleet/nodes': () => ({ nodes: [facts('web-01')] }),
        'fleet/goals': () => ({
          started: [goal],
          reached: [{ fleetGoal: '01JOTHERGOAL00000000000XYZ', goalId: 'G1', text: 'disk usage', state: 'succeeded' }],
        }),
        'fleet/decide': (p) => {
          const d = p as { planHash: string; decision: 'approve' | 'reject' };
          goal = {
            ...goal,
            groups: goal.groups.map((g) =>
              g.hash === d.planHash ? { ...g, decision: d.decision, decidedBy: 'alice' } : g,
            ),
          };
          return goal;
        },
      },
      'admin',
    );
    screen.type(F10);
    await screen.waitFor('reached here', 15_000);
    const text = screen.text();
    expect(text).toContain('1 node, 1 fleet goal started here');
    expect(text).toMatch(/fleet goal 0000ABCD DECIDING +set the motd {2}2 nodes: plan A · 1 node: plan B/);
    expect(text).toMatch(/plan A aaaaaaaaaaaa {2}2 nodes {2}waiting for a person: a approves, x rejects/);
    expect(text).toMatch(/reached here 00000XYZ succeeded +disk usage/);
    // To plan A: its steps as the plan view shows them, and each node's progress.
    screen.type('j');
    await screen.waitFor(/› fleet goal 0000ABCD/);
    screen.type('j');
    await screen.waitFor(`plan A (${HASH_A}) on web-01, web-02:`);
    expect(screen.text()).toMatch(/s1 fs\.write {2}risk low {2}reversible/);
    expect(screen.text()).toContain('args {"path":"/etc/motd","content":"hi"}');
    expect(screen.text()).toMatch(/web-02 +planned +awaiting_approval/);
    screen.type('a');
    await until(
      'the decision sent',
      () => Promise.resolve(daemon?.calls('fleet/decide') ?? []),
      (c) => c.length === 1,
      5000,
    );
    expect(daemon?.calls('fleet/decide')).toEqual([
      { fleetGoal: goal.fleetGoal, planHash: HASH_A, decision: 'approve' },
    ]);
    await screen.waitFor(/plan A aaaaaaaaaaaa {2}2 nodes {2}approved by alice/);
    // Decided once: a second a sends nothing.
    screen.type('a');
    await screen.waitFor('plan A was already approved by alice');
    // Plan B has an irreversible step: a asks for it to be typed; anything else approves nothing.
    screen.type('j');
    await screen.waitFor(`plan B (${HASH_B}) on db-01:`);
    expect(screen.text()).toMatch(/s1 pkg\.remove {2}risk low {2}NOT reversible/);
    screen.type('a');
    await screen.waitFor('type its id or yes, then Enter; Esc cancels');
    screen.type('no\r');
    await screen.waitFor('cancelled: nothing was approved (it takes s1 or yes)');
    expect(daemon?.calls('fleet/decide')).toHaveLength(1);
    screen.type(F10);
    await screen.waitFor(/› +plan B/);
    screen.type('a');
    await screen.waitFor('type its id or yes, then Enter; Esc cancels');
    screen.type('yes\r');
    await until(
      'the confirmed decision sent',
      () => Promise.resolve(daemon?.calls('fleet/decide') ?? []),
      (c) => c.length === 2,
      5000,
    );
    expect(daemon?.calls('fleet/decide')[1]).toEqual({
      fleetGoal: goal.fleetGoal,
      planHash: HASH_B,
      decision: 'approve',
      confirm: true,
    });
    screen.type('\u0004');
    expect(await exit).toBe(0);
  });

  it('x rejects a group; the rollout then shows live, canary first, with failures', async () => {
    let goal = started();
    const { screen, exit } = await open(
      {
        'fleet/status': () => joined,
        'fleet/nodes': () => ({ nodes: [] }),
        'fleet/goals': () => ({ started: [goal], reached: [] }),
        'fleet/decide': (p) => {
          const d = p as { planHash: string; decision: 'approve' | 'reject' };
          expect(d).toEqual({ fleetGoal: goal.fleetGoal, planHash: HASH_B, decision: 'reject' });
          return goal;
        },
      },
      'admin',
    );
    screen.type(F10);
    await screen.waitFor('plan B bbbbbbbbbbbb', 15_000);
    screen.type('j');
    await screen.waitFor(`plan A (${HASH_A}) on web-01, web-02:`);
    screen.type('j');
    await screen.waitFor(`plan B (${HASH_B}) on db-01:`);
    screen.type('x');
    await until(
      'the rejection sent',
      () => Promise.resolve(daemon?.calls('fleet/decide') ?? []),
      (c) => c.length === 1,
      5000,
    );
    // aiosd runs the waves; the view follows each poll.
    goal = started({
      state: 'running',
      groups: started().groups.map((g) => ({
        ...g,
        decision: g.hash === HASH_A ? 'approve' : 'reject',
        decidedBy: 'alice',
      })),
      nodes: [
        { node: 'web-01', phase: 'done', canary: true, state: 'succeeded', message: null },
        { node: 'web-02', phase: 'unreachable', canary: false, state: 'awaiting_approval', message: null },
        { node: 'db-01', phase: 'done', canary: false, state: 'rejected', message: 'rejected by alice' },
      ],
      failures: 2,
    });
    screen.type('k');
    await screen.waitFor(/web-01 +canary done +succeeded/);
    // The poll follows the goals every second; the node list (facts put every 10 s) it reuses.
    const goalsAsked = daemon?.calls('fleet/goals').length ?? 0;
    await until(
      'another poll',
      () => Promise.resolve(daemon?.calls('fleet/goals').length ?? 0),
      (n) => n > goalsAsked,
      5000,
    );
    expect(daemon?.calls('fleet/nodes')).toHaveLength(1);
    expect(screen.text()).toMatch(/fleet goal 0000ABCD RUNNING .* 2 failed/);
    expect(screen.text()).toMatch(/web-02 +UNREACHABLE/);
    expect(screen.text()).toMatch(/plan B bbbbbbbbbbbb {2}1 node {2}rejected by alice/);
    screen.type('\u0004');
    expect(await exit).toBe(0);
  });

  it('shows when undecided groups expire, then that they expired; a decides nothing on an expired group', async () => {
    const decideBy = Date.parse('2026-12-05T21:07:00Z');
    let goal = started({ decideBy });
    const { screen, exit } = await open(
      {
        'fleet/status': () => joined,
        'fleet/nodes': () => ({ nodes: [] }),
        'fleet/goals': () => ({ started: [goal], reached: [] }),
      },
      'admin',
    );
    screen.type(F10);
    await screen.waitFor(
      /plan A aaaaaaaaaaaa {2}2 nodes {2}waiting for a person: a approves, x rejects \(expires 21:07 UTC\)/,
      15_000,
    );
    goal = started({
      decideBy,
      state: 'failed',
      groups: started().groups.map((g) => ({ ...g, decision: 'expired' as const })),
      error: '2 plan group(s) expired: nobody decided them in time',
    });
    await screen.waitFor(
      /plan B bbbbbbbbbbbb {2}1 node {2}expired: nobody decided by 21:07 UTC; its nodes get nothing/,
      10_000,
    );
    screen.type('j');
    await screen.waitFor(`plan A (${HASH_A}) on web-01, web-02:`);
    screen.type('a');
    await screen.waitFor('plan A was already expired: nobody decided by 21:07 UTC; its nodes get nothing');
    expect(daemon?.calls('fleet/decide')).toEqual([]);
    screen.type('\u0004');
    expect(await exit).toBe(0);
  });

  it('an operator sees the nodes but is not asked about fleet goals, and a decides nothing', async () => {
    const { screen, exit } = await open({
      'fleet/status': () => joined,
      'fleet/nodes': () => ({ nodes: [facts('web-01')] }),
      'fleet/goals': () => ({ started: [started()], reached: [] }),
    });
    screen.type(F10);
    await screen.waitFor('fleet goals: an admin of this node starts and approves them here', 15_000);
    screen.type('a');
    await screen.waitFor('select a plan group (j/k) under a fleet goal started here to approve or reject it');
    expect(daemon?.calls('fleet/goals')).toEqual([]);
    expect(daemon?.calls('fleet/decide')).toEqual([]);
    screen.type('\u0004');
    expect(await exit).toBe(0);
  });
});
