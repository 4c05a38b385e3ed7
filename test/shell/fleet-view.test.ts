// The fleet view (8 / F10) over a real Unix socket, drawn into a headless terminal: this node's
// membership and every node's facts, as aiosd's fleet/status and fleet/nodes answer; read-only.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { NodeFacts } from '../../src/protocol/fleet.js';
import { runShell } from '../../src/shell/run-shell.js';
import { FakeDaemon, HELLO, statusResult, type Handler } from './fake-daemon.js';
import { Screen } from './screen.js';
import { until } from '../helpers/until.js';

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

async function open(handlers: Record<string, Handler>): Promise<{ screen: Screen; exit: Promise<number> }> {
  daemon = new FakeDaemon({
    initialize: () => HELLO,
    'events/subscribe': () => ({ ok: true }),
    'goal/list': () => ({ goals: [] }),
    'status/get': () => statusResult(),
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
    expect(text).toContain('3 nodes — r: reload (read-only: fleet goals are run with aios fleet goal)');
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
    // Read-only: the view asked only for status and nodes.
    expect(daemon?.received.map((r) => r.method).filter((m) => m.startsWith('fleet/'))).toEqual([
      'fleet/status',
      'fleet/nodes',
      'fleet/status',
      'fleet/nodes',
    ]);
    screen.type('\u0004');
    expect(await exit).toBe(0);
  });

  it('says how to join when the node is in no fleet, and asks for no nodes', async () => {
    const { screen, exit } = await open({
      'fleet/status': () => ({ ...joined, joined: false, url: null, connected: false }),
    });
    screen.type(F10);
    await screen.waitFor('Node node1 is in no fleet.');
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
    await screen.waitFor('cannot read the fleet: the hub is unreachable');
    screen.type('\u0004');
    expect(await exit).toBe(0);
  });
});
