// The whole screen, top to bottom: recent goals, the plan (or help), a message, the input
// line, the status bar. It renders state and nothing else; keys go to the controller.
import { Box } from 'ink';
import { FlashLine } from './FlashLine.js';
import { GoalFeed } from './GoalFeed.js';
import { GoalInput } from './GoalInput.js';
import { HelpView } from './HelpView.js';
import type { Keymap } from './keymap.js';
import { regions } from './layout.js';
import { PlanView } from './PlanView.js';
import { focusedGoal, type ShellState } from './shell-state.js';
import { StatusBar } from './StatusBar.js';
import type { TerminalCaps } from './terminal-caps.js';

export interface AppProps {
  state: ShellState;
  caps: TerminalCaps;
  keymap: Keymap;
}

export function App({ state, caps, keymap }: AppProps) {
  const help = state.focus === 'help';
  // One goal is already in the plan's header; the feed earns its rows from the second on.
  const feed = state.goals.order.length >= 2 ? state.goals.order.length : 0;
  const area = regions(state.size, { feed, flash: state.flash !== null, help });
  const { width } = area;
  return (
    <Box flexDirection="column" width={width}>
      <GoalFeed goals={state.goals} focusedGoalId={state.focusedGoalId} height={area.feed} width={width} caps={caps} />
      {help ? (
        <HelpView keymap={keymap} height={area.main} width={width} caps={caps} />
      ) : (
        <PlanView
          goal={focusedGoal(state)}
          submitting={state.submitting}
          connection={state.connection}
          selected={state.selectedStep}
          active={state.focus === 'plan'}
          outputs={state.outputs}
          keymap={keymap}
          height={area.main}
          width={width}
          caps={caps}
        />
      )}
      <FlashLine flash={area.flash ? state.flash : null} width={width} caps={caps} />
      <GoalInput line={state.input} active={state.focus === 'input'} width={width} caps={caps} />
      <StatusBar
        connection={state.connection}
        session={state.session}
        health={state.health}
        busyAgents={state.busyAgents}
        width={width}
        caps={caps}
      />
    </Box>
  );
}
