// bench/top.ts judges each dashboard's glyphs by what the terminal can show: the Linux console's
// built-in font is CP437 (box drawing, shades, full and half blocks; no eighth blocks, no braille),
// a vt100 is 7-bit (its line drawing comes through ESC ( 0, never as UTF-8), xterm shows all.
import { describe, expect, it } from 'vitest';
import { unshowable } from '../../bench/top.js';

describe('glyphs a terminal cannot show (bench/top.ts)', () => {
  const sent = 'CPU ┌─┐│ ████░░ ▁▂▃▇ 45% · ⠁⠂ ↑';

  it('on the Linux console: what CP437 lacks, each once', () => {
    expect(unshowable(sent + sent, 'linux')).toEqual(['▁', '▂', '▃', '▇', '⠁', '⠂']);
  });

  it('on a vt100: anything beyond 7-bit ASCII', () => {
    expect(unshowable(sent, 'vt100')).toEqual(['┌', '─', '┐', '│', '█', '░', '▁', '▂', '▃', '▇', '·', '⠁', '⠂', '↑']);
    expect(unshowable('\u001b(0lqk\u001b(B plain', 'vt100')).toEqual([]);
  });

  it('on xterm-256color: nothing', () => {
    expect(unshowable(sent, 'xterm-256color')).toEqual([]);
  });
});
