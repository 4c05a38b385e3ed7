// The writer's scroll optimisation (IL/DL), checked by what a real terminal emulator shows, and
// the pump's byte budget.
import xterm from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { FramePump } from '../../src/shell/terminal/frame-pump.js';
import { changedSpans, FrameWriter, parseRow } from '../../src/shell/terminal/frame-writer.js';
import { createRenderGate } from '../../src/shell/terminal/render-gate.js';
import { createStore } from '../../src/shell/state/store.js';

async function screenOf(writes: string[], cols = 40, rows = 12): Promise<string[]> {
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true });
  for (const w of writes) await new Promise<void>((r) => term.write(w, r));
  const out: string[] = [];
  for (let y = 0; y < rows; y++) out.push(term.buffer.active.getLine(y)?.translateToString(true) ?? '');
  return out;
}

const frameOf = (from: number): string =>
  ['title', ...Array.from({ length: 8 }, (_, i) => `line ${from + i}`), 'goal> x', 'status'].join('\n');

describe('frame writer: scrolling a band that moved', () => {
  it('uses Delete/Insert Line, writes only the new rows, and the screen is exactly the frame', async () => {
    const writes: string[] = [];
    const w = new FrameWriter((d) => writes.push(d), { scrollLines: true });
    w.render(frameOf(0));
    const before = writes.length;
    const bytes = w.render(frameOf(2));
    const step = writes.slice(before).join('');
    expect(step).toContain('\u001b[2M');
    expect(step).toContain('\u001b[2L');
    expect(step).not.toContain('line 3'); // moved, not rewritten
    expect(step).toContain('line 9');
    expect(bytes).toBeLessThan(60);
    const screen = await screenOf(writes);
    expect(screen.slice(0, 11)).toEqual(frameOf(2).split('\n'));
  });

  it('without IL/DL (a vt100) it rewrites the rows, and the screen is the same', async () => {
    const writes: string[] = [];
    const w = new FrameWriter((d) => writes.push(d));
    w.render(frameOf(0));
    w.render(frameOf(2));
    // eslint-disable-next-line no-control-regex -- looking for Insert/Delete Line sequences
    expect(writes.join('')).not.toMatch(/\u001b\[\d*[LM]/);
    expect((await screenOf(writes)).slice(0, 11)).toEqual(frameOf(2).split('\n'));
  });

  it('rewrites rows in place when that is shorter than scrolling them (many rows moved, few cells changed)', async () => {
    // Every row moved up by 6, but each differs from the row now under it in two digits only.
    const frame = (from: number): string =>
      [
        'title',
        ...Array.from(
          { length: 9 },
          (_, i) => `entry ${String(from + i).padStart(2, '0')} of the long build log, step ${from + i}`,
        ),
        'status',
      ].join('\n');
    const scrolling: string[] = [];
    const w = new FrameWriter((d) => scrolling.push(d), { scrollLines: true });
    w.render(frame(10));
    const before = scrolling.length;
    const bytes = w.render(frame(16));
    const step = scrolling.slice(before).join('');
    // eslint-disable-next-line no-control-regex -- looking for Insert/Delete Line sequences
    expect(step).not.toMatch(/\u001b\[\d*[LM]/);
    expect(bytes).toBeLessThan(9 * 20);
    expect((await screenOf(scrolling)).slice(0, 11)).toEqual(frame(16).split('\n'));
  });

  it('writes only the changed runs of a row, joining runs closer than a cursor move', async () => {
    const cells = (t: string) => parseRow(t).cells;
    expect(changedSpans(cells('abcdefghijklmnop'), cells('aXcdefghijklmnYp'))).toEqual([
      { from: 1, to: 2 },
      { from: 14, to: 15 },
    ]);
    expect(changedSpans(cells('abcdefghijklmnop'), cells('aXcdYfghijklmnop'))).toEqual([{ from: 1, to: 5 }]);
    const writes: string[] = [];
    const w = new FrameWriter((d) => writes.push(d));
    w.render('abcdefghijklmnopqrstuvwxyz\nnext');
    w.render('aXcdefghijklmnopqrstuvwxYz\nnext');
    expect((await screenOf(writes)).slice(0, 2)).toEqual(['aXcdefghijklmnopqrstuvwxYz', 'next']);
    expect(writes.at(-1)?.length).toBeLessThan(16);
  });

  it('clips a frame laid out for a larger terminal, so nothing wraps', async () => {
    const writes: string[] = [];
    const w = new FrameWriter((d) => writes.push(d), { size: () => ({ columns: 20, rows: 5 }) });
    w.render(Array.from({ length: 10 }, (_, i) => `${i} ${'x'.repeat(40)}`).join('\n'));
    const screen = await screenOf(writes, 20, 5);
    expect(screen.slice(0, 4).every((r) => r.length === 19)).toBe(true);
  });

  it('writes only ASCII when asked (serial lines, non-UTF-8 locales)', () => {
    const writes: string[] = [];
    new FrameWriter((d) => writes.push(d), { asciiOnly: true }).render('héllo — 日本');
    // eslint-disable-next-line no-control-regex -- every byte must be 7-bit
    expect(writes.join('')).toMatch(/^[\x00-\x7f]*$/);
  });
});

describe('render gate', () => {
  it('holds background renders while the pump holds frames, and never holds a key', async () => {
    const store = createStore((n: number, a: number) => n + a, 0);
    let hold = 10_000; // far longer than any wait below, however loaded the machine
    const gate = createRenderGate(store, 1, undefined, () => hold);
    let renders = 0;
    gate.subscribe(() => renders++);
    store.dispatch(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(renders).toBe(0); // the pump has no room for it yet
    gate.urgently(() => store.dispatch(1));
    expect(renders).toBe(1); // a key renders at once, with everything held so far
    expect(gate.getState()).toBe(2);
    hold = 0;
    store.dispatch(1);
    await new Promise((r) => setTimeout(r, 80));
    expect(renders).toBe(2);
    gate.dispose();
  });
});

describe('frame pump', () => {
  it('keeps background frames within the byte budget; a key frame goes out at once', () => {
    let now = 0;
    const written: string[] = [];
    const writer = {
      render: (f: string): number => {
        written.push(f);
        return f.length;
      },
      patch: (): null => null,
    };
    const pump = new FramePump(writer, { maxFps: 1000, bytesPerS: 1000, now: () => now });
    const big = 'x'.repeat(600);
    pump.push(big);
    pump.flush(); // the first may spend the burst
    pump.push(big);
    // @ts-expect-error -- reading the private wait to check the budget, not a timer
    const wait = pump.wait() as number;
    expect(wait).toBeGreaterThan(300); // 600 bytes over budget at 1000 B/s
    pump.push('k', true);
    expect(written.at(-1)).toBe('k'); // urgent: not held back
    now += 10_000;
    pump.push(big);
    // @ts-expect-error -- as above
    expect(pump.wait() as number).toBe(0);
  });
});
