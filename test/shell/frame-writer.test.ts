import xterm from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { FrameWriter, parseRow } from '../../src/shell/terminal/frame-writer.js';

function terminal(): { term: xterm.Terminal; writer: FrameWriter; bytes: string[]; screen: () => Promise<string> } {
  const term = new xterm.Terminal({ cols: 40, rows: 8, allowProposedApi: true, convertEol: true });
  const bytes: string[] = [];
  let queue = Promise.resolve();
  const writer = new FrameWriter((data) => {
    bytes.push(data);
    queue = queue.then(() => new Promise<void>((r) => term.write(data, r)));
  });
  const screen = async (): Promise<string> => {
    await queue;
    const b = term.buffer.active;
    const rows: string[] = [];
    for (let y = 0; y < 8; y++) rows.push(b.getLine(b.viewportY + y)?.translateToString(true) ?? '');
    return rows.join('\n').replace(/\n+$/, '');
  };
  return { term, writer, bytes, screen };
}

describe('frame writer', () => {
  it('draws a frame, then rewrites only what changed', async () => {
    const { writer, bytes, screen } = terminal();
    writer.render('first line\nsecond\nthird');
    expect(await screen()).toBe('first line\nsecond\nthird');
    writer.render('first line\nsecoND\nthird');
    expect(await screen()).toBe('first line\nsecoND\nthird');
    expect(bytes[1]).toBe('\u001b[A\bND'); // up one row, back one column, two characters
  });

  it('writes nothing for an unchanged frame', () => {
    const { writer, bytes } = terminal();
    writer.render('a\nb');
    writer.render('a\nb');
    expect(bytes).toHaveLength(1);
  });

  it('grows and shrinks the region without clearing the screen', async () => {
    const { writer, bytes, screen } = terminal();
    writer.render('one\ntwo');
    writer.render('one\ntwo\nthree\nfour');
    expect(await screen()).toBe('one\ntwo\nthree\nfour');
    writer.render('one');
    expect(await screen()).toBe('one');
    writer.render('ONE\nback');
    expect(await screen()).toBe('ONE\nback');
    expect(bytes.join('')).not.toContain('\u001b[2J');
  });

  it('erases the rest of a line that got shorter', async () => {
    const { writer, screen } = terminal();
    writer.render('a long line here\nx');
    writer.render('a long\nx');
    expect(await screen()).toBe('a long\nx');
  });

  it('keeps styles per cell and resets them after each write', async () => {
    const { term, writer, bytes, screen } = terminal();
    writer.render('goal> \u001b[7m \u001b[27m');
    writer.render('goal> x\u001b[7m \u001b[27m');
    expect(bytes[1]).toBe('\bx\u001b[0;7m \u001b[m');
    await screen();
    const cell = term.buffer.active.getLine(0)?.getCell(7);
    expect(cell?.isInverse()).toBeTruthy();
  });

  it('parses SGR into canonical cells and drops any other escape sequence', () => {
    const { cells } = parseRow('\u001b[1m\u001b[36mA\u001b[39m\u001b[22mB\u001b]0;title\u0007C\u001b[2JD');
    expect(cells.map((c) => [c.ch, c.sgr])).toEqual([
      ['A', '1;36'],
      ['B', ''],
      ['0', ''],
      [';', ''],
      ['t', ''],
      ['i', ''],
      ['t', ''],
      ['l', ''],
      ['e', ''],
      ['C', ''],
      ['D', ''],
    ]);
  });

  it('after a resize starts again from the top and draws the frame whole', async () => {
    const { writer, bytes, screen } = terminal();
    writer.render('a\nb');
    writer.invalidate();
    writer.render('a\nb');
    expect(bytes[1]).toBe('\u001b[H\u001b[J');
    expect(await screen()).toBe('a\nb');
  });

  it('moves to a fresh line and shows the cursor when finished', async () => {
    const { writer, bytes, screen } = terminal();
    writer.render('a\nb');
    writer.finish();
    expect(bytes.join('')).toContain('\u001b[?25h');
    expect(await screen()).toBe('a\nb');
  });
});
