// The row builders on their own: heights never exceed the room given, and the first frame
// (drawn before Ink loads) matches what Ink draws for the same state.
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { linesToAnsi } from '../../src/shell/terminal/ansi.js';
import { App } from '../../src/shell/components/App.js';
import { firstFrameLines } from '../../src/shell/terminal/first-frame.js';
import { helpLines } from '../../src/shell/rows/help-lines.js';
import { COMMANDS, DEFAULT_KEYMAP, type Command } from '../../src/shell/commands/keymap.js';
import { regions } from '../../src/shell/rows/layout.js';
import { planLines } from '../../src/shell/rows/plan-lines.js';
import { initialState, reduce } from '../../src/shell/state/shell-state.js';
import { statusExtras } from '../../src/shell/state/status-extras.js';
import { statusLine } from '../../src/shell/rows/status-line.js';
import { fitLine, type Line } from '../../src/shell/rows/styled-lines.js';
import { detectCaps } from '../../src/shell/terminal/terminal-caps.js';
import { fold, textWidth, truncate } from '../../src/shell/terminal/text-width.js';
import { goal, plan, step } from './fixtures.js';

const caps = detectCaps({ TERM: 'xterm-256color' });
const text = (l: Line): string => l.map((s) => s.text).join('');

describe('terminal capabilities', () => {
  it('uses colour and Unicode on xterm and the Linux console', () => {
    expect(detectCaps({ TERM: 'xterm-256color' })).toMatchObject({ color: true, ascii: false, maxFps: 30 });
    expect(detectCaps({ TERM: 'linux' })).toMatchObject({ color: true, ascii: false });
  });
  it('assumes a serial line on vt100: ASCII, no colour, fewer repaints', () => {
    expect(detectCaps({ TERM: 'vt100' })).toMatchObject({ color: false, ascii: true, maxFps: 10 });
    expect(detectCaps({})).toMatchObject({ color: false, ascii: true });
  });
  it('honours NO_COLOR', () => {
    expect(detectCaps({ TERM: 'xterm-256color', NO_COLOR: '1' }).color).toBe(false);
    expect(detectCaps({ TERM: 'xterm-256color', NO_COLOR: '' }).color).toBe(true);
  });
});

describe('text width', () => {
  it('counts wide characters as two columns and cuts with the ellipsis given', () => {
    expect(textWidth('日本a')).toBe(5);
    expect(truncate('abcdef', 4, '…')).toBe('abc…');
    expect(truncate('abcdef', 5, '...')).toBe('ab...');
    expect(truncate('日本語', 5, '…')).toBe('日本…');
    expect(fold('abcdefg', 3)).toEqual(['abc', 'def', 'g']);
  });
  it('sanitises every segment while fitting it', () => {
    expect(text(fitLine([{ text: 'a\u001b[2Jb' }], 40, '…'))).toBe('a^[[2Jb');
  });
});

describe('row builders', () => {
  it('never give a plan more rows than it was given, at any height', () => {
    const steps = Array.from({ length: 9 }, (_, i) =>
      step({ id: `s${i}`, error: i === 3 ? 'boom' : null, preview: { summary: 'sum', detail: 'd\n'.repeat(i * 3) } }),
    );
    const g = goal({ id: 'g', message: 'note\nmore', plan: plan('g', steps) });
    for (let height = 0; height <= 40; height++) {
      for (const selected of [0, 3, 8]) {
        const rows = planLines({ goal: g, selected, active: true, width: 60, height, caps });
        expect(rows.length).toBeLessThanOrEqual(height);
        if (height >= 3) expect(rows.some((r) => text(r).includes(`s${selected}`))).toBe(true);
      }
    }
  });

  it('shows each step: id, agent, tool, args JSON, risk, reversibility, state', () => {
    const g = goal({
      id: 'g',
      plan: plan('g', [
        step({
          id: 'x1',
          agent: 'net',
          tool: 'net.ping',
          args: { host: 'a' },
          risk: 'high',
          reversible: false,
          state: 'approved',
        }),
      ]),
    });
    const all = planLines({ goal: g, selected: 0, active: true, width: 79, height: 20, caps }).map(text).join('\n');
    for (const want of ['x1', 'net net.ping', '{"host":"a"}', 'risk high', 'NOT reversible', '[approved]'])
      expect(all).toContain(want);
  });

  it('lists every bound command in the help view when there is room', () => {
    const rows = helpLines({ keymap: DEFAULT_KEYMAP, height: 200, width: 200, caps }).map(text).join('\n');
    for (const bindings of Object.values(DEFAULT_KEYMAP)) {
      for (const command of Object.keys(bindings) as Command[]) expect(rows).toContain(COMMANDS[command]);
    }
  });

  it('help never overflows its rows, even on a tiny screen', () => {
    for (let height = 0; height < 30; height++) {
      expect(helpLines({ keymap: DEFAULT_KEYMAP, height, width: 79, caps }).length).toBeLessThanOrEqual(height);
      expect(helpLines({ keymap: DEFAULT_KEYMAP, height, width: 40, caps }).length).toBeLessThanOrEqual(height);
    }
  });

  it('status bar: connecting, unreachable with countdown, retrying, degraded', () => {
    const base = { session: null, health: null, busyAgents: [], caps };
    expect(text(statusLine({ ...base, connection: { kind: 'connecting' } }))).toContain('connecting…');
    expect(text(statusLine({ ...base, connection: { kind: 'unreachable', reason: 'x', retryInS: 3 } }))).toContain(
      'aiosd unreachable — retrying in 3s',
    );
    expect(text(statusLine({ ...base, connection: { kind: 'unreachable', reason: 'x', retryInS: 0 } }))).toContain(
      'aiosd unreachable — retrying…',
    );
    const degraded = statusLine({
      ...base,
      connection: { kind: 'connected' },
      health: { health: 'degraded', problems: ['a', 'b'] },
      busyAgents: ['x'],
    });
    expect(text(degraded)).toContain('aiosd degraded (2 problems)');
    expect(text(degraded)).toContain('1 busy');
  });

  it("status bar: the cloud budget left from status/get's budget, or the spend alone when a provider has no budget", () => {
    const base = { session: null, health: null, busyAgents: [], caps, connection: { kind: 'connected' as const } };
    const status = (budget: unknown): Parameters<typeof statusExtras>[0] =>
      ({ budget }) as unknown as Parameters<typeof statusExtras>[0];
    expect(text(statusLine({ ...base, extras: statusExtras(status({ spentUsd: 0.0075, limitUsd: 10 })) }))).toContain(
      '$9.99 left',
    );
    expect(text(statusLine({ ...base, extras: statusExtras(status({ spentUsd: 1.5, limitUsd: null })) }))).toContain(
      '$1.50 spent',
    );
    expect(text(statusLine({ ...base, extras: statusExtras(status(undefined)) }))).not.toContain('$');
  });

  it('keeps the live region one row shorter than the terminal', () => {
    for (const rows of [3, 5, 10, 24, 50]) {
      const r = regions({ columns: 80, rows }, { feed: 10, flash: true, help: false });
      expect(r.feed + r.main + 2 + (r.flash ? 1 : 0)).toBeLessThanOrEqual(rows - 1);
    }
  });
});

describe('first frame', () => {
  it('is what Ink draws for the same state, row for row', () => {
    const states = [
      initialState(80, 24),
      reduce(initialState(80, 24), { type: 'disconnected', reason: 'aiosd is not running', retryInS: 2 }),
      reduce(initialState(100, 30), { type: 'edited', edit: { kind: 'insert', text: 'free some disk space' } }),
      reduce(initialState(80, 24), { type: 'flashed', flash: { level: 'error', text: 'not connected to aiosd' } }),
    ];
    for (const state of states) {
      const width = regions(state.size, { feed: 0, flash: false, help: false }).width;
      // eslint-disable-next-line no-control-regex -- comparing text without styling
      const plain = linesToAnsi(firstFrameLines(state, caps), width, caps).replace(/\u001b\[[0-9;]*m/g, '');
      const { lastFrame, unmount } = render(<App state={state} caps={caps} keymap={DEFAULT_KEYMAP} />);
      const ink = (lastFrame() ?? '')
        .split('\n')
        .map((l) => l.trimEnd())
        .join('\n');
      unmount();
      expect(
        plain
          .split('\n')
          .map((l) => l.trimEnd())
          .join('\n'),
      ).toBe(ink);
    }
  });
});
