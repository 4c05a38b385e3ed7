// Puts frames on the terminal by rewriting only the cells that changed, with cursor moves a
// vt100 understands (CUU/CUD/CUF/CUB, CR, BS, EL, ED, SGR). Ink lays the frame out; this
// writer decides the bytes, so one keystroke costs a few bytes, not a repaint, and an idle
// screen costs none. The live region never uses the last column (no pending-wrap surprises).
// Where the terminal has Insert/Delete Line (VT102 on), a band of rows that moved up (a pane
// streaming output) is scrolled in place, so only the new rows are written.
import { charWidth } from './text-width.js';

interface Cell {
  ch: string;
  /** Columns: 1, 2 for a wide character, 0 for the placeholder after one. */
  w: number;
  /** Canonical SGR parameters in effect ('' for none). */
  sgr: string;
}

type Row = Cell[];

const ESC = '\u001b';

interface Attrs {
  fg: string;
  bg: string;
  bold: string;
  italic: string;
  underline: string;
  inverse: string;
  strike: string;
}

const NO_ATTRS: Attrs = { fg: '', bg: '', bold: '', italic: '', underline: '', inverse: '', strike: '' };

function applySgr(attrs: Attrs, params: string): Attrs {
  const next = { ...attrs };
  const codes = params === '' ? [0] : params.split(';').map(Number);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i] ?? 0;
    if (c === 0) Object.assign(next, NO_ATTRS);
    else if (c === 1 || c === 2) next.bold = String(c);
    else if (c === 22) next.bold = '';
    else if (c === 3) next.italic = '3';
    else if (c === 23) next.italic = '';
    else if (c === 4) next.underline = '4';
    else if (c === 24) next.underline = '';
    else if (c === 7) next.inverse = '7';
    else if (c === 27) next.inverse = '';
    else if (c === 9) next.strike = '9';
    else if (c === 29) next.strike = '';
    else if ((c >= 30 && c <= 37) || (c >= 90 && c <= 97)) next.fg = String(c);
    else if (c === 39) next.fg = '';
    else if ((c >= 40 && c <= 47) || (c >= 100 && c <= 107)) next.bg = String(c);
    else if (c === 49) next.bg = '';
    else if (c === 38 || c === 48) {
      // Extended colours: keep them whole (5;n or 2;r;g;b).
      const len = codes[i + 1] === 5 ? 2 : codes[i + 1] === 2 ? 4 : 0;
      const value = codes.slice(i, i + 1 + len).join(';');
      if (c === 38) next.fg = value;
      else next.bg = value;
      i += len;
    }
  }
  return next;
}

function canonical(a: Attrs): string {
  return [a.bold, a.italic, a.underline, a.inverse, a.strike, a.fg, a.bg].filter((p) => p !== '').join(';');
}

/** Characters whose width terminals disagree on: lines holding them are rewritten whole. */
function isRisky(ch: string): boolean {
  const code = ch.codePointAt(0) ?? 0;
  return (
    charWidth(ch) !== 1 || (code >= 0x2600 && code <= 0x27bf) || code >= 0x1f000 || (code >= 0xfe00 && code <= 0xfe0f)
  );
}

export interface WriterOptions {
  /** Replace every non-ASCII character with '?': vt100-class lines and non-UTF-8 locales. */
  asciiOnly?: boolean;
  /** Wrap updates that touch several rows in DEC mode 2026 (synchronized output). */
  syncOutput?: boolean;
  /** The terminal has IL/DL: scroll moved bands instead of rewriting them. */
  scrollLines?: boolean;
  /**
   * The terminal's size now. A frame laid out for the size before a resize is clipped to it,
   * so no row wraps and the region never scrolls the screen: what the writer believes is on
   * the screen stays true, and the next frame (at the new size) corrects the rest.
   */
  size?: () => { columns: number; rows: number };
}

const SYNC_ON = `\u001b[?2026h`;
const SYNC_OFF = `\u001b[?2026l`;

/** One line of Ink output (text with SGR sequences) as cells. */
export function parseRow(text: string, asciiOnly = false): { cells: Row; risky: boolean } {
  const cells: Row = [];
  let attrs = NO_ATTRS;
  let sgr = '';
  let risky = false;
  // eslint-disable-next-line no-control-regex -- Ink's own SGR sequences are what is parsed here
  const pattern = /\u001b\[([0-9;]*)([A-Za-z])|\u001b[^[]?|([\s\S])/gu;
  for (const m of text.matchAll(pattern)) {
    if (m[3] === undefined) {
      if (m[2] === 'm') {
        attrs = applySgr(attrs, m[1] ?? '');
        sgr = canonical(attrs);
      }
      continue; // any other escape sequence is dropped, never passed through
    }
    const code = m[3].codePointAt(0) ?? 0;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) continue; // never reaches the terminal
    const ch = asciiOnly && code > 0x7e ? (charWidth(m[3]) === 0 ? '' : '?') : m[3];
    if (ch === '') continue;
    const w = charWidth(ch);
    if (isRisky(ch)) risky = true;
    if (w === 0) continue;
    cells.push({ ch, w, sgr });
    if (w === 2) cells.push({ ch: '', w: 0, sgr });
  }
  while (cells.length > 0 && cells[cells.length - 1]?.ch === ' ' && cells[cells.length - 1]?.sgr === '') cells.pop();
  return { cells, risky };
}

/** What the writer believes is on the screen, and where the cursor is. */
interface CursorModel {
  rows: Row[];
  height: number;
  row: number;
  col: number;
  sgr: string;
}

/** Bytes on the wire: the tty turns each line feed into CR LF (ONLCR), so count it twice. */
function wireBytes(s: string): number {
  let n = s.length;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** The shortest move along the row from column `from` (-1: not known) to `to`. */
function horizontal(from: number, to: number): string {
  if (from === to) return '';
  const viaCr = to === 0 ? '\r' : `\r${ESC}[${to === 1 ? '' : to}C`;
  if (from === -1) return viaCr;
  const d = to - from;
  const rel = d < 0 ? (-d <= 3 ? '\b'.repeat(-d) : `${ESC}[${-d}D`) : `${ESC}[${d === 1 ? '' : d}C`;
  return rel.length <= viaCr.length ? rel : viaCr;
}

/**
 * The runs of cells that differ between two versions of a row, as [from, to) column spans;
 * cells past the end of the new row are not included (the caller erases them). Runs closer
 * than a cursor move costs are joined: rewriting a few same cells is cheaper than jumping them.
 */
export function changedSpans(prev: readonly Cell[], cells: readonly Cell[]): { from: number; to: number }[] {
  const spans: { from: number; to: number }[] = [];
  const JOIN = 4;
  let i = 0;
  while (i < cells.length) {
    if (sameCell(cells[i], prev[i])) {
      i++;
      continue;
    }
    let from = i;
    while (from > 0 && cells[from]?.w === 0) from--; // never start on half a wide character
    let to = i + 1;
    while (to < cells.length && (!sameCell(cells[to], prev[to]) || cells[to]?.w === 0)) to++;
    const last = spans[spans.length - 1];
    if (
      last !== undefined &&
      from - last.to <= JOIN &&
      cells.slice(last.to, from).every((c) => c.sgr === cells[last.to - 1]?.sgr)
    )
      last.to = to;
    else spans.push({ from, to });
    i = to;
  }
  return spans;
}

function sameCell(a: Cell | undefined, b: Cell | undefined): boolean {
  return a !== undefined && b !== undefined && a.ch === b.ch && a.sgr === b.sgr;
}

export class FrameWriter {
  private rows: Row[] = [];
  /** Rows of the terminal the region has used (some may be blank after shrinking). */
  private height = 0;
  private row = 0;
  /** Cursor column, or -1 when not known (after writing a line with risky characters). */
  private col = 0;
  private sgr = '';
  private started = false;
  private suspended = false;

  constructor(
    private readonly write: (data: string) => void,
    private readonly options: WriterOptions = {},
  ) {}

  /** Rows of text as cells, clipped to the terminal's size now. */
  private parseRows(texts: string[]): { cells: Row; risky: boolean }[] {
    const next = texts.map((text) => parseRow(text, this.options.asciiOnly === true));
    const size = this.options.size?.();
    if (size === undefined) return next;
    const maxCols = Math.max(1, size.columns - 1);
    return next.slice(0, Math.max(1, size.rows - 1)).map((row) => {
      if (row.cells.reduce((w, c) => w + c.w, 0) <= maxCols) return row;
      const cells: Cell[] = [];
      let w = 0;
      for (const c of row.cells) {
        if (w + Math.max(1, c.w) > maxCols) break;
        cells.push(c);
        w += c.w;
      }
      while (cells.length > 0 && cells[cells.length - 1]?.w === 2) cells.pop(); // never half a wide character
      return { cells, risky: row.risky };
    });
  }

  /** Writes what changed; returns the number of bytes written. */
  render(frame: string): number {
    if (this.suspended) return 0;
    const next = this.parseRows(frame.split('\n'));
    let out = this.started ? '' : `\r${ESC}[?25l`;
    if (!this.started) this.height = 1;
    this.started = true;
    const rows = next.map((n) => n.cells);
    const risky = next.map((n) => n.risky);
    if (this.options.scrollLines === true) {
      // Scrolling a band and writing only its new rows usually wins, but not always (a few
      // lines moved under many that changed little): both are composed, the shorter is sent.
      const before = this.snapshot();
      const scrolled = this.scrollMoved(rows);
      if (scrolled === '') out += this.diffRows(rows, risky);
      else {
        const viaScroll = scrolled + this.diffRows(rows, risky);
        const afterScroll = this.snapshot();
        this.restore(before);
        const inPlace = this.diffRows(rows, risky);
        if (wireBytes(viaScroll) < wireBytes(inPlace)) {
          this.restore(afterScroll);
          out += viaScroll;
        } else out += inPlace;
      }
    } else out += this.diffRows(rows, risky);
    if (next.length < this.height && this.rows.length > next.length) {
      out += `${this.moveTo(next.length, 0)}${ESC}[J`;
    }
    this.rows = rows;
    return this.send(out);
  }

  /**
   * Replaces a band of rows that ends `below` rows above the region's last row, without a
   * frame: a key's echo, written before its frame is laid out. Only when the screen shows
   * exactly `expected` there (otherwise the band is not where the caller thinks, and nothing is
   * written: null). The frame that follows finds these cells already right.
   */
  patch(expected: string[], rows: string[], below: number): number | null {
    if (this.suspended || !this.started || expected.length !== rows.length) return null;
    const top = this.rows.length - below - rows.length;
    if (top < 0) return null;
    const was = this.parseRows(expected);
    const now = this.parseRows(rows);
    if (was.length !== rows.length || now.length !== rows.length || [...was, ...now].some((r) => r.risky)) return null;
    const shown = was.every((r, i) => {
      const held = this.rows[top + i];
      return held !== undefined && held.length === r.cells.length && r.cells.every((c, j) => sameCell(c, held[j]));
    });
    if (!shown) return null;
    const next = [...this.rows];
    now.forEach((r, i) => {
      next[top + i] = r.cells;
    });
    const out = this.diffRows(
      next,
      next.map(() => false),
      top,
    );
    this.rows = next;
    return this.send(out);
  }

  private send(data: string): number {
    if (data === '') return 0;
    // Several rows at once appear at once where the terminal can hold them back (mode 2026).
    const out = this.options.syncOutput === true && data.length > 64 ? `${SYNC_ON}${data}${SYNC_OFF}` : data;
    this.write(out);
    return Buffer.byteLength(out);
  }

  private snapshot(): CursorModel {
    return { rows: this.rows, height: this.height, row: this.row, col: this.col, sgr: this.sgr };
  }

  private restore(m: CursorModel): void {
    this.rows = m.rows;
    this.height = m.height;
    this.row = m.row;
    this.col = m.col;
    this.sgr = m.sgr;
  }

  /** The bytes that turn the rows on the screen (this.rows) into `next`, row by row from `from`. */
  private diffRows(next: Row[], risky: boolean[], from = 0): string {
    let out = '';
    for (let r = from; r < next.length; r++) {
      const cells = next[r] ?? [];
      const prev = this.rows[r];
      if (prev !== undefined && prev.length === cells.length && cells.every((c, i) => sameCell(c, prev[i]))) continue;
      // A row with characters of disputed width is written whole, from its start.
      const spans =
        prev === undefined || risky[r] === true ? [{ from: 0, to: cells.length }] : changedSpans(prev, cells);
      for (const { from, to } of spans) {
        out += this.moveTo(r, from);
        out += this.cellsText(cells, from, to, risky[r] === true);
      }
      if (this.sgr !== '') {
        out += `${ESC}[m`;
        this.sgr = '';
      }
      // After a risky row the terminal's cursor is wherever its widths put it: erase from there.
      if (prev !== undefined && risky[r] === true) out += `${ESC}[K`;
      else if (prev !== undefined && prev.length > cells.length) out += `${this.moveTo(r, cells.length)}${ESC}[K`;
    }
    return out;
  }

  private cellsText(cells: Row, from: number, to: number, risky: boolean): string {
    let out = '';
    for (let i = from; i < to; i++) {
      const cell = cells[i];
      if (cell === undefined || cell.w === 0) continue;
      if (cell.sgr !== this.sgr) {
        out += `${ESC}[${cell.sgr === '' ? '' : `0;${cell.sgr}`}m`;
        this.sgr = cell.sgr;
      }
      out += cell.ch;
      this.col = risky ? -1 : this.col + cell.w;
    }
    return out;
  }

  /**
   * Finds the longest band of rows that moved up by k (new row r = old row r+k) and scrolls it
   * with Delete Line at its top and Insert Line below it, which leaves the rows under the band
   * where they were. The model is updated so the diff that follows writes only the new rows.
   */
  private scrollMoved(next: Row[]): string {
    const prev = this.rows;
    const n = Math.min(prev.length, next.length, this.height);
    if (n < 4) return '';
    const key = (row: Row | undefined): string => (row ?? []).map((c) => `${c.sgr}\u0000${c.ch}`).join('\u0001');
    const oldKeys = prev.slice(0, n).map(key);
    const newKeys = next.slice(0, n).map(key);
    let best = { top: 0, len: 0, k: 0 };
    for (let k = 1; k < Math.min(n, 64); k++) {
      let run = 0;
      for (let r = 0; r + k < n; r++) {
        const moved = newKeys[r] === oldKeys[r + k] && newKeys[r] !== oldKeys[r] && (newKeys[r] ?? '') !== '';
        run = moved ? run + 1 : 0;
        if (run > best.len) best = { top: r - run + 1, len: run, k };
      }
    }
    // Worth it only when it saves whole rows of text.
    if (best.len < 3) return '';
    const { top, len, k } = best;
    let out = `${this.moveTo(top, 0)}${ESC}[${k === 1 ? '' : k}M${this.moveTo(top + len, 0)}${ESC}[${k === 1 ? '' : k}L`;
    this.col = -1; // IL/DL put the cursor at the margin on some terminals, not on others
    const rows = [...prev];
    for (let r = top; r < top + len; r++) rows[r] = prev[r + k] ?? [];
    for (let r = top + len; r < top + len + k; r++) rows[r] = [];
    this.rows = rows;
    if (this.sgr !== '') {
      out = `${ESC}[m${out}`;
      this.sgr = '';
    }
    return out;
  }

  /** While another program owns the terminal (nothing is written); resume redraws whole. */
  suspend(): void {
    this.suspended = true;
  }

  resume(): void {
    this.suspended = false;
    this.invalidate();
  }

  /**
   * After a resize: the terminal may have reflowed what was drawn, so where the region is can
   * no longer be known. Start again from the top of a cleared screen; the next frame is drawn
   * whole. (The only time the writer clears the screen.)
   */
  invalidate(): void {
    if (!this.started) return;
    this.write(`${ESC}[H${ESC}[J`);
    this.rows = [];
    this.height = 1;
    this.row = 0;
    this.col = 0;
    this.sgr = '';
  }

  /** Leaves the cursor on a fresh line below the region, visible again. */
  finish(): void {
    if (!this.started) return;
    const last = Math.max(0, this.rows.length - 1);
    this.write(`${this.moveTo(last, 0)}\r\n${ESC}[?25h`);
    this.started = false;
    this.rows = [];
  }

  private moveTo(r: number, c: number): string {
    let out = '';
    if (r >= this.height) {
      out += this.vertical(this.height - 1);
      while (this.height <= r) {
        out += '\r\n';
        this.height++;
        this.row++;
        this.col = 0;
      }
    }
    // One row down to a row the region already has (so a line feed cannot scroll the screen):
    // CR LF and a move right can be shorter than a move down and one across.
    if (r === this.row + 1 && r < this.height) {
      const viaCrLf = `\r\n${horizontal(0, c)}`;
      const viaDown = `${ESC}[B${horizontal(this.col, c)}`;
      this.row = r;
      const best = wireBytes(viaCrLf) <= wireBytes(viaDown) ? viaCrLf : viaDown;
      this.col = c;
      return out + best;
    }
    out += this.vertical(r);
    out += horizontal(this.col, c);
    this.col = c;
    return out;
  }

  private vertical(r: number): string {
    const d = r - this.row;
    this.row = r;
    if (d === 0) return '';
    const n = Math.abs(d) === 1 ? '' : String(Math.abs(d));
    return `${ESC}[${n}${d < 0 ? 'A' : 'B'}`;
  }
}
