// What each protocol method does, in terms of the engine and the stores.
import { hostname } from 'node:os';
import { PROTOCOL_VERSION } from '../protocol/jsonrpc.js';
import { OpError } from '../agents/op-error.js';
import type { AgentMesh } from '../agents/mesh/agent-mesh.js';
import type { ProcedureStore } from '../agents/procedure-store.js';
import type { GoalEngine } from '../agents/goal-engine.js';
import type { Planner } from '../agents/planner.js';
import type { AuditLedger } from '../memory/audit-ledger.js';
import type { GoalStore } from '../memory/goal-store.js';
import type { MemoryStore } from '../memory/memory-store.js';
import type { SnapshotStore } from '../recovery/snapshot-store.js';
import type { ToolRegistry } from '../tools/registry.js';
import { toolHandlers } from './tool-handlers.js';
import { updateHandlers } from './update-handlers.js';
import type { UpdateService } from './update-service.js';
import { fleetHandlers } from '../fleet/fleet-handlers.js';
import type { FleetNode } from '../fleet/node-agent.js';
import type { ConsoleGoalsHome } from '../fleet/fleet-handlers.js';
import type { Connection, Handlers } from './rpc-server.js';
import type { TuiViews } from './tui-views.js';
import { auditFor, goalFor, seesDetail, traceFor } from './visibility.js';
import type { ModelsListResult, TierStatus } from '../protocol/intelligence.js';
import type { ScheduleView } from '../protocol/schedule.js';
import type { PatchRunView, PatchStatus } from '../protocol/patch.js';
import { collectedDetail, type GcResult } from './retention.js';
import { checkArchives } from '../memory/audit-archive.js';
import type { AgentJobView } from '../protocol/agent-jobs.js';
import { bootTimelineView } from '../files/boot-timeline-file.js';
import type { ModelPullHandler } from './model-pull-handler.js';
import { pullHandler } from './model-pull-handler.js';
import type { ModelRecommendation } from '../protocol/model-pull.js';

export interface HandlerDeps {
  version: string;
  mesh: AgentMesh;
  procedures: ProcedureStore;
  mode: 'user' | 'system';
  stateDir: string;
  socketPath: string;
  startedAt: number;
  nodeName: string;
  engine: GoalEngine;
  store: GoalStore;
  snapshots: SnapshotStore;
  ledger: AuditLedger;
  memory: MemoryStore;
  registry: ToolRegistry;
  planners: () => string[];
  problems: () => string[];
  clientCount: () => number;
  /** The planning tiers for the status bar, and `aios models` (src/models). */
  tiers: () => TierStatus[];
  /** The cloud's spend this month against its budgets, for the status bar (null: no provider configured). */
  budget?: () => { spentUsd: number; limitUsd: number | null } | null;
  models: () => Promise<ModelsListResult>;
  /** Reads config.toml again and rebuilds the model tiers if it is whole (`aios models add`, SIGHUP). */
  reloadModels: () => Promise<{ reloaded: boolean; message: string; problems: string[]; tiers: TierStatus[] }>;
  /** Stores a provider's key in secrets.toml and rebuilds the model tiers, whatever else changed. */
  setApiKey: (
    provider: string,
    key: string,
  ) => Promise<{ reloaded: boolean; message: string; problems: string[]; tiers: TierStatus[]; fingerprint: string }>;
  /** `models/pull` (src/models/pull-service.ts); absent: this aiosd cannot pull. */
  pullModel?: ModelPullHandler;
  /** `models/recommend` (src/models/recommend.ts). */
  recommendModels?: () => Promise<ModelRecommendation>;
  /** Ledger pages, decision traces, snapshot detail, metrics, the escape hatch, settings. */
  views: TuiViews;
  /** Why nothing new can be recorded at all (the database file was deleted or replaced), or null. */
  unrecordable?: () => string | null;
  /** The [[schedule]] entries (src/agents/schedule). */
  schedules?: () => ScheduleView[];
  /** Retention (src/memory/collector.ts) with the configured ages, or olderThan for every age. */
  gc?: (opts: { olderThan?: string; dryRun: boolean }) => GcResult;
  /** An agent's own recurring jobs (the maintenance agent's: src/agents/maintenance). */
  agentJobs?: (agent: string) => AgentJobView[];
  /** A/B updates of aiOS itself (src/daemon/update-service.ts). */
  updates?: UpdateService;
  /** This node's member of the fleet (src/fleet). */
  fleet: FleetNode;
  /** Where the fleet goals started at this console are kept (absent: in memory only). */
  consoleGoals?: ConsoleGoalsHome;
  /** The node's planner: plan/draft plans with it for aios fleet goal --plan-once. */
  planner: Planner;
  /** [security] auto_patch (src/agents/patch): its status, and a run now. */
  patching?: { status: () => PatchStatus; run: (by: string) => Promise<PatchRunView> };
}

const userOf = (conn: Connection) => ({ uid: conn.actor.uid, name: conn.actor.name, role: conn.actor.role });

/** The name this node goes by: its fleet name ([fleet] node) once it joined a fleet, else [system] hostname. */
function nodeName(d: HandlerDeps): string {
  const fleet = d.fleet.status();
  return fleet.joined ? fleet.node : d.nodeName || hostname();
}

export function createHandlers(d: HandlerDeps): Handlers {
  return {
    initialize: (params, conn) => {
      if (params.protocolVersion !== PROTOCOL_VERSION) {
        throw new OpError(
          'InvalidParams',
          `protocol version ${params.protocolVersion} is not supported; this aiosd speaks ${PROTOCOL_VERSION}: update the client`,
        );
      }
      conn.initialized = true;
      return {
        protocolVersion: PROTOCOL_VERSION,
        server: { name: 'aiosd', version: d.version },
        user: userOf(conn),
        node: nodeName(d),
        mode: d.mode,
      };
    },
    'status/get': (_p, conn) => {
      const problems = d.problems();
      const budget = d.budget?.() ?? null;
      return {
        version: d.version,
        pid: process.pid,
        uptimeMs: Date.now() - d.startedAt,
        node: nodeName(d),
        mode: d.mode,
        user: userOf(conn),
        stateDir: d.stateDir,
        socket: d.socketPath,
        clients: d.clientCount(),
        goals: d.store.countByState(),
        planners: d.planners(),
        health: problems.length === 0 ? 'ok' : 'degraded',
        problems,
        ...d.views.settings(),
        tiers: d.tiers(),
        ...(budget === null ? {} : { budget }),
        memory: daemonMemory(),
        ...updateNoticeOf(d.updates),
        ...(d.patching === undefined ? {} : { patching: d.patching.status() }),
      };
    },
    'events/subscribe': (_p, conn) => {
      conn.subscribed = true;
      return { ok: true as const };
    },
    // Who may call each method is checked before dispatch (the perm beside its schema in
    // src/protocol/methods.ts); what each caller may see of a goal is decided here (visibility.ts).
    'goal/submit': async (p, conn) => {
      const gone = d.unrecordable?.() ?? null;
      if (gone !== null) throw new OpError('StateUnavailable', gone);
      return d.engine.submit(p.text, conn.actor);
    },
    'goal/list': (p, conn) => ({
      goals: d.store
        .listGoals(p.limit, {
          ...(p.state === undefined ? {} : { state: p.state }),
          ...(p.id === undefined ? {} : { id: p.id }),
          ...(p.mine === true ? { submittedBy: { uid: conn.actor.uid, name: conn.actor.name } } : {}),
        })
        .map((g) => goalFor(conn.actor, g)),
    }),
    'goal/get': (p, conn) => goalFor(conn.actor, d.engine.get(p.goalId)),
    'goal/rollback': (p, conn) => d.engine.rollback(p.goalId, conn.actor),
    'rollback/preview': (p) => d.engine.rollbackPreview(p.goalId),
    'goal/resume': (p, conn) => d.engine.resume(p.goalId, conn.actor),
    'plan/decide': (p, conn) =>
      d.engine.decide(p.planId, p.planHash, p.decision, p.stepIds, conn.actor, p.confirm === true),
    'plan/edit': (p, conn) => d.engine.editStep(p.planId, p.planHash, p.stepId, p.args, conn.actor),
    'audit/list': (p, conn) => {
      const page = d.views.auditPage(p.beforeSeq, p.limit);
      return { ...page, entries: auditFor(conn.actor, page.entries) };
    },
    'goal/trace': (p, conn) => {
      const goal = d.engine.get(p.goalId);
      return { goal: goalFor(conn.actor, goal), items: traceFor(conn.actor, goal.ownerUid, d.views.trace(p.goalId)) };
    },
    'snapshot/get': (p, conn) => {
      const detail = d.views.snapshot(p.snapshotId, conn.actor.role === 'admin');
      if (detail === undefined)
        throw new OpError('NotFound', `no snapshot "${p.snapshotId}"; list them with 'aios snapshots'`);
      return detail;
    },
    'metrics/get': () => d.views.metrics(),
    'hatch/open': (p, conn) => d.views.hatches.open(conn, p),
    'hatch/input': (p, conn) => {
      d.views.hatches.input(conn.id, p.hatchId, p.data);
      return { ok: true as const };
    },
    'hatch/resize': (p, conn) => {
      d.views.hatches.resize(conn.id, p.hatchId, p.cols, p.rows);
      return { ok: true as const };
    },
    'hatch/close': (p, conn) => {
      d.views.hatches.close(conn.id, p.hatchId);
      return { ok: true as const };
    },
    'snapshot/list': (p) => ({ snapshots: d.snapshots.list(p.limit) }),
    ...toolHandlers(d),
    ...updateHandlers(d.updates),
    ...fleetHandlers(
      d.fleet,
      (actor, action, subject, detail) => d.ledger.append({ actor, action, subject, detail }),
      d.planner,
      d.consoleGoals,
    ),
    'audit/verify': (p) => {
      const r = d.ledger.verify();
      if (p.archives !== true) return r;
      const archives = checkArchives(d.stateDir, d.ledger.seals(), d.ledger.publicKey());
      return { ...r, ok: r.ok && archives.every((a) => a.ok), archives };
    },
    'audit/acknowledge': (p, conn) => {
      if (conn.actor.role !== 'admin')
        throw new OpError(
          'Unauthorized',
          `${conn.actor.name} is not an admin and cannot acknowledge a broken audit ledger`,
        );
      if (d.ledger.problem() === null)
        throw new OpError(
          'Conflict',
          'the audit ledger is not broken: there is nothing to acknowledge (aios audit verify)',
        );
      return d.ledger.acknowledge(conn.actor.name, p.note);
    },
    'agents/list': () => ({
      agents: d.mesh.list().map((a) => {
        const jobs = d.agentJobs?.(a.name) ?? [];
        return { ...a, capabilities: [...(d.mesh.capabilities(a.name) ?? [])], ...(jobs.length > 0 ? { jobs } : {}) };
      }),
      procedures: d.procedures.stats(),
    }),
    // A memory of someone else's goal may quote its output: only admins and the goal's owner see it.
    'memory/search': (p, conn) => ({
      hits: d.memory.search(p.query, p.limit).filter((hit) => {
        const goalId = d.memory.goalOf(hit.id);
        return goalId === null || seesDetail(conn.actor, d.store.ownerOf({ goalId }));
      }),
    }),
    'models/list': () => d.models(),
    'goal/cancel': (p, conn) => d.engine.cancel(p.goalId, conn.actor, { afterStep: p.afterStep === true }),
    // Stops work of every goal on the agent (admins only: the perm in methods.ts).
    'agents/stop': (p, conn) => d.engine.stopAgent(p.agent, conn.actor, p.hold === true),
    'agents/start': (p, conn) => d.engine.startAgent(p.agent, conn.actor),
    'models/reload': () => d.reloadModels(),
    'models/key-set': async (p, conn) => {
      const r = await d.setApiKey(p.provider, p.key);
      d.ledger.append({
        actor: conn.actor.name,
        action: 'models.key-set',
        subject: p.provider,
        detail: { fingerprint: r.fingerprint, reloaded: r.reloaded },
      });
      return { provider: p.provider, ...r };
    },
    'models/pull': (p, conn) => pullHandler(d.pullModel, d.ledger, p, conn),
    'models/recommend': () => {
      if (d.recommendModels === undefined) throw new OpError('Failed', 'this aiosd cannot recommend models');
      return d.recommendModels();
    },
    // Written by aios-init into the state dir as the node boots (init/timeline).
    'boot/timeline': () => bootTimelineView(d.stateDir),
    'goal/revise': (p, conn) => d.engine.revise(p.goalId, conn.actor),
    'schedule/list': () => ({ schedules: d.schedules?.() ?? [] }),
    'patch/status': () => {
      if (d.patching === undefined) throw new OpError('Failed', 'this aiosd was started without patching');
      return d.patching.status();
    },
    'patch/run': (_p, conn) => {
      if (d.patching === undefined) throw new OpError('Failed', 'this aiosd was started without patching');
      return d.patching.run(conn.actor.name);
    },
    'gc/run': (p, conn) => {
      if (d.gc === undefined)
        throw new OpError('Failed', 'this aiosd was started without retention, so it cannot collect old state');
      const r = d.gc({ ...(p.olderThan === undefined ? {} : { olderThan: p.olderThan }), dryRun: p.dryRun });
      // A dry run changes nothing, so it leaves no entry; a real one is recorded like any deletion.
      if (!p.dryRun)
        d.ledger.append({
          actor: conn.actor.name,
          action: 'gc.run',
          subject: p.olderThan ?? 'retention',
          detail: collectedDetail(r),
        });
      return r;
    },
  };
}

/** The failed update a login should hear about, if any: never a reason for status/get to fail. */
function updateNoticeOf(updates: UpdateService | undefined): { updateNotice?: string } {
  try {
    const n = updates?.notice() ?? null;
    return n === null ? {} : { updateNotice: n };
  } catch {
    return {};
  }
}

interface DaemonMemory {
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
}
let memoryRead: { at: number; value: DaemonMemory } | null = null;

/** At most once a second: reading it costs more (about 17 µs) than the rest of a status request. */
function daemonMemory(now = Date.now()): DaemonMemory {
  if (memoryRead === null || now - memoryRead.at >= 1000) {
    const m = process.memoryUsage();
    memoryRead = { at: now, value: { rssBytes: m.rss, heapUsedBytes: m.heapUsed, externalBytes: m.external } };
  }
  return memoryRead.value;
}
