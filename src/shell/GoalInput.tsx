// The input line (one row, more for multi-line input), with the prompt of what Enter will do.
import { memo } from 'react';
import type { InputState } from './input-state.js';
import { GOAL_PROMPT, inputLines } from './input-line.js';
import { Lines } from './Lines.js';
import type { TerminalCaps } from './terminal-caps.js';

export interface GoalInputProps {
  line: InputState;
  active: boolean;
  rows?: number;
  width: number;
  caps: TerminalCaps;
}

const PROMPTS = { goal: GOAL_PROMPT, args: 'args> ', search: 'find> ', memory: 'search> ' } as const;
const PLACEHOLDERS = {
  goal: 'type what you want done, then Enter',
  args: 'the step arguments as JSON, then Enter',
  search: 'text to find in the pane, then Enter',
  memory: 'words to look for, then Enter',
} as const;

// Memoised: it renders again only when the line or the focus changes.
export const GoalInput = memo(function GoalInput(props: GoalInputProps) {
  const p = props.line.prompt;
  const kind = p.kind;
  const prompt = p.kind === 'args' ? `args ${p.stepId}> ` : PROMPTS[kind];
  const lines = inputLines({ line: props.line, active: props.active, width: props.width, prompt, placeholder: PLACEHOLDERS[kind], maxRows: props.rows ?? 1 });
  return <Lines lines={lines} width={props.width} caps={props.caps} />;
});
