// The writer's scroll optimisation (IL/DL), checked by what a real terminal emulator shows, and
// the pump's byte budget.
import xterm from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { FramePump } from '../../src/shell/frame-pump.js';
import { FrameWriter } from '../../src/shell/frame-writer.js';

async function screenOf(writes: string[], cols = 40, rows = 12): Promise<string[]> {
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true });
  for (const w of writes) await new Promise<void>((r) => term.write(w, r));
  const out: string[] = [];
  for (let y = 0; y < rows; y++) out.push(term.buffer.active.getLine(y)?.translateToString(true) ?? '');
  return out;
}

const frameOf = (from: number): string => ['title', ...Array.from({ length: 8 }, (_, i) => `line ${from + i}`), 'goal> x', 'status'].join('\n');

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

describe('frame pump', () => {
  it('keeps background frames within the byte budget; a key frame goes out at once', () => {
    let now = 0;
    const written: string[] = [];
    const writer = { render: (f: string): number => { written.push(f); return f.length; } };
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
