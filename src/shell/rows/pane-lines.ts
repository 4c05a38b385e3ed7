// Agent panes as rows: a grid of panes (one per agent), each a title row and the lines of its
// scrollback that are on screen. Only the visible rows are built, walking back from the pane's
// bottom line, so the cost follows the pane's height, never the length of its history.
import { sanitize } from '../../text/sanitize.js';
import { ringLength, ringLine } from '../state/line-ring.js';
import type { Pane, PaneBook } from '../state/panes.js';
import { line, seg, type Line, type Segment } from './styled-lines.js';
import type { TerminalCaps } from '../terminal/terminal-caps.js';
import { fold, textWidth } from '../terminal/text-width.js';

export interface PanesInput {
  panes: PaneBook;
  active: boolean;
  height: number;
  width: number;
  caps: TerminalCaps;
}

const MIN_PANE_ROWS = 4;
const MIN_PANE_COLS = 30;

/** Rows of one pane's body: its bottom `rows` rows, long lines folded, matches highlighted. */
export function paneBody(pane: Pane, rows: number, width: number): Line[] {
  if (rows <= 0 || width <= 0) return [];
  const n = ringLength(pane.ring);
  const bottom = n - 1 - pane.scroll;
  const query = pane.search?.query.toLowerCase() ?? '';
  const out: Line[] = [];
  for (let i = bottom; i >= 0 && out.length < rows; i--) {
    const text = sanitize(ringLine(pane.ring, i));
    const folded = fold(text, width);
    const matched = query !== '' && text.toLowerCase().includes(query);
    const lines = folded.map((r): Line => (matched ? highlight(r, query, i === pane.search?.line) : [seg(r)]));
    for (let j = lines.length - 1; j >= 0 && out.length < rows; j--) out.push(lines[j] ?? []);
  }
  out.reverse();
  while (out.length < rows) out.push([]);
  return out;
}

function highlight(row: string, query: string, current: boolean): Line {
  const lower = row.toLowerCase();
  const out: Segment[] = [];
  let at = 0;
  for (let i = lower.indexOf(query); i !== -1; i = lower.indexOf(query, i + query.length)) {
    if (i > at) out.push(seg(row.slice(at, i)));
    out.push(seg(row.slice(i, i + query.length), { inverse: true, ...(current ? { tone: 'warn' as const } : {}) }));
    at = i + query.length;
  }
  if (at < row.length) out.push(seg(row.slice(at)));
  return out;
}

function title(pane: Pane, focused: boolean, active: boolean, width: number, caps: TerminalCaps): Line {
  const state = pane.busy ? `busy ${pane.tool ?? ''}`.trim() : 'idle';
  const where = pane.scroll > 0 ? ` ${caps.glyphs.up}${pane.scroll}` : '';
  const search =
    pane.search === null
      ? ''
      : pane.search.line === null
        ? ` /${pane.search.query}: no match`
        : ` /${pane.search.query}`;
  const text = `${focused ? caps.glyphs.pointer : ' '} ${pane.agent} ${caps.glyphs.sep} ${state}${where}${search} `;
  const rule = caps.glyphs.hbar.repeat(Math.max(0, width - textWidth(text)));
  return [
    seg(text, { bold: focused, inverse: focused && active, tone: pane.busy ? 'accent' : 'muted' }),
    seg(rule, { tone: 'muted' }),
  ];
}

function pad(l: Line, width: number): Line {
  const used = textWidth(l.map((s) => s.text).join(''));
  return used >= width ? l : [...l, seg(' '.repeat(width - used))];
}

/** How many columns and rows of panes fit. */
export function gridShape(count: number, width: number, height: number): { cols: number; rows: number } {
  if (count === 0) return { cols: 0, rows: 0 };
  const cols = Math.max(1, Math.min(count, Math.floor((width + 1) / (MIN_PANE_COLS + 1)), 3));
  const rows = Math.max(1, Math.min(Math.ceil(count / cols), Math.floor(height / MIN_PANE_ROWS)));
  return { cols, rows };
}

export function paneLines({ panes, active, height, width, caps }: PanesInput): Line[] {
  if (height <= 0) return [];
  if (panes.order.length === 0) {
    return [
      line('No agent has worked yet. Approve a plan and its agents appear here, one pane each.'),
      line('2 or F3 shows this view; h/l change pane, z zooms, / searches, g/G oldest/newest.', { tone: 'muted' }),
    ].slice(0, height);
  }
  const focusedAgent = panes.focused ?? panes.order[0] ?? null;
  const shown = panes.zoomed && focusedAgent !== null ? [focusedAgent] : [...panes.order];
  const { cols, rows } = gridShape(shown.length, width, height);
  // Not every pane fits: keep a window of them that includes the focused one.
  const fit = cols * rows;
  const at = Math.max(0, shown.indexOf(focusedAgent ?? ''));
  const start = Math.max(0, Math.min(at - fit + 1, shown.length - fit, at));
  const visible = shown.slice(Math.max(0, start), Math.max(0, start) + fit);
  const hidden = shown.length - visible.length;
  const cellWidth = Math.floor((width - (cols - 1)) / cols);
  const usable = height - (hidden > 0 ? 1 : 0);
  const out: Line[] = [];
  for (let r = 0; r < rows; r++) {
    const cellHeight = Math.floor(usable / rows) + (r < usable % rows ? 1 : 0);
    const cells = visible.slice(r * cols, r * cols + cols).map((agent) => {
      const pane = panes.byAgent[agent];
      if (pane === undefined) return [];
      return [
        title(pane, agent === focusedAgent, active, cellWidth, caps),
        ...paneBody(pane, cellHeight - 1, cellWidth),
      ];
    });
    for (let y = 0; y < cellHeight; y++) {
      const row: Line = [];
      cells.forEach((cell, c) => {
        if (c > 0) row.push(seg(caps.glyphs.vbar, { tone: 'muted' }));
        row.push(...(c < cells.length - 1 ? pad(cell[y] ?? [], cellWidth) : (cell[y] ?? [])));
      });
      out.push(row);
    }
  }
  if (hidden > 0)
    out.push(
      line(`${caps.glyphs.ellipsis}${hidden} more pane${hidden === 1 ? '' : 's'}: h/l to move, z to zoom`, {
        tone: 'muted',
      }),
    );
  return out.slice(0, height);
}
