// The TUI killed in the middle of an approval: the person pressed `a` on a high-risk,
// irreversible step, and the TUI asks for the second, explicit key (Y). Before it comes, the
// TUI dies: `kill -9`, or SIGHUP as when the SSH connection drops. Under a real pty against a
// real aiosd: no approval is recorded that the person did not give, the goal still awaits
// approval, nothing ran, no shell was opened, and nothing of the TUI's session survives.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { disposeTestDaemon, repoRoot, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { spawnInPty, type PtyScreen } from '../helpers/pty-screen.js';
import { descendants, inSession, isAlive } from './proc-table.js';
import { eventually } from '../helpers/until.js';

let d: TestDaemon;
const opened: PtyScreen[] = [];
beforeEach(async () => {
  d = await startTestDaemon();
});
afterEach(async () => {
  for (const s of opened.splice(0)) s.kill();
  await disposeTestDaemon(d);
});

function openShell(): PtyScreen {
  const s = spawnInPty(process.execPath, [join(repoRoot, 'bin', 'aios-shell.js')], {
    // The key guard off (test/e2e/tui-pty.test.ts tries it): `a` comes right after the plan.
    cols: 100,
    rows: 30,
    term: 'xterm-256color',
    env: { ...d.env, XDG_STATE_HOME: join(d.dir, 'xdg-state'), AIOS_GUARD_MS: '0', AIOS_BURST_MS: '0' },
  });
  opened.push(s);
  return s;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ash', 'busybox']);

const until = (what: string, ok: () => boolean): Promise<boolean> => eventually(what, ok, 5000);

describe.each([
  ['kill -9', 'SIGKILL'],
  ['SIGHUP (the SSH connection drops)', 'SIGHUP'],
] as const)('the TUI killed mid-approval by %s', (_name, sig) => {
  it('records no approval, runs nothing, opens no shell, and leaves nothing of its session', async () => {
    const file = join(d.dir, `must-not-exist-${sig}`);
    const s = openShell();
    await s.waitFor(/goal>/);
    await s.waitFor(/aiosd ok/);
    s.write(`!touch ${file}\r`);
    await s.waitFor(/NOT reversible/);
    s.write('a');
    await s.waitFor(/approve s1\?/); // the high-risk step waits for its id (or yes) to be typed

    const c = await d.client();
    // By its text: on a loaded machine the monitor agent proposes goals of its own meanwhile.
    const goalId = (await c.call('goal/list', { limit: 50 })).goals.find((g) => g.text.includes(file))?.id;
    if (goalId === undefined) throw new Error('the goal typed in the TUI is not in the store');
    const before = (await c.call('audit/list', { limit: 1000 })).head;
    const daemonPid = d.proc.pid ?? 0;
    const daemonChildren = new Set(descendants(daemonPid).map((r) => r.pid));
    const sessionBefore = inSession(s.pid);
    expect(sessionBefore.map((r) => r.pid)).toContain(s.pid); // the TUI leads its pty's session

    s.signal(sig);
    await s.exited;
    // Nothing of the TUI's session survives: not the TUI, not any child it had.
    await until('the pty session emptying', () => inSession(s.pid).length === 0);
    for (const r of sessionBefore) expect(isAlive(r.pid)).toBe(false);

    // The daemon notices the connection gone; give it the time a late key would have needed.
    await new Promise((r) => setTimeout(r, 500));
    const goal = await c.call('goal/get', { goalId });
    expect(goal.state).toBe('awaiting_approval');
    expect(goal.plan?.steps.every((st) => st.state === 'pending' && st.approvedBy === null)).toBe(true);
    expect(existsSync(file)).toBe(false);

    // The ledger: nothing about this plan since the TUI asked for Y, and no approval of it ever.
    const entries = (await c.call('audit/list', { limit: 1000 })).entries;
    const planId = goal.plan?.id ?? '';
    const aboutPlan = entries.filter(
      (e) => e.subject.startsWith(planId) || (e.detail as { goalId?: string }).goalId === goalId,
    );
    expect(aboutPlan.filter((e) => /^plan\.(approve|skip|reject)$|^tool\./.test(e.action))).toEqual([]);
    expect(entries.filter((e) => e.seq > before).map((e) => e.action)).not.toContain('hatch.open');
    expect(entries.map((e) => e.action)).not.toContain('hatch.open');
    expect((await c.call('audit/verify', {})).ok).toBe(true);

    // No shell was opened on the TUI's behalf: the daemon has no new child that is a shell.
    const fresh = descendants(daemonPid).filter((r) => !daemonChildren.has(r.pid));
    expect(fresh.filter((r) => SHELLS.has(r.comm))).toEqual([]);

    // The next login finds the goal where it was, still asking for a person's decision.
    const next = openShell();
    await next.waitFor(/aiosd ok/);
    await next.waitFor(/NOT reversible/);
    await next.waitFor(/awaiting approval/);
    c.close();
  }, 30_000);
});
