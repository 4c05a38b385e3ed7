// Rows as terminal text with SGR styling, without Ink: used for the first frame, which must be
// on the screen before Ink and React have even loaded.
import { fitLine, type Line, type Segment } from '../rows/styled-lines.js';
import type { TerminalCaps } from './terminal-caps.js';
import { TONE_SGR } from '../rows/tones.js';

function sgr(s: Segment, caps: TerminalCaps): string {
  const codes: number[] = [];
  if (s.bold === true) codes.push(1);
  if (s.inverse === true) codes.push(7);
  if (caps.color && s.tone !== undefined) codes.push(TONE_SGR[s.tone]);
  return codes.join(';');
}

export function linesToAnsi(lines: Line[], width: number, caps: TerminalCaps): string {
  return lines
    .map((l) =>
      fitLine(l, width, caps.glyphs.ellipsis)
        .map((s) => {
          const style = sgr(s, caps);
          return style === '' ? s.text : `\u001b[${style}m${s.text}\u001b[0m`;
        })
        .join(''),
    )
    .join('\n');
}
