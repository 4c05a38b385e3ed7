// The domain objects that cross the socket: goals, plans, steps, snapshots.
// One zod schema each gives the TypeScript type and the runtime check.
import { z } from 'zod';

export const Risk = z.enum(['low', 'medium', 'high']);
export type Risk = z.infer<typeof Risk>;

export const Role = z.enum(['admin', 'operator', 'viewer']);
export type Role = z.infer<typeof Role>;

export const Tier = z.enum(['reactive', 'procedure', 'local', 'cloud', 'direct']);
export type Tier = z.infer<typeof Tier>;

/** A step as the planner proposes it: what the plan hash covers. */
export const PlanStepSpec = z.object({
  id: z.string().min(1).max(64),
  agent: z.string().min(1).max(64),
  tool: z.string().min(1).max(128),
  args: z.record(z.string(), z.unknown()),
  rationale: z.string().max(2000),
  risk: Risk,
  reversible: z.boolean(),
  dependsOn: z.array(z.string()).default([]),
});
export type PlanStepSpec = z.infer<typeof PlanStepSpec>;

export const StepState = z.enum([
  'pending', 'approved', 'rejected', 'running', 'succeeded', 'failed', 'skipped', 'rolled_back',
]);
export type StepState = z.infer<typeof StepState>;

export const GoalState = z.enum([
  'planning', 'not_understood', 'awaiting_approval', 'running', 'succeeded', 'failed',
  'rejected', 'rolled_back', 'interrupted',
]);
export type GoalState = z.infer<typeof GoalState>;

export const StepPreview = z.object({
  summary: z.string(),
  /** Exact argv, a diff, or the listing that would be shown: untrusted text, sanitise before display. */
  detail: z.string().optional(),
});
export type StepPreview = z.infer<typeof StepPreview>;

export const StepView = PlanStepSpec.extend({
  state: StepState,
  preview: StepPreview,
  snapshotId: z.string().nullable(),
  output: z.string(),
  error: z.string().nullable(),
  approvedBy: z.string().nullable(),
});
export type StepView = z.infer<typeof StepView>;

export const PlanView = z.object({
  id: z.string(),
  goalId: z.string(),
  tier: Tier,
  hash: z.string(),
  createdAt: z.string(),
  steps: z.array(StepView),
});
export type PlanView = z.infer<typeof PlanView>;

export const GoalView = z.object({
  id: z.string(),
  text: z.string(),
  state: GoalState,
  message: z.string().nullable(),
  submittedBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  plan: PlanView.nullable(),
});
export type GoalView = z.infer<typeof GoalView>;

export const SnapshotView = z.object({
  id: z.string(),
  label: z.string(),
  goalId: z.string().nullable(),
  stepId: z.string().nullable(),
  createdAt: z.string(),
  paths: z.array(z.string()),
  restoredAt: z.string().nullable(),
});
export type SnapshotView = z.infer<typeof SnapshotView>;

export const AuditVerifyResult = z.object({
  ok: z.boolean(),
  entries: z.number(),
  /** The first entry that does not verify, and why. */
  firstBad: z.object({ seq: z.number(), reason: z.string() }).nullable(),
});
export type AuditVerifyResult = z.infer<typeof AuditVerifyResult>;

export const MemoryHit = z.object({
  id: z.string(),
  kind: z.string(),
  content: z.string(),
  snippet: z.string(),
  createdAt: z.string(),
});
export type MemoryHit = z.infer<typeof MemoryHit>;

export const ClientUser = z.object({ uid: z.number(), name: z.string(), role: Role });
export type ClientUser = z.infer<typeof ClientUser>;
