// The main pane with no goal shown: what is happening (planning, unreachable) and what to do.
import type { Role } from '../../protocol/model.js';
import { firstRunText, type FirstRun } from './first-run.js';
import type { Connection } from '../state/shell-state.js';
import { line, textRows, type Line } from './styled-lines.js';
import type { TerminalCaps } from '../terminal/terminal-caps.js';

export interface PlaceholderInput {
  submitting: string | null;
  connection: Connection;
  height: number;
  width: number;
  caps: TerminalCaps;
  /** The model's plan as it streams in. */
  draft?: string | null;
  /** The first-run offer (only the built-in rules can plan), and who is asked. */
  firstRun?: FirstRun | null;
  role?: Role | null;
}

export function placeholderLines(props: PlaceholderInput): Line[] {
  const { submitting, connection, width, caps } = props;
  const rows: Line[] = [];
  if (submitting !== null) {
    rows.push(line(`planning${caps.glyphs.ellipsis} ${submitting}`, { tone: 'accent' }));
    const draft = props.draft ?? '';
    if (draft !== '') {
      // A model is writing the plan: it can take a while, and it can be stopped.
      rows.push(line('  Ctrl-C cancels it (the model stops, nothing runs)', { tone: 'muted' }));
      for (const r of textRows(draft, width - 2).slice(-(props.height - 2)))
        rows.push(line(`  ${r}`, { tone: 'muted' }));
    }
  } else if (connection.kind === 'unreachable') {
    rows.push(line('aiosd cannot be reached; this shell keeps trying and runs nothing by itself.', { tone: 'warn' }));
    for (const r of textRows(connection.reason, width - 2)) rows.push(line(`  ${r}`, { tone: 'muted' }));
  } else if (props.firstRun !== null && props.firstRun !== undefined) {
    const [head = '', ...rest] = firstRunText(props.firstRun, props.role ?? 'viewer', 'F9');
    rows.push(line(head, { tone: 'accent' }));
    for (const r of rest) for (const w of textRows(r, width - 1)) rows.push(line(w));
    rows.push(line('Type what you want done, in plain words, and press Enter.', { tone: 'muted' }));
  } else {
    rows.push(line('Type what you want done, in plain words, and press Enter.'));
    rows.push(line('You will see the plan first; nothing runs until you approve it.', { tone: 'muted' }));
  }
  return rows.slice(0, Math.max(0, props.height));
}
