// The first frame, composed from the same row builders the Ink components use, so a login
// sees the input line and "connecting…" as soon as Node has started (Ink loads meanwhile).
import { flashLine } from '../rows/flash-line.js';
import { inputLine } from '../rows/input-line.js';
import { regions } from '../rows/layout.js';
import { placeholderLines } from '../rows/placeholder-lines.js';
import type { ShellState } from '../state/shell-state.js';
import { statusLine } from '../rows/status-line.js';
import type { Line } from '../rows/styled-lines.js';
import type { TerminalCaps } from './terminal-caps.js';

/** Rows for the state at start-up: no goal shown, no help; a flash line when there is one. */
export function firstFrameLines(state: ShellState, caps: TerminalCaps): Line[] {
  const area = regions(state.size, { feed: 0, flash: state.flash !== null, help: false });
  const flash = area.flash && state.flash !== null ? [flashLine(state.flash)] : [];
  return [
    ...placeholderLines({
      submitting: state.submitting,
      connection: state.connection,
      height: area.main,
      width: area.width,
      caps,
    }),
    ...flash,
    inputLine({ line: state.input, active: state.focus === 'input', width: area.width }),
    statusLine({
      connection: state.connection,
      session: state.session,
      health: state.health,
      busyAgents: state.busyAgents,
      caps,
    }),
  ];
}
