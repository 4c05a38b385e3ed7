// A person's side of the bus: their creds' connection, their Ed25519 key, and what they do with
// both: read the node list, send signed work to nodes, follow what nodes answered, call a node's aiosd.
import { jetstream, DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { decodeTime, isValid } from 'ulid';
import { dirname, join } from 'node:path';
import type { NodeListing } from '../protocol/fleet.js';
import { fleetConnect, readCredsFile } from './creds.js';
import { readFleet, type FleetListing } from './node-listing.js';
import { NodePins } from './node-pins.js';
import {
  encodeEnvelope,
  loadOrCreateKey,
  parseEnvelope,
  seal,
  signatureHolds,
  type Envelope,
  type SigningKey,
} from './signing.js';
import { withRetry } from './retry.js';
import { firstSeqSince } from './stream-start.js';
import { NODES_BUCKET, STREAM_OUT, subjects } from './subjects.js';

export interface PersonBus {
  nc: NatsConnection;
  js: JetStreamClient;
  key: SigningKey;
  /** The fleet's nodes; on a workstation with pins, each under the key pinned for it (node-pins.ts). */
  nodes(): Promise<NodeListing[]>;
  /** The nodes, and the revoked nodes and people. */
  fleet(): Promise<FleetListing>;
  /** Sends signed work to a node's queue (kept by JetStream until the node takes it). */
  send(node: string, kind: 'goal' | 'approve' | 'rollback', body: unknown): Promise<void>;
  /** Every message nodes published about a fleet goal, as it arrives, from the first. */
  follow(
    fleetGoal: string,
    onMessage: (e: Envelope<unknown>, subject: string) => void,
    o?: { clockSlackMs?: number },
  ): Promise<() => void>;
  /** One JSON-RPC call to a node's aiosd. */
  rpc(node: string, method: string, params: unknown, timeoutMs?: number): Promise<unknown>;
  close(): Promise<void>;
}

export async function openPersonBus(o: {
  url: string;
  credsFile: string;
  keyFile: string;
  ca?: string;
}): Promise<PersonBus> {
  const nc = await fleetConnect({
    url: o.url,
    creds: readCredsFile(o.credsFile),
    ...(o.ca === undefined ? {} : { ca: o.ca }),
  });
  return personBus(nc, loadOrCreateKey(o.keyFile), new NodePins(knownNodesFile(o.keyFile)));
}

/** Where a workstation pins node keys: next to the person's key. */
export const knownNodesFile = (keyFile: string): string => join(dirname(keyFile), 'known-nodes.json');

/** `pins` null: no pinning (protocol-level benches, where every node is made in the same run). */
export function personBus(nc: NatsConnection, key: SigningKey, pins: NodePins | null = null): PersonBus {
  const js = jetstream(nc);
  let kv: KV | null = null;
  const fleet = async (): Promise<FleetListing> => {
    kv ??= await new Kvm(nc).open(NODES_BUCKET);
    const read = await readFleet(nc, kv);
    return pins === null ? read : { ...read, nodes: pins.apply(read.nodes) };
  };
  return {
    nc,
    js,
    key,
    fleet,
    async nodes() {
      return (await fleet()).nodes;
    },
    async send(node, kind, body) {
      // Signed again at each try, so a request that waited out a hub restart is still fresh.
      await withRetry(() => js.publish(subjects.in(node, kind), encodeEnvelope(seal(key, kind, node, body))));
    },
    async follow(fleetGoal, onMessage, o = {}) {
      const since = reportsSince(fleetGoal, o.clockSlackMs);
      const consumer = await js.consumers.get(STREAM_OUT, {
        filter_subjects: subjects.goalOutAll(fleetGoal),
        ...(since === null
          ? { deliver_policy: DeliverPolicy.All }
          : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: await firstSeqSince(js, STREAM_OUT, since) }),
      });
      // Pulls of 5 s, not 30: should a pull be lost, the client finds it (missed heartbeats) in
      // proportion to this, and a person waits on what follows.
      const messages = await consumer.consume({ expires: 5_000 });
      void (async () => {
        for await (const m of messages) {
          const e = parseEnvelope(m.data);
          // Signed by some key, and from the node its subject names; whose key it is, the caller checks.
          if (e !== null && signatureHolds(e) && m.subject.split('.')[2] === e.node) onMessage(e, m.subject);
        }
      })();
      // Closing stops the pulls; the server would keep the consumer 5 minutes more (ordered
      // consumers' inactive threshold): deleted at once, so a goal that ended holds nothing there.
      return () =>
        void messages
          .close()
          .then(() => consumer.delete())
          .catch(() => undefined);
    },
    async rpc(node, method, params, timeoutMs = 30_000) {
      const reply = await nc.request(subjects.rpc(node), encodeEnvelope(seal(key, 'rpc', node, { method, params })), {
        timeout: timeoutMs,
      });
      const e = parseEnvelope(reply.data);
      if (e === null || !signatureHolds(e) || e.node !== node)
        throw new Error(`node ${node} sent an answer that is not signed`);
      return e.body;
    },
    async close() {
      await nc.drain().catch(() => undefined);
    },
  };
}

/** Clocks this far apart still find every report (a node refuses requests dated 30 s ahead anyway). */
const CLOCK_SLACK_MS = 10 * 60_000;

/**
 * Where in AIOS_OUT a fleet goal's reports can start: a little before the time its ULID id holds,
 * so that following a goal reads from there rather than filtering 30 days of every goal's reports.
 * null (from the first message) for an id that is not a ULID.
 */
export function reportsSince(fleetGoal: string, clockSlackMs = CLOCK_SLACK_MS): Date | null {
  if (!isValid(fleetGoal)) return null;
  return new Date(decodeTime(fleetGoal) - clockSlackMs);
}
