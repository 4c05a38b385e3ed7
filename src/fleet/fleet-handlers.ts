// The fleet's daemon methods (perm in src/protocol/methods.ts): join and leave are audited; plan/draft
// plans a goal for aios fleet goal --plan-once and keeps nothing; fleet/start and fleet/decide run
// fleet goals from this node's console (console-fleet.ts), audited too; fleet/goals lists them.
import { OpError } from '../agents/op-error.js';
import type { Handlers } from '../daemon/rpc-server.js';
import type { Planner } from '../agents/planner.js';
import type { FleetNode } from './node-agent.js';
import { ConsoleFleet } from './console-fleet.js';
import { memoryConsoleGoals, type ConsoleGoalsStore } from './console-goals-store.js';
import { draftPlan, noPlanOnce } from './plan-once.js';

type FleetMethods =
  | 'fleet/join'
  | 'fleet/leave'
  | 'fleet/status'
  | 'fleet/nodes'
  | 'fleet/goals'
  | 'fleet/start'
  | 'fleet/decide'
  | 'plan/draft';

const failed = (err: unknown): never => {
  throw new OpError('Failed', err instanceof Error ? err.message : String(err));
};

/** The console's goals' store, and where a resumed goal says so. */
export interface ConsoleGoalsHome {
  store: ConsoleGoalsStore;
  log: (line: string) => void;
}

export function fleetHandlers(
  fleet: FleetNode,
  audit: (actor: string, action: string, subject: string, detail: Record<string, unknown>) => void,
  planner: Planner,
  consoleGoals: ConsoleGoalsHome = { store: memoryConsoleGoals(), log: () => undefined },
): Pick<Handlers, FleetMethods> {
  const consoleFleet = new ConsoleFleet(() => fleet.consoleBus(), consoleGoals.store, consoleGoals.log);
  // The goals this console started before aiosd last stopped go on where they were.
  consoleFleet.resume();
  return {
    'fleet/join': async (p, conn) => {
      const status = await fleet.join(p.url, p.creds, p.ca, p.consoleCreds).catch(failed);
      audit(conn.actor.name, 'fleet.join', status.node, { url: p.url, consoleKey: status.consoleKey });
      return status;
    },
    'fleet/leave': async (_p, conn) => {
      const status = await fleet.leave();
      audit(conn.actor.name, 'fleet.leave', status.node, {});
      return status;
    },
    'fleet/status': () => fleet.status(),
    'fleet/nodes': async () => fleet.nodes().catch(failed),
    'fleet/goals': () => ({ started: consoleFleet.list(), reached: fleet.reached() }),
    'fleet/start': async (p, conn) => {
      const { planOnce, ...start } = p;
      const draft = planOnce === true ? await draftPlan(planner, p.text, conn.actor) : undefined;
      if (draft?.kind === 'not_understood') failed(new Error(noPlanOnce(draft.reason)));
      const plan = draft?.kind === 'plan' ? draft : undefined;
      const decideWithinS = p.decideWithinS ?? fleet.decideWithinS();
      const view = await consoleFleet
        .start({ ...start, decideWithinS, ...(plan === undefined ? {} : { plan }) }, conn.actor.name)
        .catch(failed);
      audit(conn.actor.name, 'fleet.start', view.fleetGoal, {
        text: p.text,
        nodes: p.nodes,
        ...(plan === undefined ? {} : { planOnce: plan.steps.map((s) => s.tool) }),
        ...(p.confirm === true ? { confirm: true } : {}),
      });
      return view;
    },
    'fleet/decide': (p, conn) => {
      try {
        const view = consoleFleet.decide(p.fleetGoal, p.planHash, p.decision, p.confirm === true, conn.actor.name);
        audit(conn.actor.name, 'fleet.decide', p.fleetGoal, { planHash: p.planHash, decision: p.decision });
        return view;
      } catch (err) {
        return failed(err);
      }
    },
    'plan/draft': (p, conn) => draftPlan(planner, p.text, conn.actor),
  };
}
