// [fleet.hub] in the hub machine's config.toml: how much each stream the hub makes may hold. Every
// stream has a byte cap, so no node or person can fill the hub's disk; what happens when one is full
// differs by stream (docs/fleet.md, "Stream limits").
import { z } from 'zod';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** One message's cap: at most nats-server's max_payload (1 MiB, hub-config.ts). */
const msgBytes = (fallback: number) => z.number().int().min(1024).max(MiB).default(fallback);
const bytes = (fallback: number) =>
  z
    .number()
    .int()
    .min(MiB)
    .max(2 ** 50)
    .default(fallback);

export const FleetHubLimits = z
  .strictObject({
    /** AIOS_IN: work waiting for nodes. Full: the oldest waiting work is dropped. */
    in_max_bytes: bytes(1 * GiB),
    in_max_age_days: z.number().int().min(1).max(3650).default(7),
    /** AIOS_OUT: plans, progress and results. Full: the oldest reports are dropped. */
    out_max_bytes: bytes(4 * GiB),
    out_max_age_days: z.number().int().min(1).max(3650).default(30),
    /** AIOS_AUDIT: the nodes' ledgers. Full: new entries are refused, nothing witnessed is lost. */
    audit_max_bytes: bytes(16 * GiB),
    /** 0: kept until the byte cap; else entries older than this many days expire. */
    audit_max_age_days: z.number().int().min(0).max(36_500).default(0),
    /**
     * Per-identity quotas, as message counts on the subjects that name one identity (0: none).
     * AIOS_IN keeps at most this many waiting messages per node and kind (goal, approve,
     * rollback): a person flooding one node's queue drops that queue's oldest, no one else's.
     */
    in_max_msgs_per_node: z.number().int().min(0).max(1e9).default(1000),
    /** AIOS_OUT: reports per node, fleet goal and kind; a node flooding one goal keeps only its newest. */
    out_max_msgs_per_goal: z.number().int().min(0).max(1e9).default(1000),
    /**
     * AIOS_AUDIT: entries (and, apart, signed heads) per node. A node at its quota is refused
     * (it says so in fleet status) while every other node still gets through.
     */
    audit_max_msgs_per_node: z.number().int().min(0).max(1e12).default(10_000_000),
    /** KV_aios_nodes: one facts entry per node (and revocation marks). Full: new puts are refused. */
    nodes_max_bytes: bytes(64 * MiB),
    /**
     * The largest message each stream takes (its max_msg_size); a larger one is refused, the
     * sender told. With the quotas above, what one identity can hold in a stream is at most its
     * quota times this (docs/fleet.md, "Stream limits"): bytes, not just counts.
     */
    in_max_msg_bytes: msgBytes(256 * 1024),
    out_max_msg_bytes: msgBytes(512 * 1024),
    audit_max_msg_bytes: msgBytes(512 * 1024),
    /** One node's facts (its only key in the bucket, history 1): this is all a node can hold there. */
    nodes_max_msg_bytes: msgBytes(64 * 1024),
  })
  .prefault({});
export type FleetHubLimits = z.output<typeof FleetHubLimits>;

/** The defaults, for a hub started without a config file. */
export const defaultHubLimits = (): FleetHubLimits => FleetHubLimits.parse(undefined);
