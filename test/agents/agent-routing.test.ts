// One routing rule: a tool's step goes to the same agent whether a person called the tool
// directly (`aios tool`) or a model planned it, and that agent is the family's owner.
import { describe, expect, it } from 'vitest';
import { agentCapabilities, agentFor, preferredAgent } from '../../src/agents/agent-roster.js';
import { directPlanner } from '../../src/agents/direct-planner.js';
import { checkDraft } from '../../src/models/plan-draft.js';
import { createBuiltinRegistry } from '../../src/tools/builtin-tools.js';

const registry = createBuiltinRegistry({ timeoutMs: 5000, outputCapBytes: 65536 });

async function directAgent(tool: string, args: Record<string, unknown>): Promise<string | undefined> {
  const outcome = await directPlanner(tool, args, registry).plan({ text: '', home: '/root' });
  return outcome.kind === 'plan' ? outcome.steps[0]?.agent : undefined;
}

describe('agent routing', () => {
  it('sends a system.read step to monitor, called directly or planned by a model', async () => {
    expect(agentFor(['system.read'])).toBe('monitor');
    expect(await directAgent('hw.cpu', {})).toBe('monitor');
    const drafted = checkDraft({ explanation: 'cpu', steps: [{ tool: 'hw.cpu', args: {}, rationale: 'r' }] }, registry);
    expect(drafted.ok && drafted.steps[0]?.agent).toBe('monitor');
  });

  it('routes every registered tool the same way on both paths, to an agent holding all it needs', async () => {
    for (const tool of registry.list()) {
      const agent = agentFor(tool.capabilities);
      expect(agent, tool.name).not.toBeNull();
      expect(
        tool.capabilities.every((c) => agentCapabilities[agent ?? '']?.includes(c)),
        tool.name,
      ).toBe(true);
      expect(await directAgent(tool.name, {}), tool.name).toBe(agent);
    }
  });

  it('names only roster agents as preferred owners, each holding the capability it owns', () => {
    for (const [capability, agent] of Object.entries(preferredAgent))
      expect(agentCapabilities[agent]?.includes(capability as never), `${capability} → ${agent}`).toBe(true);
  });

  it('falls back to roster order when no owner holds every capability, and to null when nobody does', () => {
    expect(agentFor(['fs.read', 'exec'])).toBe('system');
    expect(agentFor(['fs.write', 'exec'])).toBeNull();
  });
});
