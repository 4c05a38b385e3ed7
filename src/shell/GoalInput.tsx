// The input line.
import { memo } from 'react';
import type { EditLine } from './line-edit.js';
import { inputLine } from './input-line.js';
import { Lines } from './Lines.js';
import type { TerminalCaps } from './terminal-caps.js';

export interface GoalInputProps {
  line: EditLine;
  active: boolean;
  width: number;
  caps: TerminalCaps;
}

// Memoised: it renders again only when the line or the focus changes.
export const GoalInput = memo(function GoalInput(props: GoalInputProps) {
  return <Lines lines={[inputLine(props)]} width={props.width} caps={props.caps} />;
});
