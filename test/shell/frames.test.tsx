// Frame snapshots at 80x24: what a person sees in each situation the shell must handle.
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { GoalView } from '../../src/protocol/model.js';
import { App } from '../../src/shell/components/App.js';
import { DEFAULT_KEYMAP } from '../../src/shell/commands/keymap.js';
import { initialState, reduce, type Action, type ShellState } from '../../src/shell/state/shell-state.js';
import { statusExtras } from '../../src/shell/state/status-extras.js';
import { detectCaps, type TerminalCaps } from '../../src/shell/terminal/terminal-caps.js';
import { statusResult } from './fake-daemon.js';
import { awaitingGoal, goal, plan, step } from './fixtures.js';

const xterm = detectCaps({ TERM: 'xterm-256color' });
const vt100 = detectCaps({ TERM: 'vt100' });

function stateAfter(...actions: Action[]): ShellState {
  return actions.reduce(reduce, initialState(80, 24));
}

function frame(state: ShellState, caps: TerminalCaps = xterm): string {
  const { lastFrame, unmount } = render(<App state={state} caps={caps} keymap={DEFAULT_KEYMAP} />);
  const out = lastFrame() ?? '';
  unmount();
  return out;
}

/** Frame text without the SGR styling Ink adds when colour is on (it is off under test). */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex -- removing our own styling to look at content
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

function expectFits(text: string, columns = 80, rows = 24): void {
  const lines = text.split('\n');
  expect(lines.length).toBeLessThan(rows);
  for (const l of lines) expect(plain(l).length).toBeLessThan(columns);
}

const connected: Action[] = [
  { type: 'connected', session: { user: 'alice', role: 'operator', node: 'node1', mode: 'user' } },
  { type: 'statusLoaded', health: { health: 'ok', problems: [] } },
];

const show = (g: GoalView): Action[] => [
  { type: 'goalUpdated', goal: g, focus: true },
  { type: 'focused', focus: 'plan' },
];

describe('frames at 80x24', () => {
  it('empty start: input line and a status bar that says connecting', () => {
    const text = frame(stateAfter());
    expect(plain(text)).toMatchInlineSnapshot(`
      "Type what you want done, in plain words, and press Enter.
      You will see the plan first; nothing runs until you approve it.
      goal>   type what you want done, then Enter
       connecting…  ? keys"
    `);
    expectFits(text);
  });

  it('a plan awaiting approval, with its preview', () => {
    const text = frame(stateAfter(...connected, ...show(awaitingGoal())));
    expect(plain(text)).toMatchInlineSnapshot(`
      "goal [awaiting approval] install nginx and start it
      plan p-g1 · local · hash a1b2c3d4e5f6 · 2 steps
      › s1 system fs.write  risk medium  reversible  [pending]
          write /etc/nginx/conf.d/site.conf (1 line)
          args {"path":"/etc/nginx/conf.d/site.conf","content":"server { listen 80; }
               \\n"}
          --- /dev/null
          +++ /etc/nginx/conf.d/site.conf
          @@ -0,0 +1 @@
          +server { listen 80; }
          why: the site needs a server block
        s2 service service.restart  risk high  NOT reversible  [pending]
          args {"unit":"nginx"}
          systemctl restart nginx
      a approve all  y step  n reject  s skip  e edit  ↑/↓ select  Esc back  ? keys
      goal>
       aiosd ok · alice (operator) @ node1 · user mode  ? keys"
    `);
    expectFits(text);
  });

  it('a goal that was not understood shows the daemon message', () => {
    const g = goal({
      id: 'g2',
      text: 'make it faster',
      state: 'not_understood',
      message:
        'No planner could turn this into a plan: no model is configured.\nSet [model] in ~/.config/aios/config.toml, or AIOS_MODEL, then try again.',
    });
    const text = frame(stateAfter(...connected, ...show(g)));
    expect(plain(text)).toMatchInlineSnapshot(`
      "goal [not understood] make it faster
        No planner could turn this into a plan: no model is configured.
        Set [model] in ~/.config/aios/config.toml, or AIOS_MODEL, then try again.
      goal>
       aiosd ok · alice (operator) @ node1 · user mode  ? keys"
    `);
    expectFits(text);
  });

  it('the status bar says when patching is on, a run going, and how the last run ended (100 columns)', () => {
    const patched = (patching: unknown): string => {
      const status = statusResult({ autonomy: 'supervised', patching }) as Parameters<typeof statusExtras>[0];
      const extras = statusExtras(status);
      const text = frame(
        stateAfter({ type: 'resized', columns: 100, rows: 24 }, connected[0] as Action, {
          type: 'statusLoaded',
          health: { health: 'ok', problems: [] },
          extras,
        }),
      );
      expectFits(text, 100);
      return plain(text).split('\n').at(-1) ?? '';
    };
    const last = (outcome: string) => ({
      at: '2026-12-05T02:10:00Z',
      goalId: 'goal-1234abcd',
      mode: 'security',
      outcome,
      packages: ['openssl 3.0.1 → 3.0.2'],
      message: 'verified',
    });
    const on = { mode: 'security', window: '02:00-04:00', root: '/', nextAt: '2026-12-06T02:00:00Z' };
    expect(patched({ ...on, running: false, last: last('rolled_back') })).toMatchInlineSnapshot(
      `" aiosd ok · alice (operator) @ node1 · user mode · supervised · patch sec: rolled back  ? keys"`,
    );
    expect(patched({ ...on, running: true, last: last('upgraded') })).toContain('· patch sec: running…');
    expect(patched({ ...on, mode: 'all', running: false, last: last('upgraded') })).toContain('· patch all: upgraded');
    expect(patched({ ...on, running: false, last: last('failed') })).toContain('· patch sec: failed');
    expect(patched({ ...on, running: false, last: null })).toMatch(/· patch sec {2}\? keys$/);
    expect(patched({ ...on, mode: 'off', running: false, last: null })).not.toContain('patch');
    expect(patched(undefined)).not.toContain('patch');
  });

  it('the help view lists every key from the keymap', () => {
    const text = frame(stateAfter(...connected, { type: 'helpOpened' }));
    expect(plain(text)).toMatchInlineSnapshot(`
      "Keys — Esc or ? closes this help
      Every view
        Esc Tab i Ctrl… back to the input line
        1 F2            goals and plans
        2 F3            agent panes
        3 F4            snapshots
        4 F5            audit ledger and decisions
        5 F6            memory search
        6 F7            monitor dashboard
        7 F8            escape hatch (real shell)
        8 F10           fleet nodes and goals
        ? F1            show all keys
        q               leave the shell (asks first if a goal of yours is pending)
        Ctrl-D          leave the shell
      Plan review (1)
        a               approve whole plan
        y               approve selected step
        n               reject selected step
        x               reject whole plan
        s               skip selected step
      ↓ 92 more — ↑/↓ scroll
      goal>
       aiosd ok · alice (operator) @ node1 · user mode  ? keys"
    `);
    expectFits(text);
    // Every key is reachable by scrolling the help with the arrows.
    let all = '';
    for (let offset = 0; offset < 120; offset += 10) {
      const page = frame(
        stateAfter(...connected, { type: 'helpOpened' }, { type: 'listMoved', list: 'help', delta: offset }),
      );
      expectFits(page);
      all += page;
    }
    for (const label of [
      'Enter',
      'Esc',
      'Ctrl-D',
      'Ctrl-K',
      'Ctrl-U',
      'Ctrl-W',
      'Ctrl-Y',
      'Alt-Enter',
      'PgUp',
      'approve whole plan',
      'roll back the goal shown',
      'capital Y',
      'zoom',
      'restore',
    ]) {
      expect(all).toContain(label);
    }
  });

  it('step output with escape sequences shows them as visible tokens, never as bytes', () => {
    const evil = 'building\n\u001b[2J\u001b[31mred\u001b[0m\n\u001b]52;c;ZXZpbA==\u0007copied\rover\n\u202Etxt.exe';
    const g = goal({
      id: 'g3',
      state: 'running',
      plan: plan('g3', [
        step({ id: 's1', state: 'running', tool: 'exec.run', args: { argv: ['make', '\u001b[1mbold'] } }),
      ]),
    });
    const text = frame(
      stateAfter(...connected, ...show(g), { type: 'stepOutput', goalId: 'g3', stepId: 's1', chunk: evil }),
    );
    expect(plain(text)).not.toContain('\u001b');
    expect(text).not.toContain('\u0007');
    expect(text).not.toContain('\r');
    expect(text).not.toContain('\u202E');
    expect(text).toContain('^[[2J^[[31mred^[[0m');
    expect(text).toContain('^[]52;c;ZXZpbA==^Gcopied^Mover');
    expect(text).toContain('<U+202E>txt.exe');
    expect(plain(text)).toMatchInlineSnapshot(`
      "goal [running] install nginx and start it
      plan p-g3 · local · hash a1b2c3d4e5f6 · 1 step
      › s1 system exec.run  risk low  reversible  [running]
          install 1 package
          args {"argv":["make","\\u001b[1mbold"]}
      output of s1 (running)
        building
        ^[[2J^[[31mred^[[0m
        ^[]52;c;ZXZpbA==^Gcopied^Mover
        <U+202E>txt.exe
      goal>
       aiosd ok · alice (operator) @ node1 · user mode  ? keys"
    `);
    expectFits(text);
  });

  it("a failed step shows the model's diagnosis under its error, as untrusted text", () => {
    const g = goal({
      id: 'g5',
      state: 'failed',
      message: 'step s1 (shell.exec) failed: exited with status 2',
      plan: plan('g5', [
        step({
          id: 's1',
          state: 'failed',
          tool: 'shell.exec',
          args: { command: 'ls /srv/site' },
          error: 'exited with status 2',
          analysis: {
            ok: true,
            tier: 'cloud',
            summary: 'No /srv/site here.\u001b[2J',
            likelyCause: 'The site was never deployed.',
            nextStep: 'Deploy it first.',
            reason: null,
            cost: '$0.0036: claude',
          },
        }),
      ]),
    });
    const text = frame(stateAfter(...connected, ...show(g)));
    expect(plain(text)).not.toContain('\u001b');
    expect(plain(text)).toContain('diagnosis (cloud; advice, never run): No /srv/site here.^[[2J');
    expect(plain(text)).toContain('likely cause: The site was never deployed.');
    expect(plain(text)).toContain('next step: Deploy it first.');
    const none = goal({
      ...g,
      plan: plan('g5', [
        step({
          id: 's1',
          state: 'failed',
          error: 'exited with status 2',
          analysis: {
            ok: false,
            tier: null,
            summary: '',
            likelyCause: '',
            nextStep: '',
            reason: 'cloud: the cloud tier is unavailable',
            cost: '$0',
          },
        }),
      ]),
    });
    expect(plain(frame(stateAfter(...connected, ...show(none))))).toContain(
      'no diagnosis: cloud: the cloud tier is unavailable',
    );
    expectFits(text);
  });

  it('a long plan stays inside the terminal and says how much is hidden', () => {
    const steps = Array.from({ length: 30 }, (_, i) =>
      step({ id: `s${i + 1}`, preview: { summary: `step ${i + 1}`, detail: 'x\n'.repeat(40) } }),
    );
    const g = goal({ id: 'g4', plan: plan('g4', steps) });
    let state = stateAfter(...connected, ...show(g));
    for (let i = 0; i < 12; i++) state = reduce(state, { type: 'stepSelected', delta: 1 });
    const text = frame(state);
    expectFits(text);
    expect(text).toMatch(/↑ …\d+ more/);
    expect(text).toMatch(/↓ …\d+ more/);
    expect(text).toContain('› s13');
    expect(text).toMatch(/…\d+ more lines/);
  });

  it('on a vt100 everything drawn is 7-bit ASCII', () => {
    const state = stateAfter(
      { type: 'disconnected', reason: 'aiosd is not running', retryInS: 4 },
      ...show(awaitingGoal()),
    );
    const text = frame(state, vt100);
    expect(text).toContain('aiosd unreachable - retrying in 4s');
    expect(/^[\n\u0020-\u007e]*$/.test(plain(text))).toBe(true);
    expectFits(text);
  });

  it('says when the daemon is unreachable and why', () => {
    const text = frame(
      stateAfter({
        type: 'disconnected',
        reason: "aiosd is not running (no socket at /run/aios/aiosd.sock); start it with 'aios daemon'",
        retryInS: 2,
      }),
    );
    expect(text).toContain('aiosd unreachable — retrying in 2s');
    expect(text).toContain('no socket at /run/aios/aiosd.sock');
    expectFits(text);
  });

  it('fits a small terminal', () => {
    const state = reduce(stateAfter(...connected, ...show(awaitingGoal())), { type: 'resized', columns: 40, rows: 10 });
    const text = frame(state);
    expectFits(text, 40, 10);
  });
});
