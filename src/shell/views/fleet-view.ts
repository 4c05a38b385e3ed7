// The fleet (docs/fleet.md): this node's membership (fleet/status), every node's health and facts
// from the fleet's bucket (fleet/nodes), as `aios fleet status` and `aios fleet nodes` print them,
// and the fleet goals started at this console or that reached this node (fleet/goals), each with
// its plan groups ("18 nodes: plan A · 2 nodes: plan B") and each node's progress. `a`/`x` on a
// plan group send a person's decision on it (fleet-commands.ts); aiosd acts, the view only shows.
import type { FleetGoalView, NodeFacts } from '../../protocol/fleet.js';
import { sanitize } from '../../text/sanitize.js';
import { listWindow } from '../rows/list-window.js';
import { line, seg, type Line } from '../rows/styled-lines.js';
import type { TerminalCaps } from '../terminal/terminal-caps.js';
import { groupLetter } from '../../text/group-letter.js';
import { clock, decidedText } from '../../text/fleet-decision.js';
import { fleetItems, groupSummary, type FleetData, type FleetGroup, type FleetItem } from './fleet-items.js';
import { defineView, loadedFor, selectIn, type ViewAsk } from './view-record.js';

export type { FleetData } from './fleet-items.js';

/** Facts are put every 10 s; three missed puts and the node is called unreachable (as the CLI does). */
export const STALE_MS = 30_000;

const gib = (b: number): string => `${(b / 2 ** 30).toFixed(1)}G`;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The node list as last read, per connection: nodes put their facts every 10 s, so the view's
 * every-second poll (for fleet goals' progress) reads the bucket again only that often; showing
 * the view and `r` always read it.
 */
const NODES_EVERY_MS = 10_000;
const lastNodes = new WeakMap<object, { at: number; nodes: NodeFacts[] }>();

function loadFleet(ask: ViewAsk): void {
  const c = ask.client();
  if (c === null) return;
  c.call('fleet/status', {})
    .then(async (status) => {
      let nodes: NodeFacts[] = [];
      let nodesError: string | null = null;
      let goals: FleetData['goals'] = { started: [], reached: [] };
      let goalsError: string | null = null;
      if (status.joined) {
        const kept = lastNodes.get(c);
        try {
          if (ask.poll && kept !== undefined && Date.now() - kept.at < NODES_EVERY_MS) nodes = kept.nodes;
          else {
            nodes = (await c.call('fleet/nodes', {})).nodes;
            lastNodes.set(c, { at: Date.now(), nodes });
          }
        } catch (error) {
          nodesError = messageOf(error);
          ask.failed('cannot list the fleet nodes', error);
        }
        // Asked by an admin only (aiosd would refuse, and log, every poll of anyone else's); said
        // in the view, not on the flash line: a viewer or operator sees the nodes without them.
        if (ask.role === 'admin')
          goals = await c.call('fleet/goals', {}).catch((error: unknown) => {
            goalsError = messageOf(error);
            return goals;
          });
        else goalsError = 'an admin of this node starts and approves them here (aios fleet goal elsewhere)';
      }
      const data: FleetData = { status, nodes, nodesError, goals, goalsError, at: Date.now() };
      ask.put({ type: 'viewLoaded', view: 'fleet', data });
    })
    .catch((error: unknown) => ask.failed('cannot read the fleet', error));
}

const one = (s: string): string => sanitize(s, { singleLine: true });

const GOAL_TONE = { planning: 'muted', deciding: 'warn', running: 'accent', done: 'ok', failed: 'danger' } as const;

const separator = (caps: TerminalCaps): string => (caps.glyphs.dash === '—' ? '·' : '/');

function goalRow(g: FleetGoalView, caps: TerminalCaps): Line {
  const groups = groupSummary(g, separator(caps));
  return [
    seg(`fleet goal ${g.fleetGoal.slice(-8)} `, { bold: true }),
    seg(g.state.toUpperCase().padEnd(9), { tone: GOAL_TONE[g.state], bold: true }),
    seg(` ${one(g.text).slice(0, 60)}`),
    seg(groups === '' ? '' : `  ${groups}`, { tone: 'accent' }),
    seg(g.failures > 0 ? `  ${g.failures} failed` : '', { tone: 'danger' }),
  ];
}

function groupRow(goal: FleetGoalView, group: FleetGroup, index: number): Line {
  const waiting = group.decision === 'pending' && goal.state === 'deciding';
  return [
    seg(`  plan ${groupLetter(index)} `, { bold: true }),
    seg(`${group.hash.slice(0, 12)}  ${group.nodes.length} node${group.nodes.length === 1 ? '' : 's'}  `),
    waiting
      ? seg(
          `waiting for a person: a approves, x rejects${goal.decideBy == null ? '' : ` (expires ${clock(goal.decideBy)})`}`,
          { tone: 'warn', bold: true },
        )
      : seg(group.decision === 'pending' ? 'pending' : decidedText(goal, group), {
          tone: group.decision === 'approve' ? 'ok' : group.decision === 'pending' ? 'muted' : 'danger',
        }),
  ];
}

/** One group's steps, as the plan view shows a step: head, arguments, what it would do. */
function stepLines(group: FleetGroup): Line[] {
  return group.steps.flatMap((s) => [
    [
      seg(`  ${s.id} ${s.tool}`, { bold: true }),
      seg(`  risk ${s.risk}`, { tone: s.risk === 'high' ? 'danger' : s.risk === 'medium' ? 'warn' : 'muted' }),
      seg(s.reversible ? '  reversible' : '  NOT reversible', s.reversible ? {} : { tone: 'danger', bold: true }),
    ],
    [seg('    args ', { tone: 'muted' }), seg(one(JSON.stringify(s.args)))],
    line(`    ${one(s.summary)}`),
  ]);
}

/** Each node's progress: canary first, then as the waves reach it. */
function progressLines(goal: FleetGoalView, only: readonly string[] | null): Line[] {
  const rows = goal.nodes.filter((n) => only === null || only.includes(n.node));
  rows.sort((a, b) => Number(b.canary) - Number(a.canary));
  return rows.map((n) => {
    const bad =
      ['unreachable', 'refused'].includes(n.phase) || ['failed', 'refused', 'rejected'].includes(n.state ?? '');
    return [
      seg(`  ${n.node.padEnd(16)} `, { bold: true }),
      seg(n.canary ? 'canary ' : '       ', { tone: 'accent' }),
      seg((n.phase === 'unreachable' ? 'UNREACHABLE' : n.phase).padEnd(12), bad ? { tone: 'danger' } : {}),
      seg(` ${n.state ?? ''}`.padEnd(19), { tone: bad ? 'danger' : n.state === 'succeeded' ? 'ok' : 'muted' }),
      seg(n.message === null ? '' : ` ${one(n.message).slice(0, 120)}`, { tone: 'muted' }),
    ];
  });
}

function detailOf(item: FleetItem | undefined, at: number): Line[] {
  if (item === undefined) return [];
  switch (item.kind) {
    case 'node':
      return [
        line(
          `  ${at - item.node.ts > STALE_MS ? `last seen ${Math.round((at - item.node.ts) / 1000)} s ago  ` : ''}key ${item.node.key}  ledger ${item.node.ledger.hash.slice(0, 16)}`,
          { tone: 'muted' },
        ),
        ...item.node.problems.slice(0, 3).map((p) => line(`  ! ${p}`, { tone: 'warn' })),
      ];
    case 'goal':
      return [
        line(`  ${item.goal.fleetGoal} started by ${item.goal.startedBy}: ${one(item.goal.text)}`, { tone: 'muted' }),
        ...(item.goal.error === null ? [] : [line(`  ! ${one(item.goal.error)}`, { tone: 'danger' })]),
        ...(item.goal.stopped
          ? [line('  STOPPED: more nodes failed than --max-failures allows', { tone: 'danger' })]
          : []),
        ...progressLines(item.goal, null),
      ];
    case 'group':
      return [
        line(`  plan ${groupLetter(item.index)} (${item.group.hash}) on ${item.group.nodes.join(', ')}:`, {
          tone: 'muted',
        }),
        ...stepLines(item.group),
        ...progressLines(item.goal, item.group.nodes),
      ];
    case 'reached':
      return [
        line(`  fleet goal ${item.reached.fleetGoal} is goal ${item.reached.goalId} here (1 / F2 shows its plan)`, {
          tone: 'muted',
        }),
      ];
  }
}

function itemRow(item: FleetItem, at: number, caps: TerminalCaps): Line {
  switch (item.kind) {
    case 'node':
      return nodeRow(item.node, at);
    case 'goal':
      return goalRow(item.goal, caps);
    case 'group':
      return groupRow(item.goal, item.group, item.index);
    case 'reached':
      return [
        seg(`reached here ${item.reached.fleetGoal.slice(-8)} `, { bold: true }),
        seg(item.reached.state.replace(/_/g, ' ').padEnd(17), { tone: 'accent' }),
        seg(` ${one(item.reached.text).slice(0, 60)}`),
      ];
  }
}

function nodeRow(n: NodeFacts, at: number): Line {
  const stale = at - n.ts > STALE_MS;
  const labels = Object.entries(n.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return [
    seg(`${n.node.padEnd(16)} `, { bold: true }),
    stale
      ? seg('UNREACHABLE ', { tone: 'danger', bold: true })
      : seg(n.health.padEnd(12), { tone: n.health === 'ok' ? 'ok' : 'warn' }),
    seg(` ${n.version}  load ${n.load.map((l) => l.toFixed(2)).join(' ')}`),
    seg(`  disk ${gib(n.disk.freeBytes)}/${gib(n.disk.totalBytes)}  up ${Math.round(n.uptimeS / 3600)}h`),
    seg(`  #${n.ledger.seq}`, { tone: 'muted' }),
    seg(labels === '' ? '' : `  ${labels}`, { tone: 'accent' }),
  ];
}

export const fleetView = defineView({
  name: 'fleet',
  title: 'fleet nodes and goals',
  keys: ['8', 'f10'],
  section: 'Fleet',
  bindings: {
    selectPrev: ['up', 'k'],
    selectNext: ['down', 'j'],
    refresh: ['r'],
    approveGroup: ['a'],
    rejectGroup: ['x'],
  },
  load: loadFleet,
  // Reports arrive as nodes plan and run: shown live while the view is on screen.
  poll: true,
  lines: ({ data, active, height, caps }) => {
    if (height <= 0) return [];
    const fleet = loadedFor<FleetData>(data, 'fleet');
    if (fleet === null) return [line(`loading the fleet${caps.glyphs.ellipsis}`, { tone: 'muted' })];
    const s = fleet.status;
    if (!s.joined)
      return [
        line(`Node ${s.node} is in no fleet.`, { bold: true }),
        line('An admin joins it with: aios fleet join URL --creds FILE (docs/fleet.md).', { tone: 'muted' }),
      ].slice(0, height);
    const head: Line = [
      seg(`node ${s.node} `, { bold: true }),
      s.connected
        ? seg(`connected to ${s.url ?? '?'}`, { tone: 'ok' })
        : seg(`NOT connected to ${s.url ?? '?'}`, { tone: 'danger', bold: true }),
      seg(s.problem === null ? '' : ` (${s.problem})`, { tone: 'warn' }),
    ];
    const n = fleet.nodes.length;
    const g = fleet.goals.started.length;
    const sub = line(
      `${n} node${n === 1 ? '' : 's'}, ${g} fleet goal${g === 1 ? '' : 's'} started here ${caps.glyphs.dash} r: reload  a/x: approve/reject the selected plan group`,
      { tone: 'muted' },
    );
    if (fleet.nodesError !== null)
      return [head, line(`cannot list the nodes: ${fleet.nodesError} (r tries again)`, { tone: 'warn' })].slice(
        0,
        height,
      );
    const notes: Line[] = [
      ...(n === 0 ? [line('no node has put its facts yet', { tone: 'muted' })] : []),
      ...(fleet.goalsError === null ? [] : [line(`fleet goals: ${fleet.goalsError}`, { tone: 'muted' })]),
    ];
    const items = fleetItems(fleet);
    const sel = Math.min(data.selected['fleet'] ?? 0, Math.max(0, items.length - 1));
    // The detail (steps, each node's progress) gets at most half the rows left.
    const room = Math.max(1, height - 2 - notes.length);
    const detail = detailOf(items[sel], fleet.at).slice(0, Math.max(0, Math.floor(room / 2)));
    const rows = items.map((item) => itemRow(item, fleet.at, caps));
    return [
      head,
      sub,
      ...notes,
      ...listWindow(rows, sel, Math.max(1, room - detail.length), active, caps),
      ...detail,
    ].slice(0, height);
  },
  // What `a`/`x` act on: the key guard turns a key away while this has just changed on screen.
  guardKey: (data) => {
    const fleet = loadedFor<FleetData>(data, 'fleet');
    if (fleet === null) return '';
    const item = fleetItems(fleet)[data.selected['fleet'] ?? 0];
    return item?.kind === 'group'
      ? `${item.goal.fleetGoal}|${item.group.hash}|${item.group.decision}`
      : (item?.kind ?? '');
  },
  move: selectIn('fleet', (data) => {
    const fleet = loadedFor<FleetData>(data, 'fleet');
    return fleet === null ? 0 : fleetItems(fleet).length;
  }),
});
