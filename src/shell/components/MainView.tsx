// The views other than the plan (agent panes, snapshots, audit and decisions, memory, the
// monitor dashboard, the escape hatch, …): each drawn by its record's rows (src/shell/views/).
import { memo } from 'react';
import { Lines } from './Lines.js';
import { viewRecord } from '../views/registry.js';
import type { PaneBook } from '../state/panes.js';
import type { HatchState, MainView as ViewName } from '../state/shell-state.js';
import type { Line } from '../rows/styled-lines.js';
import type { TerminalCaps } from '../terminal/terminal-caps.js';
import type { ViewData } from '../state/view-data.js';

export interface MainViewProps {
  view: Exclude<ViewName, 'plan'>;
  panes: PaneBook;
  data: ViewData;
  hatch: HatchState | null;
  active: boolean;
  height: number;
  width: number;
  caps: TerminalCaps;
}

export function mainViewLines(p: MainViewProps): Line[] {
  return viewRecord(p.view)?.lines?.(p) ?? [];
}

// Memoised: a keystroke on the input line leaves the view alone.
export const MainView = memo(function MainView(props: MainViewProps) {
  return <Lines lines={mainViewLines(props)} width={props.width} caps={props.caps} />;
});
