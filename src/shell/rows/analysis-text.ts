// How a failed step's diagnosis reads, in the plan view and in line mode alike: advice a model
// wrote about the failure, labelled as such (it is never run), or why there is none.
import type { GoalAnswerView, StepAnalysis } from '../../protocol/model.js';

export function analysisText(a: StepAnalysis): { rows: string[]; ok: boolean } {
  if (!a.ok) return { rows: [`no diagnosis: ${a.reason ?? 'unknown'}`], ok: false };
  return {
    rows: [
      `diagnosis (${a.tier ?? 'model'}; advice, never run): ${a.summary}`,
      `likely cause: ${a.likelyCause}`,
      `next step: ${a.nextStep}`,
    ],
    ok: true,
  };
}

/**
 * How a question's answer reads above its outputs, in the plan view, line mode and the CLI alike:
 * what a model wrote from the outputs (labelled as such), that it is on its way, or why there is none.
 */
export function answerText(a: GoalAnswerView): { rows: string[]; ok: boolean } {
  if (a.pending) return { rows: ['answer: being written from the outputs below…'], ok: true };
  if (!a.ok) return { rows: [`answer: none (${a.reason ?? 'no reason given'})`], ok: false };
  return { rows: [`answer (${a.tier ?? 'model'}, ${a.cost}; from the outputs below): ${a.text}`], ok: true };
}
