// The fleet's daemon methods, as data: joining, leaving, status, the node list, and a plan drafted
// for a fleet goal planned once (src/fleet).
import { z } from 'zod';
import { PlanStepSpec, Risk, Tier } from './model.js';

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
  /** The console's key (fleet goals started and decided here are signed with it), or null without console creds. */
  consoleKey: z.string().nullable().optional(),
});

export const FleetJoinParams = z
  .object({
    url: z.string().regex(/^(nats|tls):\/\/[^\s]+$/, 'a hub URL such as nats://127.0.0.1:4222 or tls://hub:4222'),
    /** The .creds file's text (read by the CLI as the admin who runs it). */
    creds: z.string().min(1).max(16_384),
    /** PEM of the CA that signed the hub's certificate (tls:// with a private CA). */
    ca: z.string().max(65_536).optional(),
    /**
     * A person's .creds for this node's console (aios fleet token --person NAME): with them aiosd
     * starts fleet goals and sends the group decisions its admins make in the TUI, signed with its
     * console key (FleetStatus.consoleKey), which other nodes map in [fleet.people].
     */
    consoleCreds: z.string().min(1).max(16_384).optional(),
  })
  .strict();

/** One step of a node's plan as it reports it (and as a plan group shows it). */
export const FleetPlanStep = z.object({
  id: z.string(),
  tool: z.string(),
  args: z.record(z.string(), z.unknown()),
  risk: Risk,
  reversible: z.boolean(),
  summary: z.string(),
  state: z.string(),
  error: z.string().nullable().optional(),
});
export type FleetPlanStep = z.infer<typeof FleetPlanStep>;

/** A fleet goal this node's console started (fleet/start), as its rollout stands now. */
export const FleetGoalView = z.object({
  fleetGoal: z.string(),
  text: z.string(),
  startedBy: z.string(),
  startedAt: z.number(),
  /** planning: waiting for plans; deciding: a group waits for a person; running: waves; done/failed: over. */
  state: z.enum(['planning', 'deciding', 'running', 'done', 'failed']),
  groups: z.array(
    z.object({
      /** The normalised plan hash an approval binds to (plan-group.ts). */
      hash: z.string(),
      nodes: z.array(z.string()),
      steps: z.array(FleetPlanStep),
      /** expired: nobody decided before decideBy; its nodes never get an approval. */
      decision: z.enum(['pending', 'approve', 'reject', 'expired']),
      decidedBy: z.string().nullable(),
    }),
  ),
  nodes: z.array(
    z.object({
      node: z.string(),
      phase: z.string(),
      canary: z.boolean(),
      state: z.string().nullable(),
      message: z.string().nullable(),
    }),
  ),
  /** When a group still pending expires (ms since the epoch); null until the plans are grouped. */
  decideBy: z.number().nullable().optional(),
  failures: z.number(),
  stopped: z.boolean(),
  /** Why the rollout ended early (the hub away, …), or null. */
  error: z.string().nullable(),
});
export type FleetGoalView = z.infer<typeof FleetGoalView>;

/** A fleet goal that reached this node: the local goal it became and where that stands. */
export const ReachedGoal = z.object({
  fleetGoal: z.string(),
  goalId: z.string(),
  text: z.string(),
  state: z.string(),
});
export type ReachedGoal = z.infer<typeof ReachedGoal>;

export const FleetGoals = z.object({ started: z.array(FleetGoalView), reached: z.array(ReachedGoal) });

export const FleetStartParams = z
  .object({
    text: z.string().min(1).max(8192),
    /** A name glob or label=value, as aios fleet goal --nodes. */
    nodes: z.string().min(1).max(256),
    canary: z.number().int().min(0).max(10_000).default(1),
    batch: z.number().int().min(1).max(10_000).default(10),
    maxFailures: z.number().int().min(0).max(10_000).default(0),
    timeoutS: z.number().int().min(1).max(86_400).default(60),
    /** Plan it once with this node's planner and send that plan to every node (as aios fleet goal --plan-once). */
    planOnce: z.boolean().optional(),
    /** Every approval also confirms the steps that ask for it (as aios fleet goal --confirm). */
    confirm: z.boolean().optional(),
    /** How long each plan group waits for a decision (seconds; default [fleet] decide_within_s). */
    decideWithinS: z
      .number()
      .int()
      .min(1)
      .max(30 * 86_400)
      .optional(),
  })
  .strict();

export const FleetDecideParams = z
  .object({
    fleetGoal: z.string().min(1).max(64),
    /** The group's hash as the person reviewed it: a decision for any other hash changes nothing. */
    planHash: z.string().regex(/^[0-9a-f]{64}$/),
    decision: z.enum(['approve', 'reject']),
    /** The person typed the confirmation the group's irreversible or high-risk steps ask for. */
    confirm: z.boolean().optional(),
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
