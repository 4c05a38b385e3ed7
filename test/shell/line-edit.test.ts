import { describe, expect, it } from 'vitest';
import { applyEdit, MAX_LINE, visibleWindow, type EditLine, type LineEdit } from '../../src/shell/state/line-edit.js';

function edit(line: EditLine, ...edits: LineEdit[]): EditLine {
  return edits.reduce(applyEdit, line);
}

const at = (text: string, cursor = Array.from(text).length): EditLine => ({ text, cursor });

describe('line editing', () => {
  it('inserts at the cursor and moves it', () => {
    expect(edit(at('ac', 1), { kind: 'insert', text: 'b' })).toEqual(at('abc', 2));
  });
  it('moves left, right, home and end within bounds', () => {
    expect(edit(at('ab', 0), { kind: 'left' })).toEqual(at('ab', 0));
    expect(edit(at('ab'), { kind: 'right' })).toEqual(at('ab', 2));
    expect(edit(at('abc', 1), { kind: 'end' })).toEqual(at('abc', 3));
    expect(edit(at('abc', 2), { kind: 'home' })).toEqual(at('abc', 0));
  });
  it('deletes backwards and forwards', () => {
    expect(edit(at('abc', 2), { kind: 'deleteBack' })).toEqual(at('ac', 1));
    expect(edit(at('abc', 0), { kind: 'deleteBack' })).toEqual(at('abc', 0));
    expect(edit(at('abc', 1), { kind: 'deleteForward' })).toEqual(at('ac', 1));
    expect(edit(at('abc'), { kind: 'deleteForward' })).toEqual(at('abc'));
  });
  it('kills to the end, to the start, and the word before the cursor', () => {
    expect(edit(at('hello world', 5), { kind: 'killToEnd' })).toEqual({ ...at('hello', 5), killed: ' world' });
    expect(edit(at('hello world', 6), { kind: 'killToStart' })).toEqual({ ...at('world', 0), killed: 'hello ' });
    expect(edit(at('restart  nginx  '), { kind: 'killWordBack' })).toEqual({ ...at('restart  '), killed: 'nginx  ' });
    expect(edit(at('restart nginx', 7), { kind: 'killWordBack' })).toEqual({ ...at(' nginx', 0), killed: 'restart' });
  });
  it('moves and cuts by words, forwards too, and transposes as Emacs does', () => {
    expect(edit(at('restart the nginx', 3), { kind: 'wordRight' })).toEqual(at('restart the nginx', 7));
    expect(edit(at('restart the nginx', 12), { kind: 'wordLeft' })).toEqual(at('restart the nginx', 8));
    expect(edit(at('restart the nginx', 7), { kind: 'killWordForward' })).toEqual({
      ...at('restart nginx', 7),
      killed: ' the',
    });
    expect(edit(at('ab'), { kind: 'transpose' })).toEqual(at('ba', 2));
    expect(edit(at('abc', 1), { kind: 'transpose' })).toEqual(at('bac', 2));
  });
  it('moves between the rows of multi-line text, keeping the column', () => {
    expect(edit(at('first\nsecond', 9), { kind: 'lineUp' })).toEqual(at('first\nsecond', 3));
    expect(edit(at('first\nsecond', 3), { kind: 'lineDown' })).toEqual(at('first\nsecond', 9));
    expect(edit(at('first\nsecond', 3), { kind: 'lineUp' })).toEqual(at('first\nsecond', 3));
  });
  it('treats an emoji or CJK character as one character', () => {
    expect(edit(at('a😀b', 2), { kind: 'deleteBack' })).toEqual(at('ab', 1));
    expect(edit(at('日本', 1), { kind: 'right' }, { kind: 'deleteBack' })).toEqual(at('日', 1));
  });
  it('never grows past what goal/submit accepts', () => {
    const full = edit(at(''), { kind: 'insert', text: 'x'.repeat(MAX_LINE + 10) });
    expect(full.text.length).toBe(MAX_LINE);
  });
  it('shows a window of a long line around the cursor', () => {
    const long = at('abcdefghijklmnopqrstuvwxyz');
    const w = visibleWindow(long, 10);
    expect(w).toEqual({ before: 'rstuvwxyz', at: ' ', after: '' });
    const start = visibleWindow(at('abcdefghijklmnopqrstuvwxyz', 0), 10);
    expect(start).toEqual({ before: '', at: 'a', after: 'bcdefghij' });
    const mid = visibleWindow(at('abcdefghijklmnopqrstuvwxyz', 13), 8);
    expect(mid.before + mid.at + mid.after).toHaveLength(8);
    expect(mid.at).toBe('n');
  });
});
