// What the hub makes in JetStream once nats-server is up: the three streams, the node bucket, and
// one durable consumer per node through which it takes its work. All of it is idempotent.
import { jetstreamManager, AckPolicy, DeliverPolicy, RetentionPolicy, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { NODES_BUCKET, STREAM_AUDIT, STREAM_IN, STREAM_OUT, subjects } from './subjects.js';

const DAY_NS = 24 * 3600 * 1e9;

/** Adds a stream, or leaves the one there as it is (its limits are the hub's to change, not ours). */
async function ensureStream(jsm: JetStreamManager, cfg: Parameters<JetStreamManager['streams']['add']>[0]) {
  try {
    await jsm.streams.info(cfg.name);
  } catch {
    await jsm.streams.add(cfg);
  }
}

export async function bootstrapHub(nc: NatsConnection, nodes: readonly string[]): Promise<void> {
  const jsm = await jetstreamManager(nc);
  // Work waiting for nodes: a week, so a node away for a weekend still gets it (and sees it is stale).
  await ensureStream(jsm, {
    name: STREAM_IN,
    subjects: ['aios.node.*.in.>'],
    retention: RetentionPolicy.Limits,
    max_age: 7 * DAY_NS,
    max_msg_size: 256 * 1024,
  });
  // Plans, progress and results: a month, for aios fleet goal show.
  await ensureStream(jsm, {
    name: STREAM_OUT,
    subjects: ['aios.node.*.out.>'],
    max_age: 30 * DAY_NS,
    max_msg_size: 512 * 1024,
    allow_direct: true,
  });
  // The ledgers: nothing deleted or purged through the API, not even by the hub's user.
  await ensureStream(jsm, {
    name: STREAM_AUDIT,
    subjects: ['aios.node.*.audit.>'],
    deny_delete: true,
    deny_purge: true,
    allow_direct: true,
    max_msg_size: 512 * 1024,
  });
  await new Kvm(nc).create(NODES_BUCKET, { history: 1 });
  for (const node of nodes) await ensureNodeConsumer(jsm, node);
}

export async function ensureNodeConsumer(jsm: JetStreamManager, node: string): Promise<void> {
  const durable = subjects.nodeConsumer(node);
  try {
    await jsm.consumers.info(STREAM_IN, durable);
  } catch {
    await jsm.consumers.add(STREAM_IN, {
      durable_name: durable,
      filter_subject: subjects.inAll(node),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 30 * 1e9,
      max_deliver: 5,
    });
  }
}
