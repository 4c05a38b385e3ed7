// Every request a client may send, as params and result schemas, named resource/method.
import { z } from 'zod';
import { BootTimeline } from './boot-timeline.js';
import {
  AuditEntryView, AuditVerifyResult, ClientUser, GoalView, MemoryHit, Metrics, SnapshotEntryView, SnapshotView, TraceItem,
} from './model.js';
import { ModelsListResult, TierStatus } from './intelligence.js';

const Empty = z.object({}).strict();
const Ok = z.object({ ok: z.literal(true) });

export const methods = {
  initialize: {
    params: z.object({
      protocolVersion: z.number().int(),
      client: z.object({ name: z.string().max(64), version: z.string().max(32) }),
    }).strict(),
    result: z.object({
      protocolVersion: z.number(),
      server: z.object({ name: z.string(), version: z.string() }),
      user: ClientUser,
      node: z.string(),
      mode: z.enum(['user', 'system']),
    }),
  },
  'status/get': {
    params: Empty,
    result: z.object({
      version: z.string(),
      pid: z.number(),
      uptimeMs: z.number(),
      node: z.string(),
      mode: z.enum(['user', 'system']),
      user: ClientUser,
      stateDir: z.string(),
      socket: z.string(),
      clients: z.number(),
      goals: z.record(z.string(), z.number()),
      planners: z.array(z.string()),
      health: z.enum(['ok', 'degraded']),
      problems: z.array(z.string()),
      /** From config: how much the agents may do on their own, and who may open the escape hatch. */
      autonomy: z.enum(['manual', 'supervised', 'full']).optional(),
      escapeHatch: z.enum(['never', 'admin', 'always']).optional(),
      /** The planning tiers (reactive → procedure → operational → tactical → cloud), each up or down and why. */
      tiers: z.array(TierStatus).optional(),
      /**
       * This month's cloud spend, and what is left of the monthly budgets (null: some provider has
       * none, so only the spend is shown). Absent without a provider configured.
       */
      budget: z.object({ spentUsd: z.number(), limitUsd: z.number().nullable() }).optional(),
      /** aiosd's own memory, for the soak and for anyone watching it over days. */
      memory: z.object({ rssBytes: z.number(), heapUsedBytes: z.number(), externalBytes: z.number() }).optional(),
    }),
  },
  'events/subscribe': { params: Empty, result: Ok },
  'goal/submit': {
    params: z.object({ text: z.string().min(1).max(8192) }).strict(),
    result: GoalView,
  },
  'goal/list': {
    params: z.object({ limit: z.number().int().min(1).max(500).default(50) }).strict(),
    result: z.object({ goals: z.array(GoalView) }),
  },
  'goal/get': {
    params: z.object({ goalId: z.string() }).strict(),
    result: GoalView,
  },
  'goal/resume': {
    // Runs the approved steps of an interrupted goal that did not finish; the approval stands.
    params: z.object({ goalId: z.string() }).strict(),
    result: GoalView,
  },
  'goal/rollback': {
    params: z.object({ goalId: z.string() }).strict(),
    result: GoalView,
  },
  'plan/decide': {
    // Approve or reject steps of a plan; bound to the hash the person reviewed.
    params: z.object({
      planId: z.string(),
      planHash: z.string(),
      /** skip: do not run the step, but go on with the others (steps that depend on it are skipped). */
      decision: z.enum(['approve', 'reject', 'skip']),
      /** Omitted: every step still pending. */
      stepIds: z.array(z.string()).optional(),
      /** The person explicitly confirms the steps marked as needing it (irreversible, require_confirm…). */
      confirm: z.boolean().optional(),
    }).strict(),
    result: GoalView,
  },
  'snapshot/list': {
    params: z.object({ limit: z.number().int().min(1).max(1000).default(100) }).strict(),
    result: z.object({ snapshots: z.array(SnapshotView) }),
  },
  'snapshot/restore': {
    params: z.object({ snapshotId: z.string() }).strict(),
    result: z.object({
      snapshot: SnapshotView,
      restored: z.array(z.string()),
      /** Paths that had to change; the rest already matched. */
      changed: z.array(z.string()).optional(),
      /** Packages, services, firewall: what was done and what could not be brought back. */
      states: z.array(z.object({ kind: z.string(), ok: z.boolean(), actions: z.array(z.string()), problems: z.array(z.string()) })).optional(),
      problems: z.array(z.string()).optional(),
    }),
  },
  'snapshot/create': {
    // A manual snapshot of whole trees (never pruned); needs an admin, since it copies what it reads.
    params: z.object({ paths: z.array(z.string().min(1)).min(1).max(64), label: z.string().max(200).optional() }).strict(),
    result: z.object({ snapshot: SnapshotView, entries: z.number(), hashed: z.number(), skipped: z.array(z.string()) }),
  },
  'tool/list': {
    params: Empty,
    result: z.object({ tools: z.array(z.object({
      name: z.string(), description: z.string(), risk: z.string(), reversible: z.boolean(), mutates: z.boolean(),
      capabilities: z.array(z.string()), inputSchema: z.record(z.string(), z.unknown()),
    })) }),
  },
  'tool/plan': {
    // One tool call as a one-step plan (the 'direct' tier): schema check, policy, preview, approval, audit.
    params: z.object({ tool: z.string().min(1).max(128), args: z.record(z.string(), z.unknown()) }).strict(),
    result: GoalView,
  },
  'audit/export': {
    // A page of the ledger with every signed checkpoint and the public key that verifies them.
    params: z.object({ afterSeq: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(1000).default(1000) }).strict(),
    result: z.object({
      entries: z.array(z.object({ seq: z.number(), ts: z.string(), actor: z.string(), action: z.string(), subject: z.string(), detail: z.record(z.string(), z.unknown()), prevHash: z.string(), hash: z.string() })),
      checkpoints: z.array(z.object({ seq: z.number(), hash: z.string(), ts: z.string(), keyId: z.string(), signature: z.string() })),
      publicKey: z.string().nullable(),
      keyId: z.string().nullable(),
      head: z.object({ seq: z.number(), hash: z.string() }),
    }),
  },
  'audit/verify': { params: Empty, result: AuditVerifyResult },
  'plan/edit': {
    // New arguments for one pending step: re-validated, re-previewed, and saved as a new plan
    // with a new hash that needs approving again. Bound to the hash the person edited.
    params: z.object({
      planId: z.string(),
      planHash: z.string(),
      stepId: z.string(),
      args: z.record(z.string(), z.unknown()),
    }).strict(),
    result: GoalView,
  },
  'audit/list': {
    // Newest entries first, before `beforeSeq` (default: the tip), with where the chain stands.
    params: z.object({ beforeSeq: z.number().int().min(1).optional(), limit: z.number().int().min(1).max(1000).default(200) }).strict(),
    result: z.object({ entries: z.array(AuditEntryView), head: z.number() }),
  },
  'goal/trace': {
    params: z.object({ goalId: z.string() }).strict(),
    result: z.object({ goal: GoalView, items: z.array(TraceItem) }),
  },
  'snapshot/get': {
    params: z.object({ snapshotId: z.string() }).strict(),
    result: z.object({ snapshot: SnapshotView, entries: z.array(SnapshotEntryView) }),
  },
  'metrics/get': { params: Empty, result: Metrics },
  'hatch/open': {
    // An audited real shell, spawned by the daemon as the asking user, recorded like sudo's I/O logs.
    // Output arrives as hatch.output events on this connection only.
    params: z.object({
      cols: z.number().int().min(2).max(1000),
      rows: z.number().int().min(2).max(1000),
      term: z.string().max(64).regex(/^[A-Za-z0-9._+-]*$/).default('xterm-256color'),
    }).strict(),
    result: z.object({ hatchId: z.string(), shell: z.string(), logDir: z.string() }),
  },
  'hatch/input': {
    params: z.object({ hatchId: z.string(), data: z.string().max(65536) }).strict(),
    result: Ok,
  },
  'hatch/resize': {
    params: z.object({ hatchId: z.string(), cols: z.number().int().min(2).max(1000), rows: z.number().int().min(2).max(1000) }).strict(),
    result: Ok,
  },
  'hatch/close': { params: z.object({ hatchId: z.string() }).strict(), result: Ok },
  'agents/list': {
    params: Empty,
    result: z.object({
      agents: z.array(z.object({
        name: z.string(), domain: z.string(), state: z.enum(['idle', 'busy', 'restarting', 'stopped']), currentTasks: z.array(z.string()),
        queued: z.number(), lastHeartbeat: z.string(), done: z.number(), failed: z.number(), restarts: z.number(), lastError: z.string().nullable(),
        capabilities: z.array(z.string()),
      })),
      procedures: z.object({ lookups: z.number(), hits: z.number(), hitRate: z.number(), stored: z.number(), ftsHits: z.number(), embeddingHits: z.number() }),
    }),
  },
  'memory/search': {
    params: z.object({ query: z.string().min(1).max(1000), limit: z.number().int().min(1).max(200).default(20) }).strict(),
    result: z.object({ hits: z.array(MemoryHit) }),
  },
  // Local models (loaded, memory, measured speed, cpu or gpu), cloud providers (spend, budget), tiers.
  'models/list': { params: Empty, result: ModelsListResult },
  'goal/cancel': {
    // Stops a goal while it is planned: the model call in flight is aborted, nothing runs.
    params: z.object({ goalId: z.string() }).strict(),
    result: GoalView,
  },
  'models/reload': {
    // Reads config.toml again and rebuilds the model tiers; a config that does not load is
    // reported and the running one kept.
    params: Empty,
    result: z.object({ reloaded: z.boolean(), message: z.string(), problems: z.array(z.string()), tiers: z.array(TierStatus) }),
  },
  'models/key-set': {
    // Stores a cloud provider's API key in secrets.toml (0600) and reloads the model tiers; admin
    // only. The key is audited by fingerprint, never by value; a key in aiosd's environment still wins.
    params: z.object({
      provider: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a provider name: anthropic, openai, or an [api.<name>] table'),
      key: z.string().min(8).max(1024).regex(/^[\x21-\x7e]+$/, 'an API key is printable characters without spaces'),
    }).strict(),
    result: z.object({ provider: z.string(), fingerprint: z.string(), reloaded: z.boolean(), message: z.string(), problems: z.array(z.string()), tiers: z.array(TierStatus) }),
  },
  'boot/timeline': {
    // What aios-init recorded for this boot (null when it did not start this node); stale: from an earlier boot.
    params: Empty,
    result: z.object({ timeline: BootTimeline.nullable(), stale: z.boolean() }),
  },
  'goal/revise': {
    // A failed or interrupted goal: the planner writes a new plan with the failure as context;
    // it is attached to the same goal and needs approving again (the old approval does not carry over).
    params: z.object({ goalId: z.string() }).strict(),
    result: GoalView,
  },
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>;
export type ResultOf<M extends MethodName> = z.infer<Methods[M]['result']>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}
