// What the guard and the questions look like: the plan's key hint dimmed until a key would act,
// a long question wrapped with its key first, and the rows the layout gives it.
import { describe, expect, it } from 'vitest';
import { confirmLines } from '../../src/shell/rows/confirm-line.js';
import { planHint } from '../../src/shell/rows/help-lines.js';
import { DEFAULT_KEYMAP } from '../../src/shell/commands/keymap.js';
import { regions } from '../../src/shell/rows/layout.js';
import { screenRegions } from '../../src/shell/rows/screen-regions.js';
import { initialState } from '../../src/shell/state/shell-state.js';
import { detectCaps } from '../../src/shell/terminal/terminal-caps.js';

const { glyphs } = detectCaps({ TERM: 'xterm-256color' });
const text = (l: { text: string }[]): string => l.map((s) => s.text).join('');

describe('the guard on screen', () => {
  it('the plan hint is dimmed while a key would be turned away, and lit once a key alone would act', () => {
    const dim = planHint(DEFAULT_KEYMAP, glyphs, false);
    const lit = planHint(DEFAULT_KEYMAP, glyphs, true);
    expect(text(dim)).toBe(text(lit));
    expect(text(lit)).toMatch(/a approve all/);
    expect(dim.every((s) => s.tone === 'muted')).toBe(true);
    expect(lit.every((s) => s.bold === true && s.tone !== 'muted')).toBe(true);
  });

  it('a long question wraps at spaces, its key first, within the width', () => {
    const confirm = {
      kind: 'rollback' as const,
      goalId: 'g',
      text: `press Y to roll back "x", any other key keeps it. It removes ${Array.from({ length: 8 }, (_, i) => `/tmp/file-${i}.txt`).join(', ')}.`,
    };
    const rows = confirmLines(confirm, 60).map(text);
    expect(rows.length).toBeGreaterThan(1);
    expect(rows[0]).toMatch(/^! confirm: +press Y to roll back/);
    for (const r of rows) expect(r.length).toBeLessThanOrEqual(60);
    expect(rows.join(' ').replace(/\s+/g, ' ')).toContain('/tmp/file-7.txt.');
  });

  it('gives a question up to a quarter of the rows, a message one', () => {
    expect(regions({ columns: 80, rows: 24 }, { feed: 0, flash: true, help: false, flashRows: 9 }).flashRows).toBe(5);
    expect(regions({ columns: 80, rows: 24 }, { feed: 0, flash: true, help: false }).flashRows).toBe(1);
    const asked = {
      ...initialState(40, 24),
      confirm: {
        kind: 'leave' as const,
        text: 'press Y to leave anyway, any other key stays: "a goal with a long name" awaits approval',
      },
    };
    expect(screenRegions(asked).flashRows).toBe(confirmLines(asked.confirm, 39).length);
    expect(screenRegions(asked).flashRows).toBeGreaterThan(1);
  });
});
