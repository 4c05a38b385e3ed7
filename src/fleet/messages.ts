// The bodies of what crosses the bus, as data only. Each is carried in a signed envelope (signing.ts).
import { z } from 'zod';
import { GoalState } from '../protocol/model.js';
import { FleetPlanStep, SentPlan } from '../protocol/fleet.js';
export { NodeFacts, SentPlan } from '../protocol/fleet.js';

export const GoalRequest = z.object({
  fleetGoal: z.string().min(1).max(64),
  text: z.string().min(1).max(8192),
  /** --plan-once: the initiator's plan, which the node checks and previews as its own instead of planning. */
  plan: SentPlan.optional(),
});
export type GoalRequest = z.infer<typeof GoalRequest>;

/** A person's decision on one plan group for one node: what the signature binds. */
export const Approval = z.object({
  fleetGoal: z.string().min(1).max(64),
  /** The plan's normalised hash (plan-group.ts), the same for every node in the group. */
  planHash: z.string().regex(/^[0-9a-f]{64}$/),
  decision: z.enum(['approve', 'reject']),
  confirm: z.boolean().optional(),
});
export type Approval = z.infer<typeof Approval>;

export const RollbackRequest = z.object({ fleetGoal: z.string().min(1).max(64) });

export const RpcRequest = z.object({ method: z.string().min(1).max(64), params: z.unknown() });
export type RpcRequest = z.infer<typeof RpcRequest>;

export const PlanStepSummary = FleetPlanStep;
export type PlanStepSummary = z.infer<typeof PlanStepSummary>;

/** What a node says about its goal for a fleet goal: its plan, then each change of state. */
export const NodeReport = z.object({
  fleetGoal: z.string(),
  goalId: z.string().nullable(),
  state: GoalState.or(z.literal('refused')),
  message: z.string().nullable(),
  /** Normalised plan hash (null: no plan). */
  planHash: z.string().nullable(),
  needsApproval: z.boolean(),
  steps: z.array(PlanStepSummary),
});
export type NodeReport = z.infer<typeof NodeReport>;

export const TERMINAL: ReadonlySet<string> = new Set([
  'succeeded',
  'failed',
  'rejected',
  'rolled_back',
  'interrupted',
  'cancelled',
  'not_understood',
  'refused',
]);
