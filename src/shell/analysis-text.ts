// How a failed step's diagnosis reads, in the plan view and in line mode alike: advice a model
// wrote about the failure, labelled as such (it is never run), or why there is none.
import type { StepAnalysis } from '../protocol/model.js';

export function analysisText(a: StepAnalysis): { rows: string[]; ok: boolean } {
  if (!a.ok) return { rows: [`no diagnosis: ${a.reason ?? 'unknown'}`], ok: false };
  return {
    rows: [`diagnosis (${a.tier ?? 'model'}; advice, never run): ${a.summary}`, `likely cause: ${a.likelyCause}`, `next step: ${a.nextStep}`],
    ok: true,
  };
}
