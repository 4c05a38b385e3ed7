// The TUI as people use it: under real pseudo-terminals, read through a headless terminal
// emulator, driven only by keystrokes, against a real aiosd. Sizes 80x24 and 200x50; TERM
// linux, vt100 and xterm-256color; two sessions on one node; a daemon restart. The key guard
// (a command key acts only when it stands alone) on its real timings has its own tests here;
// the others turn it off (AIOS_GUARD_MS=0) so that they can press keys as fast as they like.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { disposeTestDaemon, repoRoot, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { spawnInPty, type PtyScreen } from '../helpers/pty-screen.js';
import { ECHO_KEYS, ECHO_TERMINALS } from '../helpers/echo-keys.js';

let d: TestDaemon;
const opened: PtyScreen[] = [];
beforeEach(async () => {
  d = await startTestDaemon();
});
afterEach(async () => {
  for (const s of opened.splice(0)) s.kill();
  await disposeTestDaemon(d);
});

const NO_GUARD = { AIOS_GUARD_MS: '0', AIOS_BURST_MS: '0' };
/** The guard as shipped: the daemon's [shell] defaults, 700 and 250 ms. */
const REAL_GUARD = { AIOS_GUARD_MS: '', AIOS_BURST_MS: '' };

function openShell(term: string, cols = 80, rows = 24, env: NodeJS.ProcessEnv = {}): PtyScreen {
  const s = spawnInPty(process.execPath, [join(repoRoot, 'bin', 'aios-shell.js')], {
    cols,
    rows,
    term,
    env: { ...d.env, XDG_STATE_HOME: join(d.dir, 'xdg-state'), ...NO_GUARD, ...env },
  });
  opened.push(s);
  return s;
}

async function connected(s: PtyScreen): Promise<void> {
  await s.waitFor(/goal>/);
  await s.waitFor(/aiosd ok/);
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** After a resize: waits for the redraw at the new width (the emulator reflows old rows until it comes). */
async function fits(s: PtyScreen, cols: number): Promise<void> {
  for (let i = 0; i < 250 && !s.screen().every((r) => r.length < cols); i++) await pause(20);
  for (const row of s.screen()) expect(row.length).toBeLessThan(cols);
}

describe.each(['xterm-256color', 'linux', 'vt100'])('TERM=%s at 200x50', (term) => {
  it('approves a plan by keys, rolls it back, and every row fits the screen', async () => {
    const file = join(d.dir, `big-${term}.txt`);
    const s = openShell(term, 200, 50);
    await connected(s);
    s.write(`create a file ${file} containing wide screen\r`);
    await s.waitFor(/awaiting approval/);
    s.write('a');
    await s.waitFor(/\[succeeded\]/);
    expect(readFileSync(file, 'utf8')).toBe('wide screen\n');
    s.write('r');
    await s.waitFor(/press Y to roll back/);
    s.write('Y');
    await s.waitFor(/rolled back/);
    expect(existsSync(file)).toBe(false);
    for (const row of s.screen()) expect(row.length).toBeLessThan(200);
    if (term === 'vt100') expect(s.text()).toMatch(/^[\x20-\x7e\n]*$/);
    s.write('q');
    expect(await s.exited).toBe(0);
  });
});

describe('plan review by keys', () => {
  it('e edits a step: the daemon re-validates, a new hash is shown, approval is asked again', async () => {
    const first = join(d.dir, 'first.txt');
    const second = join(d.dir, 'second.txt');
    const s = openShell('xterm-256color', 120, 30);
    await connected(s);
    s.write(`create a file ${first} containing edited\r`);
    await s.waitFor(/awaiting approval/);
    const oldHash = /hash ([0-9a-f]{12})/.exec(s.text())?.[1];
    s.write('e');
    await s.waitFor(/args s1>/);
    s.write(`\u0015{"path":"${second}","content":"edited\\n"}\r`);
    await s.waitFor(/new plan, hash/);
    const newHash = /hash ([0-9a-f]{12})/.exec(s.text())?.[1];
    expect(newHash).not.toBe(oldHash);
    s.write('a');
    await s.waitFor(/\[succeeded\]/);
    expect(existsSync(second)).toBe(true);
    expect(existsSync(first)).toBe(false);
  });

  it('v on a failed goal asks for a revised plan with a new hash, which is approved again and runs', async () => {
    const file = join(d.dir, 'not-yet', 'revised.txt');
    const s = openShell('xterm-256color', 120, 30);
    await connected(s);
    s.write(`create a file ${file} containing revised\r`);
    await s.waitFor(/awaiting approval/);
    const oldHash = /hash ([0-9a-f]{12})/.exec(s.text())?.[1];
    s.write('a');
    await s.waitFor(/\[failed\]/);
    mkdirSync(join(d.dir, 'not-yet'));
    s.write('v');
    await s.waitFor(/revised plan, hash [0-9a-f]{12}: review it/);
    const newHash = /revised plan, hash ([0-9a-f]{12})/.exec(s.text())?.[1];
    expect(newHash).not.toBe(oldHash);
    await s.waitFor(/awaiting approval/);
    s.write('a');
    await s.waitFor(/\[succeeded\]/);
    expect(readFileSync(file, 'utf8')).toBe('revised\n');
  });
});

describe('several sessions, one node', () => {
  it('both see the same goal live; approving together, the first wins and the other is told at once', async () => {
    const file = join(d.dir, 'shared.txt');
    const a = openShell('xterm-256color');
    const b = openShell('linux');
    await connected(a);
    await connected(b);
    a.write(`create a file ${file} containing first wins\r`);
    await a.waitFor(/awaiting approval/);
    await b.waitFor(/first wins/); // B sees A's goal without doing anything
    await b.waitFor(/awaiting approval/);
    b.write('\t');
    await pause(100);
    // Whoever loses is told: by the daemon's Conflict, or because the update arrived first. The
    // message is a flash, so it is watched for from the moment the keys go, not read at the end.
    const told = /already decided|nothing to decide/;
    const loserTold = Promise.any([a.waitFor(told), b.waitFor(told)]).then(
      () => true,
      () => false,
    );
    a.write('a');
    b.write('a');
    await a.waitFor(/\[succeeded\]/);
    await b.waitFor(/\[succeeded\]/);
    expect(readFileSync(file, 'utf8')).toBe('first wins\n');
    expect(await loserTold).toBe(true);
  });

  it('after a daemon restart every TUI says so, reconnects and comes back to where it was', async () => {
    const file = join(d.dir, 'before-restart.txt');
    const s = openShell('xterm-256color');
    await connected(s);
    s.write(`create a file ${file} containing kept\r`);
    await s.waitFor(/awaiting approval/);
    s.write('\t'); // back to the input line, type half a goal
    s.write('half typed goal');
    await s.waitFor(/half typed goal/);
    await d.stop();
    await s.waitFor(/unreachable/);
    s.write('\r'); // Enter while aiosd is away: queued, not lost
    await s.waitFor(/\[queued\] half typed goal/);
    s.write('still typing');
    await d.restart();
    await s.waitFor(/aiosd ok/, 20_000);
    await s.waitFor(/half typed goal/);
    const text = s.text();
    expect(text).toContain('still typing'); // the input line kept its text
    expect(text).toContain(`create a file ${file}`); // the goal shown is still shown
    expect(text).not.toContain('[queued]'); // the queued goal was sent
  });
});

describe.each(ECHO_TERMINALS)('TERM=%s at %ix%i: the fast echo of the input line', (term, cols, rows) => {
  it('shows exactly the screen the whole frame alone shows: typing, Backspace, Ctrl-A/E, a second line, a resize', async () => {
    const fast = openShell(term, cols, rows);
    const frameOnly = openShell(term, cols, rows, { AIOS_FAST_ECHO: '0' });
    await Promise.all([connected(fast), connected(frameOnly)]);
    await Promise.all([fast.settled(300), frameOnly.settled(300)]);
    const script = ECHO_KEYS;
    for (const keys of script) {
      for (const s of [fast, frameOnly]) {
        if (keys === 'resize') s.resize(cols + 20, rows + 3);
        else s.write(keys);
      }
      await Promise.all([fast.settled(), frameOnly.settled()]);
      expect(await fast.styled(), `after ${JSON.stringify(keys)}`).toEqual(await frameOnly.styled());
    }
    expect(fast.text()).toMatch(/goal> /);
  });
});

describe('views and terminals', () => {
  it('streams a file full of escape sequences into the agent pane harmlessly, and resizes without losing state', async () => {
    const file = join(d.dir, 'evil.txt');
    writeFileSync(file, 'start\u001b[2J\u001b[H\u001b[32mAPPROVED by admin\u001b[0m\u001b]52;c;ZXZpbA==\u0007end\n');
    const s = openShell('xterm-256color');
    await connected(s);
    s.write(`show ${file}\r`);
    await s.waitFor(/end/);
    s.write('2'); // agent panes
    await s.waitFor(/\^\[\[2J/);
    expect(s.text()).toContain('^[]52;c;');
    expect(s.text()).toMatch(/goal>/);
    s.resize(60, 15);
    await fits(s, 60);
    await s.waitFor(/APPROVED by admin/);
    s.resize(40, 12);
    await fits(s, 40);
    s.resize(100, 30);
    await s.waitFor(/\^\[\[2J/);
    s.write('1');
    await s.waitFor(/\[succeeded\]/);
  });

  it('opens the escape hatch: a real shell, run by aiosd, recorded; Ctrl-] leaves it', async () => {
    const s = openShell('xterm-256color', 100, 30);
    await connected(s);
    s.write('\t7');
    await s.waitFor(/escape hatch/);
    await s.waitFor(/Ctrl-] leaves/);
    await pause(300);
    s.write('echo hatch-$((40+2))\r');
    await s.waitFor(/hatch-42/);
    s.write('\u001d');
    await s.waitFor(/goal>/);
    s.write('\t4'); // the audit view shows the session in the ledger
    await s.waitFor(/hatch\.open/);
  });

  it('TERM=dumb gets a plain line mode that still plans and approves', async () => {
    const file = join(d.dir, 'dumb.txt');
    const s = openShell('dumb');
    await s.waitFor(/line mode/);
    await s.waitFor(/connected to aiosd/);
    s.write(`create a file ${file} containing plain\r`);
    await s.waitFor(/approve with 'approve'/);
    s.write('approve\r');
    await s.waitFor(/succeeded/);
    expect(readFileSync(file, 'utf8')).toBe('plain\n');
    s.write('quit\r');
    expect(await s.exited).toBe(0);
  });

  it('keeps the goal history per user across sessions', async () => {
    const s = openShell('xterm-256color');
    await connected(s);
    s.write('disk usage\r');
    await s.waitFor(/\[succeeded\]|awaiting approval/);
    s.write('q');
    // Leaving while the goal awaits approval is asked first.
    if (/awaiting approval/.test(s.text())) {
      await s.waitFor(/press Y to leave anyway/);
      s.write('Y');
    }
    await s.exited;
    const again = openShell('xterm-256color');
    await connected(again);
    again.write('\u001b[A'); // up: the last goal of the previous session
    await again.waitFor(/goal> disk usage/);
    expect(readFileSync(join(d.dir, 'xdg-state', 'aios', 'shell-history'), 'utf8')).toContain('"disk usage"');
  });
});

/** Types text a key at a time, `gapMs` apart, as a person does. */
async function typeSlowly(s: PtyScreen, text: string, gapMs = 40): Promise<void> {
  for (const ch of text) {
    s.write(ch);
    await pause(gapMs);
  }
}

/** Longer than the guard's 700 ms: a key pressed after it stands alone. */
const ALONE_MS = 1000;

describe('the key guard, on its real timings: approval you cannot give by accident', () => {
  it('typing a goal right after a plan appears approves nothing: the text lands in the input line; Esc, a pause, then a approves', async () => {
    const file = join(d.dir, 'guarded.txt');
    const s = openShell('xterm-256color', 100, 30, REAL_GUARD);
    await connected(s);
    s.write(`create a file ${file} containing guarded\r`);
    await s.waitFor(/awaiting approval/);
    await typeSlowly(s, 'make a note');
    await s.waitFor(/goal> make a note/);
    await pause(ALONE_MS);
    expect(existsSync(file)).toBe(false);
    expect(s.text()).toMatch(/awaiting approval/);
    expect(s.text()).not.toMatch(/args s1>/); // the e in "make" opened no editor
    s.write('\u001b'); // Esc: back to the plan shown
    await pause(ALONE_MS);
    s.write('a');
    await s.waitFor(/\[succeeded\]/);
    expect(readFileSync(file, 'utf8')).toBe('guarded\n');
    expect(s.text()).toMatch(/goal> make a note/); // what was typed is still there
  });

  it('a burst that starts with a, long after the plan was shown, approves nothing and is text', async () => {
    const file = join(d.dir, 'burst.txt');
    const s = openShell('linux', 80, 24, REAL_GUARD);
    await connected(s);
    s.write(`create a file ${file} containing burst\r`);
    await s.waitFor(/awaiting approval/);
    await pause(1500);
    await typeSlowly(s, 'add a user', 60);
    await s.waitFor(/goal> add a user/);
    await pause(ALONE_MS);
    expect(existsSync(file)).toBe(false);
    expect(s.text()).toMatch(/awaiting approval/);
  });

  it.each(['xterm-256color', 'vt100'])(
    'TERM=%s: r shows what the rollback restores and removes and waits for Y; r alone rolls nothing back',
    async (term) => {
      const file = join(d.dir, `rollback-${term}.txt`);
      const s = openShell(term, 120, 30, REAL_GUARD);
      await connected(s);
      s.write(`create a file ${file} containing keep me\r`);
      await s.waitFor(/awaiting approval/);
      await pause(ALONE_MS);
      s.write('a');
      await s.waitFor(/\[succeeded\]/);
      await pause(ALONE_MS);
      s.write('r');
      await s.waitFor(/press Y to roll back/);
      expect(s.text().replace(/\s+/g, ' ')).toContain(`removes ${file}`);
      s.write('Y'); // too close to the question: text, not a yes
      await pause(ALONE_MS);
      expect(existsSync(file)).toBe(true); // r alone rolled nothing back
      await s.waitFor(/goal> Y/);
      s.write('\u0015\u001b'); // clear the line, back to the plan
      await pause(ALONE_MS);
      s.write('r');
      await s.waitFor(/press Y to roll back/);
      await pause(ALONE_MS);
      s.write('Y');
      await s.waitFor(/rolled back/);
      expect(existsSync(file)).toBe(false);
    },
  );

  it('a high-risk irreversible step is not approved by letters alone: it takes its id (or yes) and Enter', async () => {
    // A writing command changes only the files it declares (its redirection's, here): one that exists.
    const file = join(d.dir, 'touched-by-exec');
    writeFileSync(file, '');
    const s = openShell('xterm-256color', 100, 30, REAL_GUARD);
    await connected(s);
    s.write(`!echo touched >> ${file}\r`);
    await s.waitFor(/NOT reversible/);
    await pause(ALONE_MS);
    s.write('a');
    await s.waitFor(/approve s1\?/);
    for (const key of ['Y', 'y', 'a']) {
      await pause(ALONE_MS);
      s.write(key);
    }
    await pause(ALONE_MS);
    expect(readFileSync(file, 'utf8')).toBe('');
    s.write('\r');
    await s.waitFor(/cancelled: nothing was approved/);
    expect(readFileSync(file, 'utf8')).toBe('');
    await pause(ALONE_MS); // the focus is back on the plan
    s.write('a');
    await s.waitFor(/approve s1\?/);
    s.write('s1\r');
    await s.waitFor(/\[succeeded\]/);
    expect(readFileSync(file, 'utf8')).toBe('touched\n');
  });
});
