// Renders prepared rows: one <Text> per row, never wrapping, colour only when allowed.
import { Box, Text } from 'ink';
import { fitLine, type Line } from './styled-lines.js';
import type { TerminalCaps } from './terminal-caps.js';
import { TONE_COLOUR } from './tones.js';

export interface LinesProps {
  lines: Line[];
  width: number;
  caps: TerminalCaps;
}

export function Lines({ lines, width, caps }: LinesProps) {
  return (
    <Box flexDirection="column" width={width}>
      {lines.map((l, row) => {
        const fitted = fitLine(l, width, caps.glyphs.ellipsis);
        const blank = fitted.every((s) => s.text === '');
        return (
          <Text key={row} wrap="truncate-end">
            {blank ? ' ' : fitted.map((s, i) => (
              <Text
                key={i}
                {...(caps.color && s.tone !== undefined ? { color: TONE_COLOUR[s.tone] } : {})}
                bold={s.bold === true}
                inverse={s.inverse === true}
              >
                {s.text}
              </Text>
            ))}
          </Text>
        );
      })}
    </Box>
  );
}
