// The 'direct' tier: `aios tool <name> --args '<json>'` as a one-step plan. It goes through
// the same schema check, policy, preview, approval and audit as any plan; only the planning is
// skipped, since the person named the tool and its arguments themselves.
import type { ToolRegistry } from '../tools/registry.js';
import { agentFor } from './agent-roster.js';
import type { Planner } from './planner.js';

export function directPlanner(tool: string, args: Record<string, unknown>, registry: ToolRegistry): Planner {
  return {
    tier: 'direct',
    plan() {
      const t = registry.get(tool);
      if (t === undefined) {
        return Promise.resolve({
          kind: 'not_understood',
          reason: `unknown tool "${tool}"; known tools: ${registry
            .list()
            .map((x) => x.name)
            .join(', ')}`,
        });
      }
      const agent = agentFor(t.capabilities) ?? 'system';
      return Promise.resolve({
        kind: 'plan',
        tier: 'direct',
        steps: [
          {
            id: 's1',
            agent,
            tool,
            args,
            rationale: `asked for directly (aios tool ${tool})`,
            risk: t.risk,
            reversible: t.reversible || !t.mutates,
            dependsOn: [],
          },
        ],
        explanation: `one ${tool} call, as asked`,
      });
    },
  };
}
