import type { PlanOutcome, PlanRequest, Planner } from './planner.js';
import type { ProcedureMatch, ProcedureStore } from './procedure-store.js';

/** The tier between the rules and the models: replays a learned plan, shown as such. */
export class ProcedurePlanner implements Planner {
  readonly tier = 'procedure' as const;
  constructor(private readonly store: ProcedureStore) {}

  async plan(request: PlanRequest): Promise<PlanOutcome> {
    const found = await this.store.find(request.text, request.home, request.signal);
    if (found === null) return { kind: 'not_understood', reason: '' };
    const { procedure: p, match } = found;
    return {
      kind: 'plan',
      tier: 'procedure',
      steps: p.steps,
      match: matchDetail(match),
      explanation: `reused the procedure learned from "${p.goalText}" (${matchWords(match)}; first planned by the ${p.tier} tier; used ${p.uses} time${p.uses === 1 ? '' : 's'}); no model was called`,
    };
  }
}

function matchWords(m: ProcedureMatch): string {
  return m.by === 'fts' ? 'matched by its words' : `matched by embedding, similarity ${m.score.toFixed(3)}`;
}

function matchDetail(m: ProcedureMatch): { by: 'fts' | 'embedding'; score?: number } {
  return m.by === 'fts' ? { by: 'fts' } : { by: 'embedding', score: Number(m.score.toFixed(4)) };
}
