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
  | { kind: 'clear' };

/** goal/submit accepts at most this many characters. */
export const MAX_LINE = 8192;

export const EMPTY_LINE: EditLine = { text: '', cursor: 0 };

export function applyEdit(line: EditLine, edit: LineEdit): EditLine {
  const chars = Array.from(line.text);
  const at = Math.min(Math.max(0, line.cursor), chars.length);
  const make = (next: string[], cursor: number): EditLine => ({ text: next.join(''), cursor });
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
      return make(chars.slice(0, at), at);
    case 'killToStart':
      return make(chars.slice(at), 0);
    case 'killWordBack': {
      let start = at;
      while (start > 0 && /\s/u.test(chars[start - 1] ?? '')) start--;
      while (start > 0 && !/\s/u.test(chars[start - 1] ?? '')) start--;
      return make([...chars.slice(0, start), ...chars.slice(at)], start);
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
