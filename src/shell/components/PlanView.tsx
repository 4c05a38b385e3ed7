// The main pane: the shown goal's plan with the selected step expanded, its output below,
// or, with no goal shown, what is happening (planning, unreachable) and what to do.
import { memo } from 'react';
import { Box } from 'ink';
import type { GoalView } from '../../protocol/model.js';
import { planHint } from '../rows/help-lines.js';
import type { Keymap } from '../commands/keymap.js';
import { Lines } from './Lines.js';
import { placeholderLines } from '../rows/placeholder-lines.js';
import { planLines } from '../rows/plan-lines.js';
import type { Connection } from '../state/shell-state.js';
import type { FirstRun } from '../rows/first-run.js';
import type { Role } from '../../protocol/model.js';
import { outputStep, outputWanted } from '../rows/output-lines.js';
import { StepOutput } from './StepOutput.js';
import type { TerminalCaps } from '../terminal/terminal-caps.js';

export interface PlanViewProps {
  goal: GoalView | null;
  submitting: string | null;
  connection: Connection;
  selected: number;
  active: boolean;
  /** Whether a command key pressed alone now would act (the key guard): the hint lights up. */
  armed?: boolean;
  outputs: Readonly<Record<string, string>>;
  draft?: string | null;
  firstRun?: FirstRun | null;
  role?: Role | null;
  keymap: Keymap;
  height: number;
  width: number;
  caps: TerminalCaps;
}

// Memoised: it renders again only when its own props change (a keystroke leaves it alone).
export const PlanView = memo(function PlanView(props: PlanViewProps) {
  const { goal, height, width, caps } = props;
  if (goal === null) return <Lines lines={placeholderLines(props)} width={width} caps={caps} />;
  const steps = goal.plan?.steps ?? [];
  const outputOf = (stepId: string): string => props.outputs[`${goal.id}/${stepId}`] ?? '';
  const shownStep = outputStep(steps, props.selected, outputOf);
  const output = shownStep === null ? '' : outputOf(shownStep.id);
  const wantOut = outputWanted(output, width);
  const hint = goal.state === 'awaiting_approval' && props.active;
  const reserve = Math.min(wantOut, Math.max(3, Math.floor(height * 0.4)));
  const plan = planLines({
    goal,
    selected: props.selected,
    active: props.active,
    width,
    height: height - reserve - (hint ? 1 : 0),
    caps,
  });
  const lines = hint ? [...plan, planHint(props.keymap, caps.glyphs, props.armed ?? true)] : plan;
  const outHeight = Math.min(wantOut, height - lines.length);
  return (
    <Box flexDirection="column">
      <Lines lines={lines} width={width} caps={caps} />
      <StepOutput step={shownStep} output={output} height={outHeight} width={width} caps={caps} />
    </Box>
  );
});
