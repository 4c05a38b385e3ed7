// Draws a headless terminal's screen (@xterm/headless) as an SVG: each cell's character in its
// colours, bold, dim and reverse video as the terminal shows them, so the README's screenshot is
// the TUI's real output rather than a drawing of it.

const CELL_W = 8.4;
const CELL_H = 18;
const FONT_SIZE = 14;
const PAD = 10;
const BACKGROUND = '#1e1e1e';
const FOREGROUND = '#d4d4d4';

// xterm's default 16 colours.
const ANSI16 = [
  '#000000',
  '#cd3131',
  '#0dbc79',
  '#e5e510',
  '#2472c8',
  '#bc3fbc',
  '#11a8cd',
  '#e5e5e5',
  '#666666',
  '#f14c4c',
  '#23d18b',
  '#f5f543',
  '#3b8eea',
  '#d670d6',
  '#29b8db',
  '#ffffff',
];

const hex = (n) => n.toString(16).padStart(2, '0');

/** The 256-colour palette: 16 ANSI, a 6x6x6 cube, 24 greys. */
export function paletteColour(i) {
  if (i < 16) return ANSI16[i];
  if (i < 232) {
    const c = i - 16;
    const level = (v) => (v === 0 ? 0 : 55 + v * 40);
    return `#${hex(level(Math.floor(c / 36)))}${hex(level(Math.floor(c / 6) % 6))}${hex(level(c % 6))}`;
  }
  const g = 8 + (i - 232) * 10;
  return `#${hex(g)}${hex(g)}${hex(g)}`;
}

function colour(cell, which) {
  const isDefault = which === 'fg' ? cell.isFgDefault() : cell.isBgDefault();
  if (isDefault) return undefined;
  const value = which === 'fg' ? cell.getFgColor() : cell.getBgColor();
  const rgb = which === 'fg' ? cell.isFgRGB() : cell.isBgRGB();
  return rgb ? `#${hex((value >> 16) & 255)}${hex((value >> 8) & 255)}${hex(value & 255)}` : paletteColour(value);
}

function styleOf(cell) {
  let fg = colour(cell, 'fg') ?? FOREGROUND;
  let bg = colour(cell, 'bg');
  if (cell.isInverse() !== 0) [fg, bg] = [bg ?? BACKGROUND, fg];
  return { fg, bg, bold: cell.isBold() !== 0, dim: cell.isDim() !== 0, underline: cell.isUnderline() !== 0 };
}

const sameStyle = (a, b) =>
  a.fg === b.fg && a.bg === b.bg && a.bold === b.bold && a.dim === b.dim && a.underline === b.underline;

const escapeXml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Runs of cells with one style on one row: { x, style, text, width } with x and width in cells. */
function runsOf(line, cols) {
  const runs = [];
  for (let x = 0; x < cols; x++) {
    const cell = line.getCell(x);
    if (cell === undefined || cell.getWidth() === 0) continue;
    const style = styleOf(cell);
    const chars = cell.getChars() === '' ? ' ' : cell.getChars();
    const last = runs[runs.length - 1];
    if (last !== undefined && sameStyle(last.style, style) && last.x + last.width === x) {
      last.text += chars;
      last.width += cell.getWidth();
    } else runs.push({ x, style, text: chars, width: cell.getWidth() });
  }
  return runs;
}

/** The number of rows down to the last one that shows anything (the TUI may leave the rest empty). */
function usedRows(term) {
  const buf = term.buffer.active;
  for (let y = term.rows; y > 0; y--) {
    const line = buf.getLine(buf.viewportY + y - 1);
    if (line === undefined) continue;
    for (let x = 0; x < term.cols; x++) {
      const cell = line.getCell(x);
      if (cell !== undefined && (cell.getChars().trim() !== '' || !cell.isBgDefault() || cell.isInverse() !== 0))
        return y;
    }
  }
  return 1;
}

/** The terminal's visible screen, cut below its last used row, as an SVG document (a string). */
export function terminalSvg(term, { title = 'aiOS' } = {}) {
  const rows = usedRows(term);
  const width = Math.round(term.cols * CELL_W + 2 * PAD);
  const height = Math.round(rows * CELL_H + 2 * PAD);
  const buf = term.buffer.active;
  const backgrounds = [];
  const texts = [];
  for (let y = 0; y < rows; y++) {
    const line = buf.getLine(buf.viewportY + y);
    if (line === undefined) continue;
    const top = PAD + y * CELL_H;
    for (const run of runsOf(line, term.cols)) {
      const left = (PAD + run.x * CELL_W).toFixed(1);
      if (run.style.bg !== undefined)
        backgrounds.push(
          `<rect x="${left}" y="${top}" width="${(run.width * CELL_W).toFixed(1)}" height="${CELL_H}" fill="${run.style.bg}"/>`,
        );
      const text = run.text.trimEnd();
      if (text === '') continue;
      const textWidth = run.width - (run.text.length - text.length);
      const attrs = [`x="${left}"`, `y="${top + 13}"`, `fill="${run.style.fg}"`];
      if (run.style.bold) attrs.push('font-weight="bold"');
      if (run.style.dim) attrs.push('opacity="0.6"');
      if (run.style.underline) attrs.push('text-decoration="underline"');
      attrs.push(`textLength="${(textWidth * CELL_W).toFixed(1)}"`, 'lengthAdjust="spacingAndGlyphs"');
      texts.push(`<text ${attrs.join(' ')}>${escapeXml(text)}</text>`);
    }
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" rx="6" fill="${BACKGROUND}"/>`,
    ...backgrounds,
    `<g font-family="'DejaVu Sans Mono', 'Cascadia Mono', Menlo, Consolas, monospace" font-size="${FONT_SIZE}" xml:space="preserve">`,
    ...texts,
    '</g>',
    '</svg>',
    '',
  ].join('\n');
}
