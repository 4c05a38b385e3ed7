// runShell end to end over a real Unix socket, drawn into a headless 80x24 terminal.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { GoalView } from '../../src/protocol/model.js';
import { runShell, startShell } from '../../src/shell/run-shell.js';
import { FakeDaemon, HELLO, statusResult, type Handler } from './fake-daemon.js';
import { awaitingGoal } from './fixtures.js';
import { Screen } from './screen.js';
import { ECHO_KEYS, ECHO_LAYOUT_KEYS, ECHO_TERMINALS } from '../helpers/echo-keys.js';

// Styles on, as on a real terminal: Ink decides colour support when it is first loaded, which
// runShell does lazily, so the variable stays set for this file's tests.
process.env['FORCE_COLOR'] = '1';
afterAll(() => {
  delete process.env['FORCE_COLOR'];
});

let daemon: FakeDaemon | null = null;
afterEach(async () => {
  await daemon?.dispose();
  daemon = null;
});

function handlers(over: Record<string, Handler> = {}): Record<string, Handler> {
  return {
    initialize: () => HELLO,
    'events/subscribe': () => ({ ok: true }),
    'goal/list': () => ({ goals: [] }),
    'status/get': () => statusResult(),
    ...over,
  };
}

/** The key guard is off here (these tests type fast); test/e2e/tui-pty.test.ts tries it on its real timings. */
function start(
  screen: Screen,
  socketPath: string,
  env: NodeJS.ProcessEnv = { TERM: 'xterm-256color' },
): Promise<number> {
  return runShell({
    socketPath,
    stdin: screen.stdin,
    stdout: screen.stdout,
    env: { AIOS_GUARD_MS: '0', AIOS_BURST_MS: '0', ...env },
  });
}

async function quiet(ms = 120): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Waits until the shell has written nothing for `ms` (at most two seconds). */
async function settled(screen: Screen, ms = 120): Promise<void> {
  const start = Date.now();
  let seen = -1;
  while (seen !== screen.written.length && Date.now() - start < 2000) {
    seen = screen.written.length;
    await quiet(ms);
  }
}

describe('runShell', () => {
  it('draws the first frame before connecting, then shows who and where once connected', async () => {
    daemon = new FakeDaemon(handlers());
    await daemon.listen();
    const screen = new Screen();
    const exit = start(screen, daemon.socketPath);
    expect(screen.written).toContain('connecting…');
    expect(screen.written).toContain('goal>');
    await screen.waitFor('aiosd ok · alice (operator) @ node1 · user mode');
    // models/recommend (the first-run offer) may come before or after this frame.
    expect(daemon.received.map((r) => r.method).filter((m) => m !== 'models/recommend')).toEqual([
      'initialize',
      'events/subscribe',
      'goal/list',
      'status/get',
    ]);
    screen.type('\u0004');
    expect(await exit).toBe(0);
  });

  it('submits a goal, shows the plan and approves it bound to the hash shown', async () => {
    const planned = awaitingGoal('g9');
    daemon = new FakeDaemon(
      handlers({
        'goal/submit': () => planned,
        'plan/decide': (): GoalView => ({ ...planned, state: 'running', updatedAt: '2025-01-01T00:00:05Z' }),
      }),
    );
    await daemon.listen();
    const screen = new Screen();
    const exit = start(screen, daemon.socketPath);
    await screen.waitFor('aiosd ok');
    screen.type('install nginx');
    screen.type('\r');
    await screen.waitFor('NOT reversible');
    expect(daemon.calls('goal/submit')).toEqual([{ text: 'install nginx' }]);
    screen.type('a');
    await screen.waitFor('approve s2?');
    expect(daemon.calls('plan/decide')).toEqual([]);
    screen.type('s2');
    screen.type('\r');
    await screen.waitFor('[running]');
    expect(daemon.calls('plan/decide')).toEqual([
      { planId: 'p-g9', planHash: planned.plan?.hash, decision: 'approve', confirm: true },
    ]);
    screen.type('q'); // a goal of this user's runs: leaving is asked first
    await screen.waitFor('press Y to leave anyway');
    screen.type('Y');
    expect(await exit).toBe(0);
  });

  it('streams step output with escape sequences made visible; none reaches the terminal', async () => {
    const planned = awaitingGoal('g9');
    daemon = new FakeDaemon(handlers({ 'goal/list': () => ({ goals: [planned] }) }));
    await daemon.listen();
    const screen = new Screen();
    const exit = start(screen, daemon.socketPath);
    await screen.waitFor('aiosd ok');
    daemon.emit({ type: 'step.started', goalId: 'g9', stepId: 's1', agent: 'system', tool: 'fs.write' });
    daemon.emit({
      type: 'step.output',
      goalId: 'g9',
      stepId: 's1',
      chunk: 'ok\n\u001b[2J\u001b[H\u001b]52;c;ZXZpbA==\u0007pwned\n',
    });
    const text = await screen.waitFor('pwned');
    expect(text).toContain('^[[2J^[[H^[]52;c;ZXZpbA==^Gpwned');
    expect(screen.written).not.toContain('\u001b[2J');
    expect(screen.written).not.toContain('\u001b]52');
    expect(screen.written).not.toContain('\u0007');
    screen.type('\u0004');
    expect(await exit).toBe(0);
  });

  it('says aiosd is unreachable, keeps retrying, and picks up when it comes back', async () => {
    daemon = new FakeDaemon(handlers({ 'goal/list': () => ({ goals: [awaitingGoal('g1')] }) }));
    const screen = new Screen();
    const exit = start(screen, daemon.socketPath);
    await screen.waitFor(/aiosd unreachable — retrying in \ds/);
    expect(screen.text()).toContain('aiosd is not running');
    await daemon.listen();
    await screen.waitFor('aiosd ok', 10_000);
    await screen.waitFor('install nginx and start it');
    // The daemon goes away and comes back: the shell re-subscribes and reloads the goals.
    await daemon.stop();
    await screen.waitFor('aiosd unreachable');
    await daemon.listen();
    await screen.waitFor('aiosd ok', 10_000);
    expect(daemon.calls('events/subscribe')).toHaveLength(2);
    expect(daemon.calls('goal/list')).toHaveLength(2);
    screen.type('\u0004');
    expect(await exit).toBe(0);
  });

  it('echoes a keystroke in a few bytes, writes nothing while idle and never clears the screen', async () => {
    daemon = new FakeDaemon(handlers({ 'goal/list': () => ({ goals: [awaitingGoal('g1')] }) }));
    await daemon.listen();
    const screen = new Screen();
    const exit = start(screen, daemon.socketPath);
    await screen.waitFor('aiosd ok');
    screen.type('r');
    await quiet();
    const sizes: number[] = [];
    for (const ch of 'estart nginx') {
      const before = screen.written.length;
      screen.type(ch);
      await quiet(40);
      sizes.push(screen.written.length - before);
    }
    sizes.sort((a, b) => a - b);
    expect(sizes[Math.floor(sizes.length / 2)]).toBeLessThanOrEqual(24);
    const idle = screen.written.length;
    await quiet(500);
    expect(screen.written.length).toBe(idle);
    expect(screen.text()).toContain('goal> restart nginx');
    for (const clear of ['\u001b[2J', '\u001b[3J', '\u001bc']) expect(screen.written).not.toContain(clear);
    screen.type('\u0004'); // not empty: deletes under the cursor, does not leave
    screen.type('\u0015\u0004');
    expect(await exit).toBe(0);
  });

  it('keeps the live region shorter than the terminal', async () => {
    const many = Array.from({ length: 12 }, (_, i) => ({
      ...awaitingGoal(`g${i}`),
      createdAt: `2025-01-01T00:00:${String(i).padStart(2, '0')}Z`,
    }));
    daemon = new FakeDaemon(handlers({ 'goal/list': () => ({ goals: many }) }));
    await daemon.listen();
    const screen = new Screen(80, 24);
    const exit = start(screen, daemon.socketPath);
    await screen.waitFor('aiosd ok');
    screen.type('?');
    await screen.waitFor('Keys');
    const rows = screen.text().split('\n');
    expect(rows.length).toBeLessThan(24);
    expect(screen.term.buffer.active.baseY).toBe(0); // nothing scrolled off the top
    screen.type('\u001b');
    await screen.waitFor('9 earlier');
    screen.type('\u0004');
    expect(await exit).toBe(0);
  });

  it('uses colour on xterm and the Linux console, none with NO_COLOR (reverse video stays)', async () => {
    daemon = new FakeDaemon(handlers());
    await daemon.listen();
    // eslint-disable-next-line no-control-regex -- looking for colour SGR parameters
    const colour = /\u001b\[[0-9;]*(3[0-7]|9[0-7])m/;
    for (const [env, coloured] of [
      [{ TERM: 'linux' }, true],
      [{ TERM: 'xterm-256color', NO_COLOR: '1' }, false],
    ] as const) {
      const screen = new Screen();
      const exit = start(screen, daemon.socketPath, env);
      await screen.waitFor('aiosd ok');
      expect(colour.test(screen.written)).toBe(coloured);
      expect(screen.written).toContain('\u001b[0;7m');
      screen.type('\u0004');
      expect(await exit).toBe(0);
    }
  });

  it('redraws to fit when the terminal is resized', async () => {
    daemon = new FakeDaemon(handlers({ 'goal/list': () => ({ goals: [awaitingGoal('g1')] }) }));
    await daemon.listen();
    const screen = new Screen(80, 24);
    const exit = start(screen, daemon.socketPath);
    await screen.waitFor('aiosd ok');
    screen.type('\t');
    screen.resize(50, 12);
    // The redraw at the new size (the emulator reflows the old rows until it arrives).
    const text = await screen.waitFor(/^goal \[awaiting approval\][^\n]*…$/m);
    const rows = text.split('\n');
    expect(rows.length).toBeLessThan(12);
    for (const r of rows) expect(r.length).toBeLessThan(50);
    expect(text).toContain('goal [awaiting approval]');
    screen.type('q'); // alice's goal awaits approval: leaving is asked first
    await screen.waitFor('press Y to leave anyway');
    screen.type('Y');
    expect(await exit).toBe(0);
  });

  it('draws only 7-bit ASCII on a vt100', async () => {
    const screen = new Screen();
    daemon = new FakeDaemon(handlers());
    const exit = start(screen, daemon.socketPath, { TERM: 'vt100' });
    await screen.waitFor('aiosd unreachable - retrying in');
    // eslint-disable-next-line no-control-regex -- checking that only ASCII bytes were written
    expect(/^[\u0000-\u007f]*$/.test(screen.written)).toBe(true);
    screen.type('\u0004');
    expect(await exit).toBe(0);
  });

  describe.each(ECHO_TERMINALS)('TERM=%s at %ix%i: keys that change only the input line', (term, columns, rows) => {
    it('are echoed ahead of their frame, and every screen is the one the frame alone draws', async () => {
      daemon = new FakeDaemon(handlers({ 'goal/list': () => ({ goals: [awaitingGoal('g1')] }) }));
      await daemon.listen();
      const script = ECHO_KEYS;
      const run = async (fast: boolean): Promise<{ screens: string[][]; echoes: number; fixedAfterEcho: number[] }> => {
        const screen = new Screen(columns, rows);
        let echoes = 0;
        let echoedAt: number | null = null;
        const fixedAfterEcho: number[] = [];
        const env = { TERM: term, ...(fast ? {} : { AIOS_FAST_ECHO: '0' }) };
        const onEcho = (): void => {
          echoes++;
          echoedAt = screen.sent.length;
        };
        const exit = startShell(
          { socketPath: daemon?.socketPath ?? '', stdin: screen.stdin, stdout: screen.stdout, env },
          { onEcho },
        );
        await screen.waitFor('aiosd ok');
        await screen.waitFor('awaiting approval'); // Ink has loaded and drawn the goal
        await quiet(200);
        const screens: string[][] = [];
        for (const keys of script) {
          if (keys === 'resize') screen.resize(columns + 20, rows + 3);
          else screen.type(keys);
          await settled(screen);
          screens.push(await screen.styled());
          // What the key's frame still had to write after its echo: nothing, if the echo was exact.
          if (echoedAt !== null) fixedAfterEcho.push(screen.sent.length - echoedAt);
          echoedAt = null;
        }
        screen.type('\u0003\u0004'); // Ctrl-C empties the line, Ctrl-D on an empty line leaves
        expect(await exit).toBe(0);
        return { screens, echoes, fixedAfterEcho };
      };
      const fast = await run(true);
      const frameOnly = await run(false);
      expect(fast.screens).toEqual(frameOnly.screens);
      expect(fast.screens.at(-1)?.join('\n')).toContain('goal> ');
      expect(fast.screens.at(-1)?.join('\n')).toMatch(/z/);
      // All but the keys that change the layout (the second line, Ctrl-U taking it away) took the fast path.
      expect(fast.echoes).toBeGreaterThanOrEqual(script.length - ECHO_LAYOUT_KEYS);
      expect(fast.fixedAfterEcho).toEqual(fast.fixedAfterEcho.map(() => 0));
      expect(frameOnly.echoes).toBe(0);
    });
  });
});
