// The fleet's daemon methods (perm in src/protocol/methods.ts): join and leave are audited; plan/draft
// plans a goal for aios fleet goal --plan-once and keeps nothing.
import { OpError } from '../agents/op-error.js';
import type { Handlers } from '../daemon/rpc-server.js';
import type { Planner } from '../agents/planner.js';
import type { FleetNode } from './node-agent.js';
import { draftPlan } from './plan-once.js';

type FleetMethods = 'fleet/join' | 'fleet/leave' | 'fleet/status' | 'fleet/nodes' | 'plan/draft';

const failed = (err: unknown): never => {
  throw new OpError('Failed', err instanceof Error ? err.message : String(err));
};

export function fleetHandlers(
  fleet: FleetNode,
  audit: (actor: string, action: string, subject: string, detail: Record<string, unknown>) => void,
  planner: Planner,
): Pick<Handlers, FleetMethods> {
  return {
    'fleet/join': async (p, conn) => {
      const status = await fleet.join(p.url, p.creds, p.ca).catch(failed);
      audit(conn.actor.name, 'fleet.join', status.node, { url: p.url });
      return status;
    },
    'fleet/leave': async (_p, conn) => {
      const status = await fleet.leave();
      audit(conn.actor.name, 'fleet.leave', status.node, {});
      return status;
    },
    'fleet/status': () => fleet.status(),
    'fleet/nodes': async () => fleet.nodes().catch(failed),
    'plan/draft': (p, conn) => draftPlan(planner, p.text, conn.actor),
  };
}
