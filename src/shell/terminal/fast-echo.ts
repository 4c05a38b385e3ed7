// The fast echo path. A key that changes only the input line (typing, deleting, moving the
// cursor) does not wait for React, the layout engine and Ink to build a whole frame: its rows
// are composed here by the same row builders the input line's component uses, and written at
// once over the rows the screen shows for the line as it was. The whole frame still follows
// (coalesced with the others), so correctness never rests on this path: where it guessed
// wrong, that frame puts it right, and where the screen is not what it expects, it does nothing.
import { linesToAnsi } from './ansi.js';
import { promptInputLines } from '../rows/input-line.js';
import { screenRegions } from '../rows/screen-regions.js';
import type { ShellState } from '../state/shell-state.js';
import type { TerminalCaps } from './terminal-caps.js';

/** Rows below the input line: the status bar. */
export const ROWS_BELOW_INPUT = 1;

export interface Echo {
  /** The input line's rows as the screen should show them before the key... */
  expected: string[];
  /** ...and after it. */
  rows: string[];
  /** Rows between the input line and the region's last row. */
  below: number;
}

/** The input line's rows for a state, as terminal text, exactly as the whole frame draws them. */
export function inputRowsText(state: ShellState, caps: TerminalCaps): string[] {
  const area = screenRegions(state);
  return linesToAnsi(
    promptInputLines(state.input, state.focus === 'input', area.input, area.width),
    area.width,
    caps,
  ).split('\n');
}

/** Every part of the state but the input line is the same object as before. */
function onlyInputChanged(before: ShellState, after: ShellState): boolean {
  if (before.input === after.input) return false;
  for (const key of Object.keys(after) as (keyof ShellState)[]) {
    if (key !== 'input' && before[key] !== after[key]) return false;
  }
  return true;
}

/** The echo of the keys that turned `before` into `after`, or null when they changed more than the line's text. */
export function echoFor(before: ShellState, after: ShellState, caps: TerminalCaps): Echo | null {
  if (!onlyInputChanged(before, after)) return null;
  // A line that grows or loses a row moves the rows above it: that is a frame's work.
  if (screenRegions(before).input !== screenRegions(after).input) return null;
  return { expected: inputRowsText(before, caps), rows: inputRowsText(after, caps), below: ROWS_BELOW_INPUT };
}
