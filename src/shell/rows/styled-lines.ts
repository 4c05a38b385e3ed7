// The shell draws rows, not paragraphs: every view is built as a list of Lines, each exactly
// one terminal row, so the live region's height is known before Ink lays it out.
import { sanitize } from '../../text/sanitize.js';
import { fold, textWidth, truncate } from '../terminal/text-width.js';

export type Tone = 'accent' | 'ok' | 'warn' | 'danger' | 'muted';

export interface Segment {
  text: string;
  tone?: Tone;
  bold?: boolean;
  inverse?: boolean;
}

export type Line = Segment[];

export function seg(text: string, style: Omit<Segment, 'text'> = {}): Segment {
  return { text, ...style };
}

export function line(text: string, style: Omit<Segment, 'text'> = {}): Line {
  return [seg(text, style)];
}

/**
 * Untrusted multi-line text (program output, previews, daemon messages) as rows of at most
 * `width` columns: control characters become visible tokens first, then long rows fold.
 */
export function textRows(untrusted: string, width: number): string[] {
  const rows: string[] = [];
  const clean = sanitize(untrusted).replace(/\n$/, '');
  for (const raw of clean.split('\n')) rows.push(...fold(raw, width));
  return rows;
}

/** The last `count` rows, with a marker row first when some were cut. */
export function tailRows(rows: string[], count: number, more: (n: number) => string): string[] {
  if (count <= 0) return [];
  if (rows.length <= count) return rows;
  if (count === 1) return rows.slice(-1);
  return [more(rows.length - count + 1), ...rows.slice(-(count - 1))];
}

/** The first `count` rows, with a marker row last when some were cut. */
export function headRows(rows: string[], count: number, more: (n: number) => string): string[] {
  if (count <= 0) return [];
  if (rows.length <= count) return rows;
  if (count === 1) return rows.slice(0, 1);
  return [...rows.slice(0, count - 1), more(rows.length - count + 1)];
}

/** Cuts a line to `width` columns, sanitising every segment on the way (defence in depth). */
export function fitLine(l: Line, width: number, ellipsis: string): Line {
  const out: Line = [];
  let room = width;
  for (const s of l) {
    if (room <= 0) break;
    const text = sanitize(s.text, { singleLine: true });
    const w = textWidth(text);
    if (w <= room) {
      out.push({ ...s, text });
      room -= w;
      continue;
    }
    out.push({ ...s, text: truncate(text, room, ellipsis) });
    break;
  }
  return out;
}
