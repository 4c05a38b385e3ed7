// What each protocol method does, in terms of the engine and the stores.
import { hostname } from 'node:os';
import { PROTOCOL_VERSION } from '../protocol/jsonrpc.js';
import { OpError } from '../agents/op-error.js';
import type { AgentMesh } from '../agents/mesh/agent-mesh.js';
import type { ProcedureStore } from '../agents/procedure-store.js';
import type { GoalEngine } from '../agents/goal-engine.js';
import type { AuditLedger } from '../memory/audit-ledger.js';
import type { GoalStore } from '../memory/goal-store.js';
import type { MemoryStore } from '../memory/memory-store.js';
import type { SnapshotStore } from '../tools/snapshot-store.js';
import type { ToolRegistry } from '../tools/registry.js';
import { toolHandlers } from './tool-handlers.js';
import type { Connection, Handlers } from './rpc-server.js';
import type { TuiViews } from './tui-views.js';
import type { ModelsListResult, TierStatus } from '../protocol/intelligence.js';
import { bootTimelineView } from '../../init/timeline/timeline-store.js';

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
  setApiKey: (provider: string, key: string) => Promise<{ reloaded: boolean; message: string; problems: string[]; tiers: TierStatus[]; fingerprint: string }>;
  /** Ledger pages, decision traces, snapshot detail, metrics, the escape hatch, settings. */
  views: TuiViews;
}

const userOf = (conn: Connection) => ({ uid: conn.actor.uid, name: conn.actor.name, role: conn.actor.role });

function mustAct(conn: Connection, what: string): void {
  if (conn.actor.role === 'viewer') throw new OpError('Unauthorized', `${conn.actor.name} is a viewer and cannot ${what}`);
}

export function createHandlers(d: HandlerDeps): Handlers {
  return {
    initialize: (params, conn) => {
      if (params.protocolVersion !== PROTOCOL_VERSION) {
        throw new OpError('InvalidParams', `protocol version ${params.protocolVersion} is not supported; this aiosd speaks ${PROTOCOL_VERSION}: update the client`);
      }
      conn.initialized = true;
      return { protocolVersion: PROTOCOL_VERSION, server: { name: 'aiosd', version: d.version }, user: userOf(conn), node: d.nodeName || hostname(), mode: d.mode };
    },
    'status/get': (_p, conn) => {
      const problems = d.problems();
      const budget = d.budget?.() ?? null;
      return {
        version: d.version, pid: process.pid, uptimeMs: Date.now() - d.startedAt, node: d.nodeName || hostname(), mode: d.mode,
        user: userOf(conn), stateDir: d.stateDir, socket: d.socketPath, clients: d.clientCount(),
        goals: d.store.countByState(), planners: d.planners(), health: problems.length === 0 ? 'ok' : 'degraded', problems,
        ...d.views.settings(), tiers: d.tiers(), ...(budget === null ? {} : { budget }),
        memory: daemonMemory(),
      };
    },
    'events/subscribe': (_p, conn) => {
      conn.subscribed = true;
      return { ok: true as const };
    },
    'goal/submit': async (p, conn) => {
      mustAct(conn, 'submit goals');
      return d.engine.submit(p.text, conn.actor);
    },
    'goal/list': (p) => ({ goals: d.store.listGoals(p.limit) }),
    'goal/get': (p) => d.engine.get(p.goalId),
    'goal/rollback': (p, conn) => d.engine.rollback(p.goalId, conn.actor),
    'goal/resume': (p, conn) => d.engine.resume(p.goalId, conn.actor),
    'plan/decide': (p, conn) => d.engine.decide(p.planId, p.planHash, p.decision, p.stepIds, conn.actor, p.confirm === true),
    'plan/edit': (p, conn) => d.engine.editStep(p.planId, p.planHash, p.stepId, p.args, conn.actor),
    'audit/list': (p) => d.views.auditPage(p.beforeSeq, p.limit),
    'goal/trace': (p) => ({ goal: d.engine.get(p.goalId), items: d.views.trace(p.goalId) }),
    'snapshot/get': (p, conn) => {
      const detail = d.views.snapshot(p.snapshotId, conn.actor.role === 'admin');
      if (detail === undefined) throw new OpError('NotFound', `no snapshot "${p.snapshotId}"; list them with 'aios snapshots'`);
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
    'audit/verify': () => d.ledger.verify(),
    'agents/list': () => ({
      agents: d.mesh.list().map((a) => ({ ...a, capabilities: [...(d.mesh.capabilities(a.name) ?? [])] })),
      procedures: d.procedures.stats(),
    }),
    'memory/search': (p) => ({ hits: d.memory.search(p.query, p.limit) }),
    'models/list': () => d.models(),
    'goal/cancel': (p, conn) => d.engine.cancel(p.goalId, conn.actor),
    'models/reload': (_p, conn) => {
      if (conn.actor.role !== 'admin') throw new OpError('Unauthorized', `${conn.actor.name} is not an admin and cannot reload the model settings`);
      return d.reloadModels();
    },
    'models/key-set': async (p, conn) => {
      if (conn.actor.role !== 'admin') throw new OpError('Unauthorized', `${conn.actor.name} is not an admin and cannot set an API key; ask an admin`);
      const r = await d.setApiKey(p.provider, p.key);
      d.ledger.append({ actor: conn.actor.name, action: 'models.key-set', subject: p.provider, detail: { fingerprint: r.fingerprint, reloaded: r.reloaded } });
      return { provider: p.provider, ...r };
    },
    // Written by aios-init into the state dir as the node boots (init/timeline).
    'boot/timeline': () => bootTimelineView(d.stateDir),
    'goal/revise': (p, conn) => d.engine.revise(p.goalId, conn.actor),
  };
}

interface DaemonMemory { rssBytes: number; heapUsedBytes: number; externalBytes: number }
let memoryRead: { at: number; value: DaemonMemory } | null = null;

/** At most once a second: reading it costs more (about 17 µs) than the rest of a status request. */
function daemonMemory(now = Date.now()): DaemonMemory {
  if (memoryRead === null || now - memoryRead.at >= 1000) {
    const m = process.memoryUsage();
    memoryRead = { at: now, value: { rssBytes: m.rss, heapUsedBytes: m.heapUsed, externalBytes: m.external } };
  }
  return memoryRead.value;
}
