// A headless terminal's screen with its styles: each row as text, with a marker wherever the
// style changes (reverse video, bold, colour). Two screens are the same to a person only when
// these are equal: the text alone would not show where the cursor's reverse-video cell is.
import type xterm from '@xterm/headless';

function styleOf(cell: xterm.IBufferCell): string {
  const parts: string[] = [];
  if (cell.isInverse() !== 0) parts.push('rev');
  if (cell.isBold() !== 0) parts.push('bold');
  if (cell.isDim() !== 0) parts.push('dim');
  if (!cell.isFgDefault()) parts.push(`fg${cell.getFgColorMode()}:${cell.getFgColor()}`);
  if (!cell.isBgDefault()) parts.push(`bg${cell.getBgColorMode()}:${cell.getBgColor()}`);
  return parts.join(',');
}

export function styledRows(term: xterm.Terminal): string[] {
  const buf = term.buffer.active;
  const rows: string[] = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buf.getLine(buf.viewportY + y);
    let text = '';
    let style = '';
    for (let x = 0; line !== undefined && x < term.cols; x++) {
      const cell = line.getCell(x);
      if (cell === undefined || cell.getWidth() === 0) continue;
      const s = styleOf(cell);
      if (s !== style) text += `{${s}}`;
      style = s;
      text += cell.getChars() === '' ? ' ' : cell.getChars();
    }
    rows.push(style === '' ? text.replace(/ +$/, '') : text);
  }
  return rows;
}
