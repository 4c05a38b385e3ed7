// A fleet goal started at a node's console and approved in its TUI, end to end: a real hub, a
// console node joined with a person's console creds, and two real aiosd nodes that trust the
// console's key. The TUI (the real shell, drawn into a headless terminal, against the console
// node's real aiosd) shows the goal's plan groups; `a` approves one and `x` rejects the other, and
// only the approved group's node runs it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDaemon } from '../helpers/daemon.js';
import { runCli } from '../helpers/aios-cli.js';
import { until } from '../helpers/until.js';
import { runShell } from '../../src/shell/run-shell.js';
import { Screen } from '../shell/screen.js';
import {
  disposeAll,
  natsMissing,
  startConsoleNode,
  startHub,
  startNode,
  untilListed,
  type Hub,
} from './fleet-fixture.js';

const F10 = '\u001b[21~';

describe.skipIf(natsMissing !== null)('a fleet goal approved in the TUI', () => {
  let hub: Hub;
  let consoleKey: string;
  const nodes: TestDaemon[] = [];
  const console1 = (): TestDaemon => nodes[0] as TestDaemon;

  beforeAll(async () => {
    hub = await startHub();
    // The console node: trusts nobody; an admin gives it console creds when it joins.
    const c1 = await startConsoleNode(hub, 'c1');
    nodes.push(c1.node);
    consoleKey = c1.consoleKey;
    expect(consoleKey).toMatch(/^[\w-]{43}$/);
    expect((await runCli(console1(), ['fleet', 'status'])).stdout).toContain(`console key: ${consoleKey}`);
    // Two nodes that map the console's key to their root account.
    for (const name of ['n1', 'n2']) nodes.push(await startNode(hub, name, { [consoleKey]: 'root' }));
    await untilListed(console1(), ['n1', 'n2']);
  }, 120_000);

  afterAll(async () => {
    await disposeAll(hub, nodes, []);
  });

  it('--console leaves every decision to the TUI: --yes with it is refused, and nothing starts', async () => {
    const r = await runCli(console1(), ['fleet', 'goal', 'disk usage', '--nodes', 'n*', '--console', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--console leaves every decision to the TUI: drop --yes');
    const c = await console1().client();
    try {
      expect((await c.call('fleet/goals', {})).started).toEqual([]);
    } finally {
      c.close();
    }
  });

  it("shows each node's plan group; a approves one, x rejects the other; only the approved node runs it", async () => {
    const started = await runCli(console1(), [
      'fleet',
      'goal',
      'append "tui was here" to ~/tui.txt',
      '--nodes',
      'n*',
      '--console',
      '--json',
    ]);
    expect(started.code, started.stderr).toBe(0);
    const fleetGoal = (JSON.parse(started.stdout) as { fleetGoal: string }).fleetGoal;
    const file = (node: string): string => join((node === 'n1' ? nodes[1] : nodes[2])?.dir ?? '', 'tui.txt');

    const screen = new Screen(120, 40);
    const exit = runShell({
      socketPath: console1().socketPath,
      stdin: screen.stdin,
      stdout: screen.stdout,
      env: { TERM: 'xterm-256color', AIOS_GUARD_MS: '0', AIOS_BURST_MS: '0' },
    });
    const step = async (): Promise<void> => {
      const before = screen.text();
      screen.type('j');
      await until(
        'the selection to move',
        () => Promise.resolve(screen.text()),
        (t) => t !== before,
        5000,
      );
    };
    let approved = '';
    let rejected = '';
    try {
      await screen.waitFor('aiosd ok', 15_000);
      screen.type(F10);
      // Each node's home differs, so each plan is a group of its own, waiting for a person.
      await screen.waitFor(/plan B [0-9a-f]{12} {2}1 node {2}waiting for a person: a approves, x rejects/, 60_000);
      expect(screen.text()).toMatch(
        new RegExp(
          `fleet goal ${fleetGoal.slice(-8)} DECIDING +append "tui was here" to ~/tui\\.txt {2}1 node: plan A · 1 node: plan B`,
        ),
      );
      // c1, n1, n2 are the node rows; then the goal, then its groups.
      for (const _ of [1, 2, 3, 4]) await step();
      const a = /plan A \([0-9a-f]{64}\) on (n[12]):/.exec(await screen.waitFor(/plan A \([0-9a-f]{64}\) on n[12]:/));
      approved = a?.[1] ?? '';
      rejected = approved === 'n1' ? 'n2' : 'n1';
      expect(screen.text()).toContain(`"path":"${file(approved)}"`);
      screen.type('a');
      // A step that cannot be undone would ask for yes first, as a local plan's does.
      const answer = await screen.waitFor(/then Enter; Esc cancels|approved plan [0-9a-f]{12} on 1 node/, 10_000);
      if (answer.includes('then Enter; Esc cancels')) screen.type('yes\r');
      await screen.waitFor(/plan A [0-9a-f]{12} {2}1 node {2}approved by root/);
      await step();
      await screen.waitFor(`on ${rejected}:`);
      screen.type('x');
      await screen.waitFor(/plan B [0-9a-f]{12} {2}1 node {2}rejected by root/);
      await screen.waitFor(new RegExp(`fleet goal ${fleetGoal.slice(-8)} DONE`), 90_000);
    } finally {
      screen.type('\u0004');
      await exit;
    }
    // The approved node ran its plan; the rejected one changed nothing.
    expect(readFileSync(file(approved), 'utf8')).toContain('tui was here');
    expect(existsSync(file(rejected))).toBe(false);
    const c = await console1().client();
    try {
      const goal = (await c.call('fleet/goals', {})).started.find((g) => g.fleetGoal === fleetGoal);
      expect(goal?.state).toBe('done');
      // The approved node ran as the canary; the rejected one ended rejected, never started.
      const row = (node: string) => goal?.nodes.find((n) => n.node === node);
      expect(row(approved)).toMatchObject({ canary: true, phase: 'done', state: 'succeeded' });
      expect(row(rejected)).toMatchObject({ canary: false, state: 'rejected' });
      // Each decision is in the console node's ledger, under the person who made it.
      const audit = await c.call('audit/list', { limit: 200 });
      const decided = audit.entries.filter((e) => e.action === 'fleet.decide' && e.subject === fleetGoal);
      expect(decided.map((e) => e.actor)).toEqual(['root', 'root']);
      // A decision again, on another hash, or on a goal not started here: refused, saying why.
      const hash = goal?.groups[0]?.hash ?? '';
      await expect(c.call('fleet/decide', { fleetGoal, planHash: hash, decision: 'approve' })).rejects.toThrow(
        /was already decided \(approve\) by root/,
      );
      await expect(
        c.call('fleet/decide', { fleetGoal, planHash: 'f'.repeat(64), decision: 'approve' }),
      ).rejects.toThrow(/has no plan group ffffffffffff: reload and review again/);
      await expect(c.call('fleet/decide', { fleetGoal: 'NOSUCH', planHash: hash, decision: 'reject' })).rejects.toThrow(
        /no fleet goal NOSUCH was started at this console/,
      );
    } finally {
      c.close();
    }
  }, 240_000);
});
