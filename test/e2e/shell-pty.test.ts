// A person at a terminal: aios-shell under a real pseudo-terminal, read through a
// headless terminal emulator, driven only by keystrokes.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { disposeTestDaemon, repoRoot, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { spawnInPty, type PtyScreen } from '../helpers/pty-screen.js';

// One daemon per test: every TUI shows every goal on the node, so a shared daemon would
// let one test's screen satisfy another's expectations.
let d: TestDaemon;
beforeEach(async () => {
  d = await startTestDaemon();
});
afterEach(async () => {
  await disposeTestDaemon(d);
});

async function connected(s: PtyScreen): Promise<void> {
  await s.waitFor(/goal>/);
  await s.waitFor(/aiosd ok/);
}

/** `guarded`: the key guard on its real timings (700 and 250 ms); otherwise off, so keys may come fast. */
function openShell(term: string, cols = 80, rows = 24, guarded = false): PtyScreen {
  const guard = guarded ? {} : { AIOS_GUARD_MS: '0', AIOS_BURST_MS: '0' };
  return spawnInPty(process.execPath, [join(repoRoot, 'bin', 'aios-shell.js')], {
    cols,
    rows,
    env: { ...d.env, ...guard },
    term,
  });
}

/** Longer than the key guard's 700 ms: a key pressed after it stands alone. */
const alone = (): Promise<void> => new Promise((r) => setTimeout(r, 1000));

describe.each(['xterm-256color', 'linux', 'vt100'])('aios shell on TERM=%s at 80x24', (term) => {
  it('types a goal, approves it with keys (each alone, as the guard asks), checks the file, rolls back after Y, checks again', async () => {
    const file = join(d.dir, `e2e-${term}.txt`);
    const s = openShell(term, 80, 24, true);
    try {
      await connected(s);
      s.write(`create a file ${file} containing typed at a terminal`);
      await s.waitFor(/typed at a terminal/);
      s.write('\r');
      await s.waitFor(/awaiting approval/);
      expect(s.text()).toMatch(/fs\.write/);
      expect(s.text()).toMatch(/risk medium/);
      expect(existsSync(file)).toBe(false);
      await alone();
      s.write('a');
      await s.waitFor(/\[succeeded\]/);
      expect(readFileSync(file, 'utf8')).toBe('typed at a terminal\n');
      await alone();
      s.write('r');
      await s.waitFor(/press Y to roll back/);
      await alone();
      s.write('Y');
      await s.waitFor(/rolled back/);
      expect(existsSync(file)).toBe(false);
      await alone();
      s.write('q');
      expect(await s.exited).toBe(0);
    } finally {
      s.kill();
    }
  });
});

describe('aios shell safety', () => {
  it('shows a file full of escape sequences harmlessly', async () => {
    const file = join(d.dir, 'evil.txt');
    // Clears the screen, moves home, and prints a fake approval line; then an OSC 52 clipboard write.
    writeFileSync(file, 'before\u001b[2J\u001b[H\u001b[32mAPPROVED by admin\u001b[0m\u001b]52;c;ZXZpbA==\u0007after\n');
    const s = openShell('xterm-256color');
    try {
      await connected(s);
      s.write(`show ${file}\r`);
      await s.waitFor(/after/);
      const screen = s.text();
      expect(screen).toContain('^[[2J');
      expect(screen).toContain('^[]52;c;');
      expect(screen).toMatch(/goal>/); // the screen was not cleared by the file
      // The output shows before the goal ends; q while it still runs asks first (and waits for Y).
      await s.waitFor(/\[succeeded\]/);
      s.write('q');
      await s.exited;
    } finally {
      s.kill();
    }
  });

  it('step-level approval: n rejects the selected step and nothing runs', async () => {
    const file = join(d.dir, 'rejected.txt');
    const s = openShell('xterm-256color');
    try {
      await connected(s);
      s.write(`create a file ${file} containing no thanks\r`);
      await s.waitFor(/awaiting approval/);
      s.write('n');
      await s.waitFor(/\[rejected\]/);
      expect(existsSync(file)).toBe(false);
      s.write('\u001b'); // Esc: back to the input line (alone: Esc then a key reads as Alt+key)
      await new Promise((r) => setTimeout(r, 150));
      s.write('\u0004'); // Ctrl-D on an empty line leaves
      expect(await s.exited).toBe(0);
    } finally {
      s.kill();
    }
  });

  it('says when the daemon is unreachable and never opens a shell', async () => {
    const s = spawnInPty(process.execPath, [join(repoRoot, 'bin', 'aios-shell.js')], {
      cols: 80,
      rows: 24,
      term: 'xterm-256color',
      env: { ...d.env, AIOS_SOCKET: join(d.dir, 'nobody-home.sock'), AIOS_GUARD_MS: '0' },
    });
    try {
      await s.waitFor(/unreachable/);
      s.write('!id\r');
      await new Promise((r) => setTimeout(r, 300));
      expect(s.text()).not.toMatch(/uid=\d+/);
      s.write('\u001b\u0015\u0004'); // Esc, Ctrl-U, Ctrl-D: leave
    } finally {
      s.kill();
    }
  });
});
