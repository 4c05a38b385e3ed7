// What the hub makes in JetStream once nats-server is up: the three streams, the node bucket, and
// one durable consumer per node through which it takes its work. All of it is idempotent.
import {
  jetstreamManager,
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { defaultHubLimits, type FleetHubLimits } from './hub-limits.js';
import { NODES_BUCKET, STREAM_AUDIT, STREAM_IN, STREAM_OUT, subjects } from './subjects.js';

const DAY_NS = 24 * 3600 * 1e9;

type StreamConfig = Parameters<JetStreamManager['streams']['add']>[0];

/** The limits [fleet.hub] sets on a stream: they follow the config at each start. */
const LIMIT_KEYS = [
  'max_bytes',
  'max_age',
  'discard',
  'deny_delete',
  'deny_purge',
  'allow_rollup_hdrs',
  'max_msgs_per_subject',
  'discard_new_per_subject',
  'max_msg_size',
] as const;

/** A per-subject quota of [fleet.hub] (0: none) as the stream's max_msgs_per_subject (-1: none). */
const perSubject = (n: number): number => (n === 0 ? -1 : n);

/** Adds a stream, or brings the one there to the configured limits (its other settings stay). */
async function ensureStream(jsm: JetStreamManager, cfg: StreamConfig) {
  let info;
  try {
    info = await jsm.streams.info(cfg.name);
  } catch {
    await jsm.streams.add(cfg);
    return;
  }
  const want = Object.fromEntries(LIMIT_KEYS.filter((k) => cfg[k] !== undefined).map((k) => [k, cfg[k]]));
  if (Object.entries(want).some(([k, v]) => info.config[k as keyof typeof info.config] !== v))
    await jsm.streams.update(cfg.name, { ...info.config, ...want });
}

export async function bootstrapHub(
  nc: NatsConnection,
  nodes: readonly string[],
  limits: FleetHubLimits = defaultHubLimits(),
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  // Work waiting for nodes: a week, so a node away for a weekend still gets it (and sees it is stale).
  await ensureStream(jsm, {
    name: STREAM_IN,
    subjects: ['aios.node.*.in.>'],
    retention: RetentionPolicy.Limits,
    max_age: limits.in_max_age_days * DAY_NS,
    max_bytes: limits.in_max_bytes,
    discard: DiscardPolicy.Old,
    max_msg_size: limits.in_max_msg_bytes,
    // Subjects are per node and kind: a flood of one node's queue trims that queue only.
    max_msgs_per_subject: perSubject(limits.in_max_msgs_per_node),
  });
  // Plans, progress and results: a month, for aios fleet goal show.
  await ensureStream(jsm, {
    name: STREAM_OUT,
    subjects: ['aios.node.*.out.>'],
    max_age: limits.out_max_age_days * DAY_NS,
    max_bytes: limits.out_max_bytes,
    discard: DiscardPolicy.Old,
    max_msg_size: limits.out_max_msg_bytes,
    allow_direct: true,
    max_msgs_per_subject: perSubject(limits.out_max_msgs_per_goal),
  });
  // The ledgers: nothing deleted or purged through the API, not even by the hub's user. Full, it
  // refuses new entries (each node says so) rather than drop old ones: a node flooding its own
  // subject must not push the other nodes' witnessed history out.
  await ensureStream(jsm, {
    name: STREAM_AUDIT,
    subjects: ['aios.node.*.audit.>'],
    deny_delete: true,
    deny_purge: true,
    allow_direct: true,
    max_msg_size: limits.audit_max_msg_bytes,
    max_bytes: limits.audit_max_bytes,
    max_age: limits.audit_max_age_days * DAY_NS,
    discard: DiscardPolicy.New,
    // Subjects are per node: one at its quota is refused, and the others still get through.
    max_msgs_per_subject: perSubject(limits.audit_max_msgs_per_node),
    discard_new_per_subject: limits.audit_max_msgs_per_node !== 0,
  });
  await ensureNodesBucket(nc, jsm, limits);
  for (const node of nodes) await ensureNodeConsumer(jsm, node);
}

/**
 * The node list, with no rollups and no purges: without that, one node's put with `Nats-Rollup:
 * all` on its own key would wipe every other node's facts and the revocation marks.
 */
async function ensureNodesBucket(nc: NatsConnection, jsm: JetStreamManager, limits: FleetHubLimits): Promise<void> {
  const stream = `KV_${NODES_BUCKET}`;
  try {
    await jsm.streams.info(stream);
  } catch {
    await new Kvm(nc).create(NODES_BUCKET, { history: 1, max_bytes: limits.nodes_max_bytes });
  }
  await ensureStream(jsm, {
    name: stream,
    subjects: [`$KV.${NODES_BUCKET}.>`],
    max_bytes: limits.nodes_max_bytes,
    max_msg_size: limits.nodes_max_msg_bytes,
    discard: DiscardPolicy.New,
    allow_rollup_hdrs: false,
    deny_purge: true,
  });
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
