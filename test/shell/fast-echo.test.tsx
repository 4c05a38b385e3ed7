// The fast echo path against the whole frame Ink draws: for the same state its rows are the
// rows the frame has, and after its echo the frame that follows the key changes nothing.
import { EventEmitter } from 'node:events';
import type { render as InkRender } from 'ink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App as AppType } from '../../src/shell/components/App.js';
import { echoFor, inputRowsText } from '../../src/shell/terminal/fast-echo.js';
import { FrameWriter } from '../../src/shell/terminal/frame-writer.js';
import { DEFAULT_KEYMAP } from '../../src/shell/commands/keymap.js';
import type { LineEdit } from '../../src/shell/state/line-edit.js';
import { initialState, reduce, type Action, type ShellState } from '../../src/shell/state/shell-state.js';
import { detectCaps, type TerminalCaps } from '../../src/shell/terminal/terminal-caps.js';
import { awaitingGoal } from './fixtures.js';

// Styles on, as on a real terminal (Ink decides when it is first loaded, below).
process.env['FORCE_COLOR'] = '1';
let App: typeof AppType;
let inkRender: typeof InkRender;
beforeAll(async () => {
  ({ App } = await import('../../src/shell/components/App.js'));
  ({ render: inkRender } = await import('ink'));
});
afterAll(() => {
  delete process.env['FORCE_COLOR'];
});

/** The whole frame Ink writes for a state, as the shell has it render (debug: whole frames). */
function inkFrame(state: ShellState, caps: TerminalCaps): string {
  const frames: string[] = [];
  const target = new EventEmitter();
  Object.defineProperties(target, {
    columns: { value: state.size.columns },
    rows: { value: state.size.rows },
    isTTY: { value: false },
    write: { value: (data: string) => frames.push(data) > 0 },
  });
  const instance = inkRender(<App state={state} caps={caps} keymap={DEFAULT_KEYMAP} />, {
    stdout: target as NodeJS.WriteStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  instance.unmount();
  const frame = frames.find((f) => f !== '');
  if (frame === undefined) throw new Error('Ink wrote no frame');
  return frame;
}

function writerFor(state: ShellState, caps: TerminalCaps): { writer: FrameWriter; written: string[] } {
  const written: string[] = [];
  const writer = new FrameWriter((d) => written.push(d), { asciiOnly: caps.ascii, size: () => state.size });
  return { writer, written };
}

const connected: Action[] = [
  { type: 'connected', session: { user: 'alice', role: 'operator', node: 'node1', mode: 'user' } },
  { type: 'statusLoaded', health: { health: 'ok', problems: [] } },
];
const typed = (text: string): Action => ({ type: 'edited', edit: { kind: 'insert', text } });
const edit = (e: LineEdit): Action => ({ type: 'edited', edit: e });

/** Screens the shell shows while the input line has the keyboard. */
function screens(columns: number, rows: number): Record<string, ShellState> {
  const start = initialState(columns, rows);
  const base = [...connected, { type: 'goalsLoaded', goals: [awaitingGoal('g1')] } as Action];
  const at = (...actions: Action[]): ShellState => [...base, ...actions].reduce(reduce, start);
  return {
    'plan view, empty line': at(),
    'plan view, typed text': at(typed('restart nginx')),
    'plan view, cursor at the start': at(typed('restart nginx'), edit({ kind: 'home' })),
    'plan view, a line longer than the screen': at(typed('x'.repeat(columns + 17)), edit({ kind: 'left' })),
    'agent panes, typed text': at(
      { type: 'viewShown', view: 'agents' },
      { type: 'focused', focus: 'input' },
      typed('look at the logs'),
    ),
    'multi-line input': at(typed('first line'), edit({ kind: 'insert', text: '\n' }), typed('second')),
    'a search prompt': at({ type: 'promptOpened', prompt: { kind: 'search', agent: 'system' }, text: 'nginx' }),
    'plan view has the keyboard': at(typed('half typed'), { type: 'focused', focus: 'plan' }),
  };
}

const terminals = {
  'xterm-256color': detectCaps({ TERM: 'xterm-256color' }),
  linux: detectCaps({ TERM: 'linux' }),
  vt100: detectCaps({ TERM: 'vt100' }),
};

describe.each([
  [80, 24],
  [40, 12],
])('fast echo at %ix%i', (columns, rows) => {
  describe.each(Object.entries(terminals))('TERM=%s', (_term, caps) => {
    it.each(Object.entries(screens(columns, rows)))("its rows are the frame's input rows: %s", (_name, state) => {
      const { writer } = writerFor(state, caps);
      writer.render(inkFrame(state, caps));
      const rowsText = inputRowsText(state, caps);
      // patch() writes only where the screen shows exactly the expected rows: 0 bytes, not null.
      expect(writer.patch(rowsText, rowsText, 1)).toBe(0);
    });
  });

  it.each(Object.entries(terminals))(
    "TERM=%s: after each key's echo, the frame that follows changes nothing",
    (_term, caps) => {
      const keys: Action[] = [
        typed('r'),
        typed('estart'),
        typed(' nginx'),
        edit({ kind: 'deleteBack' }),
        edit({ kind: 'home' }),
        typed('please '),
        edit({ kind: 'end' }),
        edit({ kind: 'left' }),
        edit({ kind: 'wordLeft' }),
        edit({ kind: 'killToEnd' }),
        typed('x'.repeat(columns)),
        edit({ kind: 'clear' }),
      ];
      let state = [...connected].reduce(reduce, initialState(columns, rows));
      const { writer, written } = writerFor(state, caps);
      writer.render(inkFrame(state, caps));
      for (const key of keys) {
        const next = reduce(state, key);
        const echo = echoFor(state, next, caps);
        expect(echo).not.toBeNull();
        if (echo === null) return;
        const before = written.length;
        expect(writer.patch(echo.expected, echo.rows, echo.below)).not.toBeNull();
        expect(written.length).toBe(before + 1);
        expect(writer.render(inkFrame(next, caps))).toBe(0);
        state = next;
      }
    },
  );
});

describe('fast echo leaves to the frame', () => {
  const caps = terminals['xterm-256color'];
  const state = [...connected, typed('first')].reduce(reduce, initialState(80, 24));

  it('a key that adds a row to the input line', () => {
    expect(echoFor(state, reduce(state, edit({ kind: 'insert', text: '\n' })), caps)).toBeNull();
  });

  it('a key that also clears a message or moves the focus', () => {
    const flashed = reduce(state, { type: 'flashed', flash: { level: 'info', text: 'hello' } });
    const next = reduce(reduce(flashed, { type: 'flashCleared' }), typed('x'));
    expect(echoFor(flashed, next, caps)).toBeNull();
    expect(echoFor(state, reduce(state, { type: 'focused', focus: 'plan' }), caps)).toBeNull();
  });

  it('a screen that does not show the line where the echo expects it', () => {
    const { writer, written } = writerFor(state, caps);
    writer.render('some\nother\nframe');
    const echo = echoFor(state, reduce(state, typed('x')), caps);
    expect(echo).not.toBeNull();
    if (echo === null) return;
    expect(writer.patch(echo.expected, echo.rows, echo.below)).toBeNull();
    expect(written).toHaveLength(1);
  });
});
