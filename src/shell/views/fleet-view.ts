// The fleet (docs/fleet.md), read-only: this node's membership (fleet/status) and, once it has
// joined, every node's health and facts from the fleet's bucket (fleet/nodes), as
// `aios fleet status` and `aios fleet nodes` print them. Nothing here acts on the fleet.
import type { NodeFacts } from '../../protocol/fleet.js';
import type { ResultOf } from '../../protocol/methods.js';
import { listWindow } from '../rows/list-window.js';
import { line, seg, type Line } from '../rows/styled-lines.js';
import { defineView, loadedFor, selectIn, type ViewAsk } from './view-record.js';

export interface FleetData {
  status: ResultOf<'fleet/status'>;
  nodes: NodeFacts[];
  /** When it was loaded (ms): a node whose facts are older than STALE_MS then is unreachable. */
  at: number;
}

/** Facts are put every 10 s; three missed puts and the node is called unreachable (as the CLI does). */
export const STALE_MS = 30_000;

const gib = (b: number): string => `${(b / 2 ** 30).toFixed(1)}G`;

function loadFleet(ask: ViewAsk): void {
  const c = ask.client();
  if (c === null) return;
  c.call('fleet/status', {})
    .then(async (status) => {
      const nodes = status.joined ? (await c.call('fleet/nodes', {})).nodes : [];
      const data: FleetData = { status, nodes, at: Date.now() };
      ask.put({ type: 'viewLoaded', view: 'fleet', data });
    })
    .catch((error: unknown) => ask.failed('cannot read the fleet', error));
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
  title: 'fleet nodes (read-only)',
  keys: ['8', 'f10'],
  section: 'Fleet',
  bindings: { selectPrev: ['up', 'k'], selectNext: ['down', 'j'], refresh: ['r'] },
  load: loadFleet,
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
    const sub = line(
      `${n} node${n === 1 ? '' : 's'} ${caps.glyphs.dash} r: reload (read-only: fleet goals are run with aios fleet goal)`,
      {
        tone: 'muted',
      },
    );
    if (n === 0) return [head, sub, line('no node has put its facts yet', { tone: 'muted' })].slice(0, height);
    const sel = Math.min(data.selected['fleet'] ?? 0, n - 1);
    const picked = fleet.nodes[sel];
    const detail: Line[] =
      picked === undefined
        ? []
        : [
            line(
              `  ${fleet.at - picked.ts > STALE_MS ? `last seen ${Math.round((fleet.at - picked.ts) / 1000)} s ago  ` : ''}key ${picked.key}  ledger ${picked.ledger.hash.slice(0, 16)}`,
              { tone: 'muted' },
            ),
            ...picked.problems.slice(0, 3).map((p) => line(`  ! ${p}`, { tone: 'warn' })),
          ];
    const rows = fleet.nodes.map((node) => nodeRow(node, fleet.at));
    return [
      head,
      sub,
      ...listWindow(rows, sel, Math.max(1, height - 2 - detail.length), active, caps),
      ...detail,
    ].slice(0, height);
  },
  move: selectIn('fleet', (data) => loadedFor<FleetData>(data, 'fleet')?.nodes.length ?? 0),
});
