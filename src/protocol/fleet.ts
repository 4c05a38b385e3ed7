// The fleet's daemon methods, as data: joining, leaving, status, the node list, and a plan drafted
// for a fleet goal planned once (src/fleet).
import { z } from 'zod';
import { PlanStepSpec, Tier } from './model.js';

/** A node's health and facts, kept under its name in the fleet's node bucket. */
export const NodeFacts = z.object({
  node: z.string(),
  version: z.string(),
  health: z.enum(['ok', 'degraded']),
  problems: z.array(z.string()),
  load: z.array(z.number()),
  disk: z.object({ freeBytes: z.number(), totalBytes: z.number() }),
  uptimeS: z.number(),
  ledger: z.object({ seq: z.number(), hash: z.string() }),
  labels: z.record(z.string(), z.string()),
  /** The node's own Ed25519 key: its plans and results are signed with it. */
  key: z.string(),
  ts: z.number(),
});
export type NodeFacts = z.infer<typeof NodeFacts>;

/** A node as `aios fleet nodes` shows it: its facts, and what the hub and the workstation add. */
export const NodeListing = NodeFacts.extend({
  /** The hub revoked this node's creds (aios fleet revoke): it can no longer use the bus. */
  revoked: z.object({ at: z.number(), by: z.string() }).nullable().optional(),
  /** On a workstation: the node presents a key other than the one pinned for it; its reports are refused. */
  keyChanged: z.object({ pinned: z.string(), presented: z.string() }).nullable().optional(),
});
export type NodeListing = z.infer<typeof NodeListing>;

/** A revoked node or person, as the hub marked it in the node bucket. */
export const RevokedMark = z.object({
  kind: z.enum(['node', 'person']),
  name: z.string(),
  at: z.number(),
  by: z.string(),
});
export type RevokedMark = z.infer<typeof RevokedMark>;

export const FleetStatus = z.object({
  joined: z.boolean(),
  node: z.string(),
  url: z.string().nullable(),
  connected: z.boolean(),
  /** This node's fleet key (plans and results are signed with it). */
  key: z.string(),
  problem: z.string().nullable(),
});

export const FleetJoinParams = z
  .object({
    url: z.string().regex(/^(nats|tls):\/\/[^\s]+$/, 'a hub URL such as nats://127.0.0.1:4222 or tls://hub:4222'),
    /** The .creds file's text (read by the CLI as the admin who runs it). */
    creds: z.string().min(1).max(16_384),
    /** PEM of the CA that signed the hub's certificate (tls:// with a private CA). */
    ca: z.string().max(65_536).optional(),
  })
  .strict();

/** A plan made on one node and sent to others with a fleet goal (`aios fleet goal --plan-once`). */
export const SentPlan = z.object({
  kind: z.literal('plan'),
  tier: Tier,
  steps: z.array(PlanStepSpec).min(1).max(64),
  explanation: z.string().max(4000),
});
export type SentPlan = z.infer<typeof SentPlan>;

/** A plan made here and neither kept nor run (plan/draft), or why the planner could not make one. */
export const PlanDraft = z.discriminatedUnion('kind', [
  SentPlan,
  z.object({ kind: z.literal('not_understood'), reason: z.string() }),
]);
export type PlanDraft = z.infer<typeof PlanDraft>;
