// The views other than the plan: agent panes, snapshots, audit and decisions, memory, the
// monitor dashboard and the escape hatch, each built as rows by its own module.
import { memo } from 'react';
import { auditLines, memoryLines, snapshotLines } from '../rows/data-view-lines.js';
import { hatchLines } from '../rows/hatch-lines.js';
import { Lines } from './Lines.js';
import { monitorLines } from '../rows/monitor-lines.js';
import { paneLines } from '../rows/pane-lines.js';
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
  const input = { data: p.data, active: p.active, height: p.height, width: p.width, caps: p.caps };
  switch (p.view) {
    case 'agents':
      return paneLines({ panes: p.panes, active: p.active, height: p.height, width: p.width, caps: p.caps });
    case 'snapshots':
      return snapshotLines(input);
    case 'audit':
      return auditLines(input);
    case 'memory':
      return memoryLines(input);
    case 'monitor':
      return monitorLines({ metrics: p.data.metrics, height: p.height, width: p.width, caps: p.caps });
    case 'hatch':
      return hatchLines(p.hatch, p.active, p.height, p.width, p.caps);
  }
}

// Memoised: a keystroke on the input line leaves the view alone.
export const MainView = memo(function MainView(props: MainViewProps) {
  return <Lines lines={mainViewLines(props)} width={props.width} caps={props.caps} />;
});
