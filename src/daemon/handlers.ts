// What each protocol method does, in terms of the engine and the stores.
import { hostname } from 'node:os';
import { PROTOCOL_VERSION } from '../protocol/jsonrpc.js';
import { OpError } from '../agents/op-error.js';
import type { GoalEngine } from '../agents/goal-engine.js';
import type { AuditLedger } from '../memory/audit-ledger.js';
import type { GoalStore } from '../memory/goal-store.js';
import type { MemoryStore } from '../memory/memory-store.js';
import { SnapshotNotFoundError, type SnapshotStore } from '../tools/snapshot-store.js';
import type { Connection, Handlers } from './rpc-server.js';

export interface HandlerDeps {
  version: string;
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
  planners: () => string[];
  problems: () => string[];
  clientCount: () => number;
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
      return {
        version: d.version, pid: process.pid, uptimeMs: Date.now() - d.startedAt, node: d.nodeName || hostname(), mode: d.mode,
        user: userOf(conn), stateDir: d.stateDir, socket: d.socketPath, clients: d.clientCount(),
        goals: d.store.countByState(), planners: d.planners(), health: problems.length === 0 ? 'ok' : 'degraded', problems,
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
    'plan/decide': (p, conn) => d.engine.decide(p.planId, p.planHash, p.decision, p.stepIds, conn.actor),
    'snapshot/list': (p) => ({ snapshots: d.snapshots.list(p.limit) }),
    'snapshot/restore': (p, conn) => {
      mustAct(conn, 'restore snapshots');
      try {
        const r = d.snapshots.restore(p.snapshotId);
        d.ledger.append({ actor: conn.actor.name, action: 'snapshot.restore', subject: p.snapshotId, detail: { paths: r.restored } });
        return r;
      } catch (err) {
        if (err instanceof SnapshotNotFoundError) throw new OpError('NotFound', err.message);
        throw new OpError('Failed', `restore failed and nothing was changed: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
    'audit/verify': () => d.ledger.verify(),
    'memory/search': (p) => ({ hits: d.memory.search(p.query, p.limit) }),
  };
}
