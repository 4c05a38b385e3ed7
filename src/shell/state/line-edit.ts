// Editing one input line, readline-style. The cursor counts code points, never halves of a
// surrogate pair, so emoji and CJK move and delete as one character.

export interface EditLine {
  text: string;
  cursor: number;
}

export type LineEdit =
  | { kind: 'insert'; text: string }
  | { kind: 'left' }
  | { kind: 'right' }
  | { kind: 'home' }
  | { kind: 'end' }
  | { kind: 'deleteBack' }
  | { kind: 'deleteForward' }
  | { kind: 'killToEnd' }
  | { kind: 'killToStart' }
  | { kind: 'killWordBack' }
  | { kind: 'killWordForward' }
  | { kind: 'wordLeft' }
  | { kind: 'wordRight' }
  | { kind: 'transpose' }
  | { kind: 'lineUp' }
  | { kind: 'lineDown' }
  | { kind: 'clear' };

/** An edit's result; `killed` is text cut by it, for Ctrl-Y to put back. */
export interface Edited extends EditLine {
  killed?: string;
}

const isWord = (ch: string | undefined): boolean => ch !== undefined && !/\s/u.test(ch);

function wordStart(chars: string[], at: number): number {
  let i = at;
  while (i > 0 && !isWord(chars[i - 1])) i--;
  while (i > 0 && isWord(chars[i - 1])) i--;
  return i;
}

function wordEnd(chars: string[], at: number): number {
  let i = at;
  while (i < chars.length && !isWord(chars[i])) i++;
  while (i < chars.length && isWord(chars[i])) i++;
  return i;
}

/** Row and column of the cursor in multi-line text (rows split at newlines). */
export function cursorRowCol(line: EditLine): { row: number; col: number; rows: string[][] } {
  const rows = line.text.split('\n').map((r) => Array.from(r));
  let left = Math.max(0, line.cursor);
  for (let row = 0; row < rows.length; row++) {
    const len = rows[row]?.length ?? 0;
    if (left <= len) return { row, col: left, rows };
    left -= len + 1;
  }
  const last = rows.length - 1;
  return { row: last, col: rows[last]?.length ?? 0, rows };
}

function offsetOf(rows: string[][], row: number, col: number): number {
  let at = 0;
  for (let r = 0; r < row; r++) at += (rows[r]?.length ?? 0) + 1;
  return at + Math.min(col, rows[row]?.length ?? 0);
}

/** goal/submit accepts at most this many characters. */
export const MAX_LINE = 8192;

export const EMPTY_LINE: EditLine = { text: '', cursor: 0 };

export function applyEdit(line: EditLine, edit: LineEdit): Edited {
  const chars = Array.from(line.text);
  const at = Math.min(Math.max(0, line.cursor), chars.length);
  const make = (next: string[], cursor: number, killed?: string): Edited =>
    killed === undefined || killed === '' ? { text: next.join(''), cursor } : { text: next.join(''), cursor, killed };
  switch (edit.kind) {
    case 'insert': {
      const add = Array.from(edit.text).slice(0, Math.max(0, MAX_LINE - chars.length));
      return make([...chars.slice(0, at), ...add, ...chars.slice(at)], at + add.length);
    }
    case 'left':
      return { text: line.text, cursor: Math.max(0, at - 1) };
    case 'right':
      return { text: line.text, cursor: Math.min(chars.length, at + 1) };
    case 'home':
      return { text: line.text, cursor: 0 };
    case 'end':
      return { text: line.text, cursor: chars.length };
    case 'deleteBack':
      return at === 0 ? line : make([...chars.slice(0, at - 1), ...chars.slice(at)], at - 1);
    case 'deleteForward':
      return at === chars.length ? line : make([...chars.slice(0, at), ...chars.slice(at + 1)], at);
    case 'killToEnd':
      return make(chars.slice(0, at), at, chars.slice(at).join(''));
    case 'killToStart':
      return make(chars.slice(at), 0, chars.slice(0, at).join(''));
    case 'killWordBack': {
      const start = wordStart(chars, at);
      return make([...chars.slice(0, start), ...chars.slice(at)], start, chars.slice(start, at).join(''));
    }
    case 'killWordForward': {
      const end = wordEnd(chars, at);
      return make([...chars.slice(0, at), ...chars.slice(end)], at, chars.slice(at, end).join(''));
    }
    case 'wordLeft':
      return { text: line.text, cursor: wordStart(chars, at) };
    case 'wordRight':
      return { text: line.text, cursor: wordEnd(chars, at) };
    case 'transpose': {
      // As in Emacs: swap the characters around the cursor (the last two at the end of the line).
      if (chars.length < 2 || at === 0) return line;
      const i = at === chars.length ? at - 1 : at;
      const next = [...chars];
      [next[i - 1], next[i]] = [chars[i] ?? '', chars[i - 1] ?? ''];
      return make(next, Math.min(chars.length, i + 1));
    }
    case 'lineUp':
    case 'lineDown': {
      const { row, col, rows } = cursorRowCol({ text: line.text, cursor: at });
      const target = row + (edit.kind === 'lineUp' ? -1 : 1);
      if (target < 0 || target >= rows.length) return line;
      return { text: line.text, cursor: offsetOf(rows, target, col) };
    }
    case 'clear':
      return EMPTY_LINE;
  }
}

/**
 * The part of the line that fits in `width` columns around the cursor, as the text before
 * the cursor, the character under it (a space at the end) and the text after.
 */
export function visibleWindow(line: EditLine, width: number): { before: string; at: string; after: string } {
  const chars = Array.from(line.text);
  const cursor = Math.min(Math.max(0, line.cursor), chars.length);
  const room = Math.max(1, width);
  const start = Math.max(0, Math.min(cursor - Math.floor(room * 0.75), chars.length + 1 - room));
  const view = chars.slice(start, start + room);
  const rel = cursor - start;
  return {
    before: view.slice(0, rel).join(''),
    at: view[rel] ?? ' ',
    after: view.slice(rel + 1).join(''),
  };
}
