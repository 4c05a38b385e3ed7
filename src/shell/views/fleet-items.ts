// What the fleet view lists, in order: the nodes, then each fleet goal started at this console
// with its plan groups under it, then the fleet goals that reached this node. The view draws
// these; the fleet commands (approve or reject a group) act on the one selected.
import type { FleetGoalView, NodeFacts, ReachedGoal } from '../../protocol/fleet.js';
import type { ResultOf } from '../../protocol/methods.js';
import { groupLetter } from '../../text/group-letter.js';
import { loadedFor } from './view-record.js';
import type { ViewData } from '../state/view-data.js';

export interface FleetData {
  status: ResultOf<'fleet/status'>;
  nodes: NodeFacts[];
  /** Why the node list could not be read (the hub away): the membership still shows. */
  nodesError: string | null;
  /** Fleet goals started here and those that reached this node (fleet/goals: admins only). */
  goals: { started: FleetGoalView[]; reached: ReachedGoal[] };
  /** Why they could not be read (not an admin, …), or null. */
  goalsError: string | null;
  /** When it was loaded (ms): a node whose facts are older than STALE_MS then is unreachable. */
  at: number;
}

export type FleetGroup = FleetGoalView['groups'][number];

export type FleetItem =
  | { kind: 'node'; node: NodeFacts }
  | { kind: 'goal'; goal: FleetGoalView }
  | { kind: 'group'; goal: FleetGoalView; group: FleetGroup; index: number }
  | { kind: 'reached'; reached: ReachedGoal };

export function fleetItems(data: FleetData): FleetItem[] {
  const started = new Set(data.goals.started.map((g) => g.fleetGoal));
  return [
    ...data.nodes.map((node) => ({ kind: 'node' as const, node })),
    ...data.goals.started.flatMap((goal) => [
      { kind: 'goal' as const, goal },
      ...goal.groups.map((group, index) => ({ kind: 'group' as const, goal, group, index })),
    ]),
    // A goal started here that also reached this node shows once, under the goal.
    ...data.goals.reached
      .filter((r) => !started.has(r.fleetGoal))
      .map((reached) => ({ kind: 'reached' as const, reached })),
  ];
}

/** The item selected in the fleet view, or null. */
export function selectedFleetItem(data: ViewData): FleetItem | null {
  const fleet = loadedFor<FleetData>(data, 'fleet');
  if (fleet === null) return null;
  const items = fleetItems(fleet);
  return items[Math.min(data.selected['fleet'] ?? 0, items.length - 1)] ?? null;
}

/** "18 nodes: plan A · 2 nodes: plan B". */
export const groupSummary = (goal: FleetGoalView, dot: string): string =>
  goal.groups
    .map((g, i) => `${g.nodes.length} node${g.nodes.length === 1 ? '' : 's'}: plan ${groupLetter(i)}`)
    .join(` ${dot} `);
