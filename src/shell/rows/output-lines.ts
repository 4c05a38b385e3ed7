// The streamed output of one step as rows: a title and its last lines, control sequences visible.
import type { StepView } from '../../protocol/model.js';
import { seg, tailRows, textRows, type Line } from './styled-lines.js';
import type { TerminalCaps } from '../terminal/terminal-caps.js';

export interface OutputInput {
  step: StepView | null;
  output: string;
  height: number;
  width: number;
  caps: TerminalCaps;
}

/** Which step's output to show: the selected one if it has any, else the one running. */
export function outputStep(
  steps: readonly StepView[],
  selected: number,
  outputs: (stepId: string) => string,
): StepView | null {
  const sel = steps[selected];
  if (sel !== undefined && outputs(sel.id) !== '') return sel;
  return steps.find((s) => s.state === 'running' && outputs(s.id) !== '') ?? null;
}

export function outputLines({ step, output, height, width, caps }: OutputInput): Line[] {
  if (step === null || output === '' || height < 2) return [];
  const rows = textRows(output, width - 2);
  const body = tailRows(rows, height - 1, (n) => `${caps.glyphs.ellipsis}${n} earlier lines`);
  return [
    [seg(`output of ${step.id} `, { bold: true }), seg(`(${step.state.replace(/_/g, ' ')})`, { tone: 'muted' })],
    ...body.map((r) => [seg('  '), seg(r)]),
  ];
}

/** Rows the output would like, title included. */
export function outputWanted(output: string, width: number): number {
  return output === '' ? 0 : textRows(output, width - 2).length + 1;
}
