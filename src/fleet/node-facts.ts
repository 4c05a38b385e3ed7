// A node's health and facts for the fleet's node list: what an operator checks first.
import { statfsSync } from 'node:fs';
import { loadavg, uptime } from 'node:os';
import type { NodeFacts } from './messages.js';

export function nodeFacts(o: {
  node: string;
  version: string;
  stateDir: string;
  labels: Record<string, string>;
  key: string;
  ledgerHead: () => { seq: number; hash: string };
  problems: () => string[];
}): NodeFacts {
  const fs = statfsSync(o.stateDir);
  const problems = o.problems();
  return {
    node: o.node,
    version: o.version,
    health: problems.length === 0 ? 'ok' : 'degraded',
    problems,
    load: loadavg().map((l) => Math.round(l * 100) / 100),
    disk: { freeBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize },
    uptimeS: Math.round(uptime()),
    ledger: o.ledgerHead(),
    labels: o.labels,
    key: o.key,
    ts: Date.now(),
  };
}
