// Every request a client may send, as params and result schemas, named resource/method.
import { z } from 'zod';
import {
  AuditVerifyResult, ClientUser, GoalView, MemoryHit, SnapshotView,
} from './model.js';

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
  'goal/rollback': {
    params: z.object({ goalId: z.string() }).strict(),
    result: GoalView,
  },
  'plan/decide': {
    // Approve or reject steps of a plan; bound to the hash the person reviewed.
    params: z.object({
      planId: z.string(),
      planHash: z.string(),
      decision: z.enum(['approve', 'reject']),
      /** Omitted: every step still pending. */
      stepIds: z.array(z.string()).optional(),
    }).strict(),
    result: GoalView,
  },
  'snapshot/list': {
    params: z.object({ limit: z.number().int().min(1).max(1000).default(100) }).strict(),
    result: z.object({ snapshots: z.array(SnapshotView) }),
  },
  'snapshot/restore': {
    params: z.object({ snapshotId: z.string() }).strict(),
    result: z.object({ snapshot: SnapshotView, restored: z.array(z.string()) }),
  },
  'audit/verify': { params: Empty, result: AuditVerifyResult },
  'memory/search': {
    params: z.object({ query: z.string().min(1).max(1000), limit: z.number().int().min(1).max(200).default(20) }).strict(),
    result: z.object({ hits: z.array(MemoryHit) }),
  },
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>;
export type ResultOf<M extends MethodName> = z.infer<Methods[M]['result']>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}
