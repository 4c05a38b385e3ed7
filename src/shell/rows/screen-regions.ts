// How the whole screen's rows are shared out for a state: the App lays itself out from this,
// and the fast echo path finds the input line's rows with it, so the two cannot disagree.
import { confirmLines } from './confirm-line.js';
import { inputRows } from './input-line.js';
import { regions, type Regions } from './layout.js';
import type { ShellState } from '../state/shell-state.js';

export function screenRegions(state: ShellState): Regions {
  const help = state.focus === 'help';
  const goalsView = state.view === 'plan' && !help;
  // One goal is already in the plan's header; the feed earns its rows from the second on.
  const goalCount = state.goals.order.length + state.queued.length;
  const feed = goalsView && goalCount >= 2 ? goalCount : goalsView ? state.queued.length : 0;
  const message = state.confirm !== null || state.flash !== null;
  const flashRows =
    state.confirm === null ? 1 : confirmLines(state.confirm, Math.max(1, state.size.columns - 1)).length;
  return regions(state.size, { feed, flash: message, help, inputRows: inputRows(state.input), flashRows });
}
