// The whole screen, top to bottom: recent goals (goals view only), the main view (plan, agent
// panes, snapshots, audit, memory, monitor, escape hatch, or help), a message or the question
// asking for a second key, the input line, the status bar. It renders state and nothing else.
import { Box } from 'ink';
import { FlashLine } from './FlashLine.js';
import { GoalFeed } from './GoalFeed.js';
import { GoalInput } from './GoalInput.js';
import { HelpView } from './HelpView.js';
import type { Keymap } from '../commands/keymap.js';
import { MainView } from './MainView.js';
import { PlanView } from './PlanView.js';
import { screenRegions } from '../rows/screen-regions.js';
import { focusedGoal, type ShellState } from '../state/shell-state.js';
import { StatusBar } from './StatusBar.js';
import type { TerminalCaps } from '../terminal/terminal-caps.js';

export interface AppProps {
  state: ShellState;
  caps: TerminalCaps;
  keymap: Keymap;
}

export function App({ state, caps, keymap }: AppProps) {
  const help = state.focus === 'help';
  const area = screenRegions(state);
  const { width } = area;
  const active = state.focus === state.view;
  let main;
  if (help)
    main = <HelpView keymap={keymap} height={area.main} width={width} caps={caps} offset={state.data.helpScroll} />;
  else if (state.view === 'plan') {
    main = (
      <PlanView
        goal={focusedGoal(state)}
        submitting={state.submitting}
        connection={state.connection}
        selected={state.selectedStep}
        active={state.focus === 'plan'}
        armed={state.guardArmed}
        outputs={state.outputs}
        draft={state.planDraft?.text ?? null}
        firstRun={state.firstRun}
        role={state.session?.role ?? null}
        keymap={keymap}
        height={area.main}
        width={width}
        caps={caps}
      />
    );
  } else {
    main = (
      <MainView
        view={state.view}
        panes={state.panes}
        data={state.data}
        hatch={state.hatch}
        active={active}
        height={area.main}
        width={width}
        caps={caps}
      />
    );
  }
  return (
    <Box flexDirection="column" width={width}>
      <GoalFeed
        goals={state.goals}
        focusedGoalId={state.focusedGoalId}
        queued={state.queued}
        height={area.feed}
        width={width}
        caps={caps}
      />
      {main}
      <FlashLine
        flash={area.flash ? state.flash : null}
        confirm={area.flash ? state.confirm : null}
        width={width}
        rows={area.flashRows}
        caps={caps}
      />
      <GoalInput line={state.input} active={state.focus === 'input'} rows={area.input} width={width} caps={caps} />
      <StatusBar
        connection={state.connection}
        session={state.session}
        health={state.health}
        busyAgents={state.busyAgents}
        extras={state.extras}
        alerts={state.alerts}
        queued={state.queued.length}
        view={state.view}
        width={width}
        caps={caps}
      />
    </Box>
  );
}
