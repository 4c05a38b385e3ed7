// A scripted "local model" for procedure tests: deterministic, and it counts how often it was asked.
import { join } from 'node:path';
import type { Planner, PlanOutcome, PlanRequest } from '../../../src/agents/planner.js';

/** Plans goals about the greeting file (one fs.write in the test's dir); refuses any other. */
export class ScriptedModel implements Planner {
  readonly tier = 'local' as const;
  calls = 0;
  constructor(private readonly dir: string) {}
  plan(req: PlanRequest): Promise<PlanOutcome> {
    this.calls++;
    if (!/greeting/.test(req.text))
      return Promise.resolve({ kind: 'not_understood', reason: 'the model could not plan it' });
    return Promise.resolve({
      kind: 'plan',
      tier: 'local',
      explanation: 'scripted',
      steps: [
        {
          id: 's1',
          agent: 'storage',
          tool: 'fs.write',
          args: { path: join(this.dir, 'greeting.txt'), content: 'hi\n' },
          rationale: 'write it',
          risk: 'medium',
          reversible: true,
          dependsOn: [],
        },
      ],
    });
  }
}
