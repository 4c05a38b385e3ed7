// A fleet goal started at a node's console, as fleet/goals answers it, for the fleet view's tests.
import type { FleetGoalView } from '../../src/protocol/fleet.js';

export const HASH_A = 'a'.repeat(64);
export const HASH_B = 'b'.repeat(64);

function step(id: string, over: Partial<FleetGoalView['groups'][number]['steps'][number]> = {}) {
  return {
    id,
    tool: 'fs.write',
    args: { path: '/etc/motd', content: 'hi' },
    risk: 'low' as const,
    reversible: true,
    summary: 'write 3 bytes to /etc/motd',
    state: 'pending',
    error: null,
    ...over,
  };
}

/** A fleet goal started here: web-01 and web-02 planned A, db-01 planned B (an irreversible step). */
export function started(over: Partial<FleetGoalView> = {}): FleetGoalView {
  return {
    fleetGoal: '01JFLEETGOAL0000000000ABCD',
    text: 'set the motd',
    startedBy: 'alice',
    startedAt: Date.now(),
    state: 'deciding',
    groups: [
      { hash: HASH_A, nodes: ['web-01', 'web-02'], steps: [step('s1')], decision: 'pending', decidedBy: null },
      {
        hash: HASH_B,
        nodes: ['db-01'],
        steps: [step('s1', { tool: 'pkg.remove', args: { name: 'motd' }, reversible: false, summary: 'remove motd' })],
        decision: 'pending',
        decidedBy: null,
      },
    ],
    nodes: [
      { node: 'web-01', phase: 'planned', canary: false, state: 'awaiting_approval', message: null },
      { node: 'web-02', phase: 'planned', canary: false, state: 'awaiting_approval', message: null },
      { node: 'db-01', phase: 'planned', canary: false, state: 'awaiting_approval', message: null },
    ],
    failures: 0,
    stopped: false,
    error: null,
    ...over,
  };
}
