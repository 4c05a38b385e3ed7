// The node bucket read without a consumer: key names from the stream's info, values by direct get.
// So a node's creds need no right to make consumers (each is state on the hub), and a node lists
// the fleet as a person does. Revocation marks (revocation-marks.ts) are folded into the listing.
import { jetstreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { NodeFacts, type NodeListing } from '../protocol/fleet.js';
import { parseMark, type RevokedMark } from './revocation-marks.js';
import { NODES_BUCKET } from './subjects.js';

export interface FleetListing {
  nodes: NodeListing[];
  /** Every revoked node and person, newest mark for each. */
  revoked: RevokedMark[];
}

const PREFIX = `$KV.${NODES_BUCKET}.`;

export async function readFleet(nc: NatsConnection, kv: KV): Promise<FleetListing> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(`KV_${NODES_BUCKET}`, { subjects_filter: `${PREFIX}>` });
  const keys = Object.keys(info.state.subjects ?? {})
    .map((s) => s.slice(PREFIX.length))
    .sort();
  const facts: NodeFacts[] = [];
  const revoked: RevokedMark[] = [];
  await Promise.all(
    keys.map(async (k) => {
      const e = await kv.get(k);
      if (e === null || e.operation !== 'PUT') return;
      let value: unknown;
      try {
        value = e.json();
      } catch {
        return;
      }
      const mark = parseMark(k, value);
      if (mark !== null) revoked.push(mark);
      else if (!k.startsWith('_')) {
        const parsed = NodeFacts.safeParse(value);
        // Facts under another node's name are not that node's: only the key's owner may write it.
        if (parsed.success && parsed.data.node === k) facts.push(parsed.data);
      }
    }),
  );
  const nodeMarks = new Map(revoked.filter((r) => r.kind === 'node').map((r) => [r.name, r]));
  const nodes = facts
    .map((f): NodeListing => {
      const m = nodeMarks.get(f.node);
      return m === undefined ? f : { ...f, revoked: { at: m.at, by: m.by } };
    })
    .sort((a, b) => a.node.localeCompare(b.node));
  return { nodes, revoked: revoked.sort((a, b) => a.at - b.at) };
}

/** Nodes a fleet goal must not be sent to, and why: revoked, or presenting an unpinned key. */
export function refusedNodes(nodes: readonly NodeListing[]): { node: string; why: string }[] {
  return nodes.flatMap((n) =>
    n.revoked != null
      ? [{ node: n.node, why: `its creds were revoked by ${n.revoked.by}` }]
      : n.keyChanged != null
        ? [
            {
              node: n.node,
              why: `it presents key ${n.keyChanged.presented}, not the key pinned for it (${n.keyChanged.pinned}); check at its console, then aios fleet trust ${n.node} KEY`,
            },
          ]
        : [],
  );
}
