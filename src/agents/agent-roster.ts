// Which agent may use which tool families. Enforced by the executor against each tool's
// declared capabilities, so a plan cannot route a step to an agent that lacks the right.
import type { Capability } from '../tools/tool.js';

export const agentCapabilities: Readonly<Record<string, readonly Capability[]>> = {
  system: ['process.read', 'system.read', 'fs.read', 'exec'],
  storage: ['fs.read', 'fs.write', 'system.read'],
  monitor: ['system.read', 'process.read', 'fs.read'],
  network: ['net.read', 'system.read'],
  security: ['fs.read', 'process.read', 'system.read', 'net.read'],
  package: ['system.read', 'fs.read'],
  maintenance: ['fs.read', 'system.read'],
  learning: [],
};

export function capabilitiesOf(agent: string): readonly Capability[] | undefined {
  return Object.prototype.hasOwnProperty.call(agentCapabilities, agent) ? agentCapabilities[agent] : undefined;
}
