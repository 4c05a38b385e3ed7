// The roster as the mesh runs it: each agent's domain, capabilities and how many steps it
// works on at once; and how long a step may take before its agent is deemed hung.
import { agentCapabilities } from '../agent-roster.js';
import type { AgentSpec } from './agent-mesh.js';

const DOMAINS: Readonly<Record<string, string>> = {
  system: 'processes, services and commands',
  storage: 'files and disks',
  monitor: 'metrics and health',
  network: 'interfaces, ports and firewall',
  security: 'permissions, users and audits',
  package: 'software packages',
  maintenance: 'clean-up and housekeeping',
  learning: 'procedures learned from past goals',
};

/** Package transactions and services are serialised per agent; reads may overlap. */
const CONCURRENCY: Readonly<Record<string, number>> = {
  package: 1,
  system: 2,
  storage: 2,
  network: 2,
  security: 2,
  monitor: 4,
  maintenance: 1,
  learning: 1,
};

export function meshAgents(): AgentSpec[] {
  return Object.entries(agentCapabilities).map(([name, capabilities]) => ({
    name,
    capabilities,
    domain: DOMAINS[name] ?? name,
    concurrency: CONCURRENCY[name] ?? 1,
  }));
}

/**
 * A step's deadline on its agent: its own timeout (or the configured one) twice over plus a
 * minute of grace; package and service work gets at least half an hour. Tools time out on
 * their own well before this: the deadline catches a step that hangs outside any program.
 */
export function stepDeadline(execTimeoutMs: number, tool: string, args: Record<string, unknown>): number {
  const own = typeof args['timeoutMs'] === 'number' ? args['timeoutMs'] : execTimeoutMs;
  const base = Math.max(own, execTimeoutMs) * 2 + 60_000;
  return /^(pkg|service)\./.test(tool) ? Math.max(base, 30 * 60_000) : base;
}
