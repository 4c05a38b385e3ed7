// A selectable list in a fixed number of rows: the window scrolls to keep the selection in
// view, with "↑ N more" / "↓ N more" markers when items are cut.
import { line, seg, type Line } from './styled-lines.js';
import type { TerminalCaps } from '../terminal/terminal-caps.js';

export function listWindow(
  items: readonly Line[],
  selected: number,
  height: number,
  active: boolean,
  caps: TerminalCaps,
): Line[] {
  if (height <= 0) return [];
  const n = items.length;
  const mark = (l: Line, i: number): Line => {
    const sel = i === selected;
    return [
      seg(sel ? `${caps.glyphs.pointer} ` : '  ', { bold: sel }),
      ...l.map((s) => (sel && active ? { ...s, inverse: true } : s)),
    ];
  };
  if (n <= height) return items.map(mark);
  const room = Math.max(1, height - 2);
  const start = Math.max(0, Math.min(selected - Math.floor(room / 2), n - room));
  const out: Line[] = [];
  out.push(start > 0 ? line(`  ${caps.glyphs.up} ${start} more`, { tone: 'muted' }) : []);
  for (let i = start; i < Math.min(n, start + room); i++) out.push(mark(items[i] ?? [], i));
  const below = n - start - room;
  out.push(below > 0 ? line(`  ${caps.glyphs.down} ${below} more`, { tone: 'muted' }) : []);
  return out.slice(0, height);
}
