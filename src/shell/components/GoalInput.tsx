// The input line (one row, more for multi-line input), with the prompt of what Enter will do.
import { memo } from 'react';
import type { InputState } from '../state/input-state.js';
import { promptInputLines } from '../rows/input-line.js';
import { Lines } from './Lines.js';
import type { TerminalCaps } from '../terminal/terminal-caps.js';

export interface GoalInputProps {
  line: InputState;
  active: boolean;
  rows?: number;
  width: number;
  caps: TerminalCaps;
}

// Memoised: it renders again only when the line or the focus changes.
export const GoalInput = memo(function GoalInput(props: GoalInputProps) {
  return (
    <Lines
      lines={promptInputLines(props.line, props.active, props.rows ?? 1, props.width)}
      width={props.width}
      caps={props.caps}
    />
  );
});
