// Which agent may use which tool families. Enforced by the executor against each tool's
// declared capabilities, so a plan cannot route a step to an agent that lacks the right.
import type { Capability } from '../tools/tool.js';

export const agentCapabilities: Readonly<Record<string, readonly Capability[]>> = {
  system: ['process.read', 'process.signal', 'system.read', 'fs.read', 'exec', 'service.read', 'service.control'],
  storage: ['fs.read', 'fs.write', 'fs.admin', 'system.read'],
  monitor: ['system.read', 'process.read', 'fs.read', 'service.read', 'net.read'],
  network: ['net.read', 'net.connect', 'net.admin', 'system.read'],
  security: ['fs.read', 'process.read', 'system.read', 'net.read', 'sec.read', 'service.read', 'pkg.read'],
  package: ['system.read', 'fs.read', 'pkg.read', 'pkg.write'],
  maintenance: ['fs.read', 'system.read', 'service.read', 'pkg.read'],
  learning: [],
};

/**
 * The agent that normally owns each capability's tool family: a tool goes to the owner of the
 * first of its capabilities whose owner holds all of them (so `system.read` goes to monitor,
 * `fs.read` to storage), and only otherwise to the first agent in roster order that does.
 */
export const preferredAgent: Readonly<Partial<Record<Capability, string>>> = {
  'fs.read': 'storage',
  'fs.write': 'storage',
  exec: 'system',
  'process.read': 'system',
  'process.signal': 'system',
  'system.read': 'monitor',
  'net.read': 'network',
};

/** Who runs a tool that needs these capabilities, wherever the step came from; null when no agent may. */
export function agentFor(needs: readonly Capability[]): string | null {
  const holds = (agent: string): boolean => needs.every((c) => capabilitiesOf(agent)?.includes(c) === true);
  const preferred = needs.map((c) => preferredAgent[c]).find((a): a is string => a !== undefined && holds(a));
  return preferred ?? Object.keys(agentCapabilities).find(holds) ?? null;
}

export function capabilitiesOf(agent: string): readonly Capability[] | undefined {
  return Object.prototype.hasOwnProperty.call(agentCapabilities, agent) ? agentCapabilities[agent] : undefined;
}
