// Every request a client may send, as params and result schemas, named resource/method.
import { PatchRunView, PatchStatus } from './patch.js';
import { z } from 'zod';
import { AgentJobView } from './agent-jobs.js';
import { BootTimeline } from './boot-timeline.js';
import {
  AuditEntryView,
  AuditVerifyResult,
  ClientUser,
  GoalState,
  GoalView,
  MemoryHit,
  Metrics,
  SnapshotEntryView,
  SnapshotView,
  TraceItem,
  type Role,
} from './model.js';
import { ModelsListResult, TierStatus } from './intelligence.js';
import { ModelPullParams, ModelPullResult, ModelRecommendation } from './model-pull.js';
import { ScheduleView } from './schedule.js';
import { UpdateAccepted, UpdateStatus } from './update.js';
import {
  FleetDecideParams,
  FleetGoals,
  FleetGoalView,
  FleetJoinParams,
  FleetStartParams,
  FleetStatus,
  NodeListing,
  PlanDraft,
  RevokedMark,
} from './fleet.js';
import { AutonomyLevel, EscapeHatch } from './vocabulary.js';

/**
 * Who may call a method, checked by the RPC server before dispatch: the least role, and whether
 * the caller must own the goal the request names (its goalId or planId); admins always may.
 * What depends on a step rather than a method (admin-only tool families) is judged per step by
 * the approval policy (src/agents/approval-policy.ts).
 */
export interface Permission {
  role: Role;
  owner?: true;
}
const viewer = { role: 'viewer' } as const satisfies Permission;
const operator = { role: 'operator' } as const satisfies Permission;
const ownerOrAdmin = { role: 'operator', owner: true } as const satisfies Permission;
const admin = { role: 'admin' } as const satisfies Permission;

const Empty = z.object({}).strict();

/** What rolling a goal back would change: each list as paths or states, nothing changed yet. */
export const RollbackPreview = z.object({
  goalId: z.string(),
  /** The steps whose snapshots would be restored, newest first. */
  steps: z.array(z.string()),
  /** Paths written back to what they held before the goal (content, link, mode or owner). */
  restore: z.array(z.string()),
  /** Paths the goal created, removed again. */
  remove: z.array(z.string()),
  /** Directories made again. */
  create: z.array(z.string()),
  /** Packages, services, firewall: what putting them back as before the step would change, in words. */
  states: z.array(z.object({ kind: z.string(), changes: z.array(z.string()), step: z.string() })),
  /** Steps that changed something and cannot be undone: left as they are. */
  irreversible: z.array(z.string()),
  /** What would stop the rollback or could not be brought back, in words. */
  problems: z.array(z.string()),
});
export type RollbackPreview = z.infer<typeof RollbackPreview>;
const Ok = z.object({ ok: z.literal(true) });

/** What gc/run deleted (or, dry, would): rows and approximate bytes per kind; blob bytes are exact. */
const GcCount = z.object({ count: z.number(), bytes: z.number() });
export const GcResult = z.object({
  dryRun: z.boolean(),
  goals: GcCount,
  events: GcCount,
  memories: GcCount,
  snapshots: GcCount,
  blobs: GcCount,
  /** Ledger entries archived out of the database under a signed seal (<state>/audit-archive). */
  ledger: GcCount,
});

export const methods = {
  initialize: {
    perm: viewer,
    params: z
      .object({
        protocolVersion: z.number().int(),
        client: z.object({ name: z.string().max(64), version: z.string().max(32) }),
      })
      .strict(),
    result: z.object({
      protocolVersion: z.number(),
      server: z.object({ name: z.string(), version: z.string() }),
      user: ClientUser,
      node: z.string(),
      mode: z.enum(['user', 'system']),
    }),
  },
  'status/get': {
    perm: viewer,
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
      autonomy: AutonomyLevel.optional(),
      escapeHatch: EscapeHatch.optional(),
      /** From config [shell]: how long a command key waits to stand alone (the shell's key guard). */
      guardMs: z.number().optional(),
      burstMs: z.number().optional(),
      /** The planning tiers (reactive → procedure → operational → tactical → cloud), each up or down and why. */
      tiers: z.array(TierStatus).optional(),
      /**
       * This month's cloud spend, and what is left of the monthly budgets (null: some provider has
       * none, so only the spend is shown). Absent without a provider configured.
       */
      budget: z.object({ spentUsd: z.number(), limitUsd: z.number().nullable() }).optional(),
      /** aiosd's own memory, for the soak and for anyone watching it over days. */
      memory: z.object({ rssBytes: z.number(), heapUsedBytes: z.number(), externalBytes: z.number() }).optional(),
      /** The last update of aiOS failed and this slot runs instead: what a login shows (init/update). */
      updateNotice: z.string().optional(),
      /** [security] auto_patch: whether patching is on, when, and how the last run went. */
      patching: PatchStatus.optional(),
    }),
  },
  'events/subscribe': { perm: viewer, params: Empty, result: Ok },
  'goal/submit': {
    perm: operator,
    params: z.object({ text: z.string().min(1).max(8192) }).strict(),
    result: GoalView,
  },
  'goal/list': {
    perm: viewer,
    params: z
      .object({
        limit: z.number().int().min(1).max(500).default(50),
        state: GoalState.optional(),
        /** Only the goals the asking account submitted. */
        mine: z.boolean().optional(),
        /** The whole id, or 8 or more characters of its end (as the TUI prints it) or of its start. */
        id: z
          .string()
          .regex(/^[0-9A-HJKMNP-TV-Z]{8,26}$/i, 'a goal id is 8 to 26 characters of 0-9 and A-Z without I, L, O, U')
          .optional(),
      })
      .strict(),
    result: z.object({ goals: z.array(GoalView) }),
  },
  'goal/get': {
    perm: viewer,
    params: z.object({ goalId: z.string() }).strict(),
    result: GoalView,
  },
  'goal/resume': {
    perm: ownerOrAdmin,
    // Runs the approved steps of an interrupted goal that never started; the approval stands. A step
    // whose outcome is unknown (it started, aiosd stopped) runs only once approved again (plan/decide
    // approve with its id in stepIds and confirm).
    params: z.object({ goalId: z.string() }).strict(),
    result: GoalView,
  },
  'goal/rollback': {
    perm: ownerOrAdmin,
    params: z.object({ goalId: z.string() }).strict(),
    result: GoalView,
  },
  'rollback/preview': {
    // Owner or admin: it names the paths the goal changed, which only they may see.
    perm: ownerOrAdmin,
    // What goal/rollback would do now, computed from the goal's snapshots; changes nothing.
    params: z.object({ goalId: z.string() }).strict(),
    result: RollbackPreview,
  },
  'plan/decide': {
    perm: ownerOrAdmin,
    // Approve or reject steps of a plan; bound to the hash the person reviewed.
    params: z
      .object({
        planId: z.string(),
        planHash: z.string(),
        /** skip: do not run the step, but go on with the others (steps that depend on it are skipped). */
        decision: z.enum(['approve', 'reject', 'skip']),
        /** Omitted: every step still pending. */
        stepIds: z.array(z.string()).optional(),
        /** The person explicitly confirms the steps marked as needing it (irreversible, require_confirm…). */
        confirm: z.boolean().optional(),
      })
      .strict(),
    result: GoalView,
  },
  'snapshot/list': {
    perm: viewer,
    params: z.object({ limit: z.number().int().min(1).max(1000).default(100) }).strict(),
    result: z.object({ snapshots: z.array(SnapshotView) }),
  },
  'snapshot/restore': {
    perm: admin,
    // path: only what the snapshot recorded at or under it (a directory: what is new in it is removed).
    params: z.object({ snapshotId: z.string(), path: z.string().min(1).optional() }).strict(),
    result: z.object({
      snapshot: SnapshotView,
      restored: z.array(z.string()),
      /** Paths that had to change; the rest already matched. */
      changed: z.array(z.string()).optional(),
      /** Packages, services, firewall: what was done and what could not be brought back. */
      states: z
        .array(
          z.object({ kind: z.string(), ok: z.boolean(), actions: z.array(z.string()), problems: z.array(z.string()) }),
        )
        .optional(),
      problems: z.array(z.string()).optional(),
    }),
  },
  'snapshot/preview': {
    // What snapshot/restore would change now (it names paths anywhere on the node, as restoring does); changes nothing.
    perm: admin,
    params: z.object({ snapshotId: z.string(), path: z.string().min(1).optional() }).strict(),
    result: z.object({
      restore: z.array(z.string()),
      remove: z.array(z.string()),
      create: z.array(z.string()),
      problems: z.array(z.string()),
    }),
  },
  'snapshot/create': {
    perm: admin,
    // A manual snapshot of whole trees (never pruned); needs an admin, since it copies what it reads.
    params: z
      .object({ paths: z.array(z.string().min(1)).min(1).max(64), label: z.string().max(200).optional() })
      .strict(),
    result: z.object({ snapshot: SnapshotView, entries: z.number(), hashed: z.number(), skipped: z.array(z.string()) }),
  },
  'tool/list': {
    perm: viewer,
    params: Empty,
    result: z.object({
      tools: z.array(
        z.object({
          name: z.string(),
          description: z.string(),
          risk: z.string(),
          reversible: z.boolean(),
          mutates: z.boolean(),
          capabilities: z.array(z.string()),
          inputSchema: z.record(z.string(), z.unknown()),
        }),
      ),
    }),
  },
  'tool/plan': {
    perm: operator,
    // One tool call as a one-step plan (the 'direct' tier): schema check, policy, preview, approval, audit.
    params: z.object({ tool: z.string().min(1).max(128), args: z.record(z.string(), z.unknown()) }).strict(),
    result: GoalView,
  },
  'audit/export': {
    perm: admin,
    // A page of the ledger with every signed checkpoint and the public key that verifies them.
    params: z
      .object({ afterSeq: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(1000).default(1000) })
      .strict(),
    result: z.object({
      entries: z.array(
        z.object({
          seq: z.number(),
          ts: z.string(),
          actor: z.string(),
          action: z.string(),
          subject: z.string(),
          detail: z.record(z.string(), z.unknown()),
          prevHash: z.string(),
          hash: z.string(),
        }),
      ),
      checkpoints: z.array(
        z.object({ seq: z.number(), hash: z.string(), ts: z.string(), keyId: z.string(), signature: z.string() }),
      ),
      /** Signed seals over ranges archived out of the database (the upkeep's collection). */
      seals: z
        .array(
          z.object({
            from: z.number(),
            to: z.number(),
            prevHash: z.string(),
            hash: z.string(),
            ts: z.string(),
            keyId: z.string(),
            signature: z.string(),
          }),
        )
        .optional(),
      publicKey: z.string().nullable(),
      keyId: z.string().nullable(),
      head: z.object({ seq: z.number(), hash: z.string() }),
    }),
  },
  'audit/verify': {
    perm: viewer,
    // archives: also read every archive file collection wrote and check it against its seal.
    params: z.object({ archives: z.boolean().optional() }).strict(),
    result: AuditVerifyResult,
  },
  'audit/acknowledge': {
    perm: admin,
    // An admin accepts a BROKEN ledger (entries cut off or rewritten), audited under their name:
    // changes are allowed again, and the ledger is checked and signed again from this entry on.
    params: z.object({ note: z.string().max(1000).optional() }).strict(),
    result: z.object({
      brokenAt: z.number(),
      reason: z.string(),
      by: z.string(),
      at: z.string(),
      intactSince: z.number(),
    }),
  },
  'plan/edit': {
    perm: ownerOrAdmin,
    // New arguments for one pending step: re-validated, re-previewed, and saved as a new plan
    // with a new hash that needs approving again. Bound to the hash the person edited.
    params: z
      .object({
        planId: z.string(),
        planHash: z.string(),
        stepId: z.string(),
        args: z.record(z.string(), z.unknown()),
      })
      .strict(),
    result: GoalView,
  },
  'audit/list': {
    perm: viewer,
    // Newest entries first, before `beforeSeq` (default: the tip), with where the chain stands.
    params: z
      .object({ beforeSeq: z.number().int().min(1).optional(), limit: z.number().int().min(1).max(1000).default(200) })
      .strict(),
    result: z.object({ entries: z.array(AuditEntryView), head: z.number() }),
  },
  'goal/trace': {
    perm: viewer,
    params: z.object({ goalId: z.string() }).strict(),
    result: z.object({ goal: GoalView, items: z.array(TraceItem) }),
  },
  'snapshot/get': {
    perm: viewer,
    params: z.object({ snapshotId: z.string() }).strict(),
    result: z.object({ snapshot: SnapshotView, entries: z.array(SnapshotEntryView) }),
  },
  'metrics/get': { perm: viewer, params: Empty, result: Metrics },
  'hatch/open': {
    perm: operator,
    // An audited real shell, spawned by the daemon as the asking user, recorded like sudo's I/O logs.
    // Output arrives as hatch.output events on this connection only.
    params: z
      .object({
        cols: z.number().int().min(2).max(1000),
        rows: z.number().int().min(2).max(1000),
        term: z
          .string()
          .max(64)
          .regex(/^[A-Za-z0-9._+-]*$/)
          .default('xterm-256color'),
      })
      .strict(),
    result: z.object({ hatchId: z.string(), shell: z.string(), logDir: z.string() }),
  },
  'hatch/input': {
    perm: operator,
    params: z.object({ hatchId: z.string(), data: z.string().max(65536) }).strict(),
    result: Ok,
  },
  'hatch/resize': {
    perm: operator,
    params: z
      .object({ hatchId: z.string(), cols: z.number().int().min(2).max(1000), rows: z.number().int().min(2).max(1000) })
      .strict(),
    result: Ok,
  },
  'hatch/close': { perm: operator, params: z.object({ hatchId: z.string() }).strict(), result: Ok },
  'agents/list': {
    perm: viewer,
    params: Empty,
    result: z.object({
      agents: z.array(
        z.object({
          name: z.string(),
          domain: z.string(),
          state: z.enum(['idle', 'busy', 'restarting', 'stopped']),
          currentTasks: z.array(z.string()),
          queued: z.number(),
          lastHeartbeat: z.string(),
          done: z.number(),
          failed: z.number(),
          restarts: z.number(),
          lastError: z.string().nullable(),
          capabilities: z.array(z.string()),
          /** Why it takes no new work (stopped with hold), absent or null when it does. */
          held: z.string().nullable().optional(),
          /** Its own recurring jobs (the maintenance agent's retention and housekeeping). */
          jobs: z.array(AgentJobView).optional(),
        }),
      ),
      procedures: z.object({
        lookups: z.number(),
        hits: z.number(),
        hitRate: z.number(),
        stored: z.number(),
        ftsHits: z.number(),
        embeddingHits: z.number(),
      }),
    }),
  },
  'memory/search': {
    perm: viewer,
    params: z
      .object({ query: z.string().min(1).max(1000), limit: z.number().int().min(1).max(200).default(20) })
      .strict(),
    result: z.object({ hits: z.array(MemoryHit) }),
  },
  // Local models (loaded, memory, measured speed, cpu or gpu), cloud providers (spend, budget), tiers.
  'models/list': { perm: viewer, params: Empty, result: ModelsListResult },
  'goal/cancel': {
    perm: ownerOrAdmin,
    // Stops a goal in any state: planning (the model call is aborted), awaiting approval, queued,
    // running (each running step's whole process tree is ended: SIGTERM, then SIGKILL), or
    // interrupted (processes adopted after a restart are ended). Steps not started are skipped;
    // the goal ends cancelled. afterStep: running steps finish, nothing more starts.
    params: z.object({ goalId: z.string(), afterStep: z.boolean().optional() }).strict(),
    result: GoalView,
  },
  'agents/stop': {
    perm: admin,
    // Cancels every step queued on the agent and stops the ones it runs (their process trees are
    // ended); with hold the agent takes no new work until agents/start.
    params: z.object({ agent: z.string().min(1).max(64), hold: z.boolean().optional() }).strict(),
    result: z.object({
      agent: z.string(),
      stopped: z.array(z.string()),
      cancelled: z.array(z.string()),
      held: z.boolean(),
    }),
  },
  'agents/start': {
    perm: admin,
    // An agent held by agents/stop takes work again.
    params: z.object({ agent: z.string().min(1).max(64) }).strict(),
    result: z.object({ agent: z.string(), held: z.boolean() }),
  },
  'models/reload': {
    perm: admin,
    // Reads config.toml again and rebuilds the model tiers; a config that does not load is
    // reported and the running one kept.
    params: Empty,
    result: z.object({
      reloaded: z.boolean(),
      message: z.string(),
      problems: z.array(z.string()),
      tiers: z.array(TierStatus),
    }),
  },
  'models/key-set': {
    perm: admin,
    // Stores a cloud provider's API key in secrets.toml (0600) and reloads the model tiers; admin
    // only. The key is audited by fingerprint, never by value; a key in aiosd's environment still wins.
    params: z
      .object({
        provider: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a provider name: anthropic, openai, or an [api.<name>] table'),
        key: z
          .string()
          .min(8)
          .max(1024)
          .regex(/^[\x21-\x7e]+$/, 'an API key is printable characters without spaces'),
      })
      .strict(),
    result: z.object({
      provider: z.string(),
      fingerprint: z.string(),
      reloaded: z.boolean(),
      message: z.string(),
      problems: z.array(z.string()),
      tiers: z.array(TierStatus),
    }),
  },
  'models/pull': {
    perm: admin,
    // Fetches a GGUF (hf: URI or http(s) URL, through node-llama-cpp's downloader; or a file on the
    // node, read with the caller's own credentials) into [models] model_dir: refused before a byte
    // arrives when it does not fit the tier's memory or the disk, refused after when its sha256 or
    // GGUF header is wrong (nothing left behind), then written into config.toml and reloaded.
    // Progress comes as model.pull events to the calling connection alone; its closing cancels
    // the pull, and the next pull of the same file resumes. Audited with the URI, size and sha256.
    params: ModelPullParams,
    result: ModelPullResult,
  },
  'models/recommend': {
    perm: viewer,
    // One operational and one tactical model from the table in src/models/model-table.json that
    // fit this node's memory (and GPU), with what each costs.
    params: Empty,
    result: ModelRecommendation,
  },
  'boot/timeline': {
    perm: viewer,
    // What aios-init recorded for this boot (null when it did not start this node); stale: from an earlier boot.
    params: Empty,
    result: z.object({ timeline: BootTimeline.nullable(), stale: z.boolean() }),
  },
  'goal/revise': {
    perm: ownerOrAdmin,
    // A failed or interrupted goal: the planner writes a new plan with the failure as context;
    // it is attached to the same goal and needs approving again (the old approval does not carry over).
    params: z.object({ goalId: z.string() }).strict(),
    result: GoalView,
  },
  'schedule/list': {
    perm: viewer,
    // The [[schedule]] entries: when each fires next, its last goal and how that went.
    params: Empty,
    result: z.object({ schedules: z.array(ScheduleView) }),
  },
  'gc/run': {
    perm: admin,
    // Retention ([retention] in config.toml): deletes old final goals, events, memories and the
    // snapshots and blobs only they needed. olderThan ("30d") replaces every age for this run.
    params: z
      .object({
        olderThan: z
          .string()
          .regex(/^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/, 'expected an age such as "90d", "12h" or "30m"')
          .optional(),
        dryRun: z.boolean(),
      })
      .strict(),
    result: GcResult,
  },
  'update/request': {
    perm: admin,
    // Installs a signed bundle (npm run bundle) into the slot that does not run and restarts into
    // it; aios-init carries it (init/update). Recorded in the ledger before and after.
    params: z
      .object({
        bundle: z.string().min(1).max(4096).startsWith('/', 'the bundle as an absolute path'),
        allowDowngrade: z.boolean().optional(),
      })
      .strict(),
    result: UpdateAccepted,
  },
  'update/rollback': {
    perm: admin,
    // Back to the other slot by hand (it must hold an aiOS), with the same health check.
    params: Empty,
    result: UpdateAccepted,
  },
  'update/status': { perm: viewer, params: Empty, result: UpdateStatus },
  'update/report': {
    perm: admin,
    // aios-init after a health check: aiosd records in the ledger the outcomes update.json holds
    // that the ledger does not yet (it reads the file, which only root writes; nothing is taken from the caller).
    params: Empty,
    result: z.object({ recorded: z.number() }),
  },
  // The fleet (src/fleet, docs/fleet.md): joining and leaving change who may send this node work.
  'fleet/join': { perm: admin, params: FleetJoinParams, result: FleetStatus },
  'fleet/leave': { perm: admin, params: Empty, result: FleetStatus },
  'fleet/status': { perm: viewer, params: Empty, result: FleetStatus },
  'fleet/nodes': {
    perm: viewer,
    params: Empty,
    result: z.object({ nodes: z.array(NodeListing), revoked: z.array(RevokedMark).default([]) }),
  },
  // Fleet goals from this node's console (the TUI's fleet view): started, and each plan group
  // approved or rejected, by an admin here; sent with the console's creds and key (docs/fleet.md).
  'fleet/goals': { perm: admin, params: Empty, result: FleetGoals },
  'fleet/start': { perm: admin, params: FleetStartParams, result: FleetGoalView },
  'fleet/decide': { perm: admin, params: FleetDecideParams, result: FleetGoalView },
  'plan/draft': {
    // admin: the planner's fact calls run with no goal, so with no submitter's identity to run as.
    perm: admin,
    // This node's planner on a goal, returned and not kept or run (aios fleet goal --plan-once).
    params: z.object({ text: z.string().min(1).max(8192) }).strict(),
    result: PlanDraft,
  },
  'patch/status': {
    perm: viewer,
    // [security] auto_patch: on or off, its window and package root, and the last run.
    params: Empty,
    result: PatchStatus,
  },
  'patch/run': {
    perm: admin,
    // A patch run now, outside the window; answers when it has ended (upgraded, rolled back, nothing, failed).
    params: Empty,
    result: PatchRunView,
  },
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>;
export type ResultOf<M extends MethodName> = z.infer<Methods[M]['result']>;

/** The permission every method declares, as data (for the RPC server and the docs' table). */
export function permissionOf(method: MethodName): Permission {
  return methods[method].perm;
}

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}
