import type { PlanOutcome, PlanRequest, Planner } from './planner.js';
import type { ProcedureStore } from './procedure-store.js';

/** The tier between the rules and the models: replays a learned plan, shown as such. */
export class ProcedurePlanner implements Planner {
  readonly tier = 'procedure' as const;
  constructor(private readonly store: ProcedureStore) {}

  plan(request: PlanRequest): Promise<PlanOutcome> {
    const p = this.store.find(request.text, request.home);
    if (p === null) return Promise.resolve({ kind: 'not_understood', reason: '' });
    return Promise.resolve({
      kind: 'plan', tier: 'procedure', steps: p.steps,
      explanation: `reused the procedure learned from "${p.goalText}" (first planned by the ${p.tier} tier; used ${p.uses} time${p.uses === 1 ? '' : 's'}); no model was called`,
    });
  }
}
