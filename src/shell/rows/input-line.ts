// The input line's rows: a prompt, the text around the cursor (scrolled to fit), the cursor.
// Multi-line input (Alt-Enter) shows up to `maxRows` rows around the cursor's row.
import type { InputState } from '../state/input-state.js';
import { cursorRowCol, visibleWindow, type EditLine } from '../state/line-edit.js';
import { seg, type Line } from './styled-lines.js';

export const GOAL_PROMPT = 'goal> ';

const PROMPTS = {
  goal: GOAL_PROMPT,
  args: 'args> ',
  search: 'find> ',
  memory: 'search> ',
  approve: 'approve> ',
} as const;
const PLACEHOLDERS = {
  goal: 'type what you want done, then Enter',
  args: 'the step arguments as JSON, then Enter',
  search: 'text to find in the pane, then Enter',
  memory: 'words to look for, then Enter',
  approve: "type the step's id or yes, then Enter; Esc cancels",
} as const;

export interface InputLineProps {
  line: EditLine;
  active: boolean;
  width: number;
  prompt?: string;
  placeholder?: string;
  maxRows?: number;
}

/** Rows the input wants: one per line of text, at most `maxRows`. */
export function inputRows(line: EditLine, maxRows = 5): number {
  let n = 1;
  for (const ch of line.text) if (ch === '\n') n++;
  return Math.min(Math.max(1, maxRows), n);
}

export function inputLines(props: InputLineProps): Line[] {
  const { line, active, width } = props;
  const prompt = props.prompt ?? GOAL_PROMPT;
  const head = seg(prompt, { tone: 'accent', bold: active });
  const indent = seg(' '.repeat(prompt.length));
  const room = Math.max(1, width - prompt.length);
  const { row, col, rows } = cursorRowCol(line);
  const count = inputRows(line, props.maxRows);
  const first = Math.max(0, Math.min(row - count + 1, rows.length - count));
  const out: Line[] = [];
  for (let r = first; r < first + count; r++) {
    const chars = rows[r] ?? [];
    const lead = r === 0 ? head : indent;
    if (!active) {
      out.push([lead, seg(chars.join(''), { tone: 'muted' })]);
    } else if (line.text === '') {
      out.push([
        lead,
        seg(' ', { inverse: true }),
        seg(` ${props.placeholder ?? 'type what you want done, then Enter'}`, { tone: 'muted' }),
      ]);
    } else if (r === row) {
      const view = visibleWindow({ text: chars.join(''), cursor: col }, room);
      out.push([lead, seg(view.before), seg(view.at, { inverse: true }), seg(view.after)]);
    } else {
      out.push([lead, seg(chars.join(''))]);
    }
  }
  return out;
}

/** The single-row form, as the first frame and older callers draw it. */
export function inputLine(props: { line: EditLine; active: boolean; width: number }): Line {
  return inputLines({ ...props, maxRows: 1 })[0] ?? [];
}

/** The input line with the prompt of what Enter will do, in `rows` rows: as the screen shows it. */
export function promptInputLines(input: InputState, active: boolean, rows: number, width: number): Line[] {
  const p = input.prompt;
  const prompt =
    p.kind === 'args'
      ? `args ${p.stepId}> `
      : p.kind === 'approve'
        ? `approve ${p.risky.join(' ')}? `
        : PROMPTS[p.kind];
  const placeholder =
    p.kind === 'approve' ? `type ${p.risky.join(' ')} or yes, then Enter; Esc cancels` : PLACEHOLDERS[p.kind];
  return inputLines({ line: input, active, width, prompt, placeholder, maxRows: rows });
}
