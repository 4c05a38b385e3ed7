// Renders prepared rows: one <Text> per row, never wrapping, colour only when allowed. A row
// of one style is one node (most rows of a streaming pane): fewer nodes, cheaper renders, so
// streamed output holds back the echo of a key as little as possible.
import { Box, Text } from 'ink';
import { fitLine, type Line, type Segment } from '../rows/styled-lines.js';
import type { TerminalCaps } from '../terminal/terminal-caps.js';
import { TONE_COLOUR } from '../rows/tones.js';

export interface LinesProps {
  lines: Line[];
  width: number;
  caps: TerminalCaps;
}

function style(s: Segment, caps: TerminalCaps): { color?: string; bold: boolean; inverse: boolean } {
  return {
    ...(caps.color && s.tone !== undefined ? { color: TONE_COLOUR[s.tone] } : {}),
    bold: s.bold === true,
    inverse: s.inverse === true,
  };
}

export function Lines({ lines, width, caps }: LinesProps) {
  return (
    <Box flexDirection="column" width={width}>
      {lines.map((l, row) => {
        const fitted = fitLine(l, width, caps.glyphs.ellipsis);
        if (fitted.every((s) => s.text === '')) return <Text key={row}> </Text>;
        const only = fitted.length === 1 ? fitted[0] : undefined;
        if (only !== undefined)
          return (
            <Text key={row} wrap="truncate-end" {...style(only, caps)}>
              {only.text}
            </Text>
          );
        return (
          <Text key={row} wrap="truncate-end">
            {fitted.map((s, i) => (
              <Text key={i} {...style(s, caps)}>
                {s.text}
              </Text>
            ))}
          </Text>
        );
      })}
    </Box>
  );
}
