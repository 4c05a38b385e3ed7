// Agent panes: the scrollback ring (100,000 lines, O(1) access, bounded), scroll that holds
// still while output arrives, search, focus and zoom, and rows built only for what is visible.
import { describe, expect, it } from 'vitest';
import { appendText, emptyRing, findLine, ringLength, ringLine } from '../../src/shell/state/line-ring.js';
import { paneBody, paneLines } from '../../src/shell/rows/pane-lines.js';
import { EMPTY_PANES, focusedPane, reducePanes, type PaneAction, type PaneBook } from '../../src/shell/state/panes.js';
import { detectCaps } from '../../src/shell/terminal/terminal-caps.js';

const caps = detectCaps({ TERM: 'xterm-256color' });
const text = (l: { text: string }[]): string => l.map((s) => s.text).join('');
const book = (...actions: PaneAction[]): PaneBook => actions.reduce(reducePanes, EMPTY_PANES);

describe('line ring', () => {
  it('keeps complete lines and the open one, across chunks that split lines anywhere', () => {
    let r = emptyRing();
    for (const chunk of ['one\ntw', 'o\r\nthree', '\n', 'four']) r = appendText(r, chunk);
    expect(ringLength(r)).toBe(4);
    expect([0, 1, 2, 3].map((i) => ringLine(r, i))).toEqual(['one', 'two', 'three', 'four']);
  });

  it('holds 100,000 lines, drops whole chunks past its cap, and finds any line at once', () => {
    let r = emptyRing(100_000);
    for (let c = 0; c < 150; c++)
      r = appendText(r, Array.from({ length: 1000 }, (_, j) => `line ${c * 1000 + j}\n`).join(''));
    expect(ringLength(r)).toBeLessThanOrEqual(100_000);
    expect(ringLength(r)).toBeGreaterThan(98_000);
    expect(ringLine(r, ringLength(r) - 1)).toBe('line 149999');
    expect(ringLine(r, 0)).toBe(`line ${150_000 - ringLength(r)}`);
    const t = performance.now();
    expect(findLine(r, 'LINE 120000', ringLength(r) - 1, -1)).toBe(ringLength(r) - 1 - 29_999);
    expect(performance.now() - t).toBeLessThan(2000); // a bound, not a timing target
  });

  it('seals full chunks compactly and finds matches in any of them, both ways, past chunks without one', () => {
    let r = emptyRing(100_000);
    for (let c = 0; c < 10; c++)
      r = appendText(
        r,
        Array.from(
          { length: 1000 },
          (_, j) => `step ${c * 1000 + j}: compiling module ${j % 97}${c * 1000 + j === 1500 ? ' NEEDLE' : ''}\n`,
        ).join(''),
      );
    expect(r.sealed.length).toBe(9);
    expect(r.sealed.reduce((n, s) => n + s.packed.length, 0)).toBeLessThan((9 * 1024 * 30) / 4); // well under the text's size
    expect(findLine(r, 'needle', ringLength(r) - 1, -1)).toBe(1500);
    expect(findLine(r, 'needle', 0, 1)).toBe(1500);
    expect(findLine(r, 'needle', 1499, -1)).toBeNull();
    expect(findLine(r, 'needle', 1501, 1)).toBeNull();
    expect(ringLine(r, 1500)).toBe('step 1500: compiling module 15 NEEDLE');
    expect(ringLine(r, 9999)).toBe('step 9999: compiling module 29');
  });

  it('never copies more than a chunk per append: the old ring is untouched', () => {
    const a = appendText(emptyRing(), 'x\n');
    const b = appendText(a, 'y\n');
    expect(ringLength(a)).toBe(1);
    expect(ringLength(b)).toBe(2);
  });
});

describe('panes', () => {
  const started: PaneAction = { type: 'paneStep', goalId: 'g1', stepId: 's1', agent: 'storage', tool: 'fs.write' };

  it('one pane per agent, focused on the first, with a header per step', () => {
    const b = book(
      started,
      { type: 'paneOutput', agent: 'storage', chunk: 'hello\n' },
      { type: 'paneOutput', agent: 'network', chunk: 'ping\n' },
    );
    expect(b.order).toEqual(['storage', 'network']);
    expect(b.focused).toBe('storage');
    expect(ringLine(b.byAgent['storage']?.ring ?? emptyRing(), 0)).toMatch(/== s1 fs\.write/);
    expect(focusedPane(reducePanes(b, { type: 'paneFocused', delta: 1 }))?.agent).toBe('network');
    expect(reducePanes(b, { type: 'paneZoomed' }).zoomed).toBe(true);
  });

  it('scrolled back, the view holds still while new lines arrive; G follows again', () => {
    let b = book(started, {
      type: 'paneOutput',
      agent: 'storage',
      chunk: Array.from({ length: 50 }, (_, i) => `l${i}\n`).join(''),
    });
    b = reducePanes(b, { type: 'paneScrolled', by: 10 });
    const before = text(paneBody(focusedPane(b)!, 3, 40).at(-1) ?? []);
    b = reducePanes(b, { type: 'paneOutput', agent: 'storage', chunk: 'new1\nnew2\n' });
    expect(text(paneBody(focusedPane(b)!, 3, 40).at(-1) ?? [])).toBe(before);
    b = reducePanes(b, { type: 'paneScrolled', by: 'bottom' });
    expect(text(paneBody(focusedPane(b)!, 3, 40).at(-1) ?? [])).toBe('new2');
  });

  it('search jumps to the match, n goes to older ones, and says when nothing matches', () => {
    let b = book(started, { type: 'paneOutput', agent: 'storage', chunk: 'error one\nfine\nerror two\nfine\n' });
    b = reducePanes(b, { type: 'paneSearched', query: 'ERROR', direction: -1, again: false });
    expect(focusedPane(b)?.search?.line).toBe(3);
    b = reducePanes(b, { type: 'paneSearched', query: 'ERROR', direction: -1, again: true });
    expect(focusedPane(b)?.search?.line).toBe(1);
    b = reducePanes(b, { type: 'paneSearched', query: 'nothing', direction: -1, again: false });
    expect(focusedPane(b)?.search?.line).toBeNull();
  });

  it('draws only visible rows, escape sequences made visible, within the height and width', () => {
    const b = book(
      started,
      { type: 'paneOutput', agent: 'storage', chunk: 'ok\n\u001b[2J\u001b]52;c;eA==\u0007x\n' },
      { type: 'paneOutput', agent: 'network', chunk: 'up\n' },
    );
    for (const [w, h] of [
      [80, 20],
      [40, 10],
      [200, 48],
    ] as const) {
      const rows = paneLines({ panes: b, active: true, height: h, width: w, caps });
      expect(rows.length).toBeLessThanOrEqual(h);
      for (const r of rows) expect(text(r).length).toBeLessThanOrEqual(w);
      const all = rows.map(text).join('\n');
      expect(all).toContain('^[[2J');
      expect(all).not.toContain('\u001b');
    }
  });
});
