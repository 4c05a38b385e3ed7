// The escape hatch pane: a title that says it is a real, recorded shell, then the screen of
// the headless terminal the shell's output was fed to — characters only, the cursor inverse.
import type { HatchState } from '../state/hatch-state.js';
import { line, seg, type Line } from './styled-lines.js';
import type { TerminalCaps } from '../terminal/terminal-caps.js';
import { textWidth } from '../terminal/text-width.js';

export function hatchLines(
  hatch: HatchState | null,
  active: boolean,
  height: number,
  width: number,
  caps: TerminalCaps,
): Line[] {
  if (height <= 0) return [];
  if (hatch === null)
    return [
      line('The escape hatch: a real shell, run and recorded by aiosd. Press 7 or F8 to open it.', { tone: 'muted' }),
    ];
  const state =
    hatch.ended !== null
      ? `ended: ${hatch.ended} ${caps.glyphs.dash} 7 opens a new one`
      : hatch.id === null
        ? `opening${caps.glyphs.ellipsis}`
        : active
          ? 'Ctrl-] leaves the pane'
          : 'Enter the pane with 7';
  const text = ` escape hatch ${caps.glyphs.sep} real shell, audited and recorded ${caps.glyphs.sep} ${state} `;
  const title: Line = [
    seg(text, { inverse: true, bold: true, tone: 'warn' }),
    seg(caps.glyphs.hbar.repeat(Math.max(0, width - textWidth(text))), { tone: 'muted' }),
  ];
  const rows = hatch.rows.slice(0, height - 1).map((r, y): Line => {
    const cur = active && hatch.cursor !== null && hatch.cursor.y === y ? hatch.cursor.x : -1;
    if (cur < 0) return [seg(r)];
    const chars = Array.from(r.padEnd(cur + 1));
    return [
      seg(chars.slice(0, cur).join('')),
      seg(chars[cur] ?? ' ', { inverse: true }),
      seg(chars.slice(cur + 1).join('')),
    ];
  });
  return [title, ...rows];
}
