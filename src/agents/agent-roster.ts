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
  maintenance: ['fs.read', 'system.read', 'service.read', 'pkg.read', 'housekeeping'],
  learning: [],
};

/** The first agent (in roster order) that holds every capability a tool needs: who runs a direct tool call. */
export function agentFor(needs: readonly Capability[]): string | undefined {
  return Object.keys(agentCapabilities).find((agent) =>
    needs.every((c) => agentCapabilities[agent]?.includes(c) === true),
  );
}

export function capabilitiesOf(agent: string): readonly Capability[] | undefined {
  return Object.prototype.hasOwnProperty.call(agentCapabilities, agent) ? agentCapabilities[agent] : undefined;
}
