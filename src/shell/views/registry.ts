// Every view, in the order of its key (1…): the keymap, the help, the main area and the
// controller read this list. A new view is one record (view-record.ts) and one line here.
import { agentsView } from './agents-view.js';
import { auditView } from './audit-view.js';
import { fleetView } from './fleet-view.js';
import { hatchView } from './hatch-view.js';
import { memoryView } from './memory-view.js';
import { monitorView } from './monitor-view.js';
import { planView } from './plan-view.js';
import { snapshotsView } from './snapshots-view.js';
import type { ViewRecord } from './view-record.js';

export const VIEWS = [
  planView,
  agentsView,
  snapshotsView,
  auditView,
  memoryView,
  monitorView,
  hatchView,
  fleetView,
] as const;

/** The views the main area can show. */
export type RegisteredView = (typeof VIEWS)[number]['name'];

/** The command that shows a view: `viewPlan`, `viewAgents`, … */
export type ViewCommand = `view${Capitalize<RegisteredView>}`;

export const viewCommand = <N extends RegisteredView>(name: N): `view${Capitalize<N>}` =>
  `view${name.charAt(0).toUpperCase()}${name.slice(1)}` as `view${Capitalize<N>}`;

const BY_NAME = new Map<string, ViewRecord>(VIEWS.map((v) => [v.name, v]));
const BY_COMMAND = new Map<string, RegisteredView>(VIEWS.map((v) => [viewCommand(v.name), v.name]));

export function viewRecord(name: string): ViewRecord | null {
  return BY_NAME.get(name) ?? null;
}

/** The view a command shows, or null when it shows none. */
export function viewOfCommand(command: string): RegisteredView | null {
  return BY_COMMAND.get(command) ?? null;
}

export function isView(name: string): name is RegisteredView {
  return BY_NAME.has(name);
}
