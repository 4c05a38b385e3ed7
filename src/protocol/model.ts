// The domain objects that cross the socket: goals, plans, steps, snapshots.
// One zod schema each gives the TypeScript type and the runtime check.
import { z } from 'zod';
import { VerifySpec } from './verify.js';

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
  /** A read-only check run after the step: its answer, not the exit code alone, decides success. */
  verify: VerifySpec.optional(),
});
export type PlanStepSpec = z.infer<typeof PlanStepSpec>;

/**
 * cancelled: stopped while it ran (its processes were ended). outcome_unknown: it started and
 * aiosd stopped before its end was recorded; it may have run in full, in part or not at all,
 * so it is never run again without a new, explicit approval that says so.
 */
export const StepState = z.enum([
  'pending',
  'approved',
  'rejected',
  'running',
  'succeeded',
  'failed',
  'skipped',
  'rolled_back',
  'cancelled',
  'outcome_unknown',
]);
export type StepState = z.infer<typeof StepState>;

export const GoalState = z.enum([
  'planning',
  'not_understood',
  'awaiting_approval',
  'running',
  'succeeded',
  'failed',
  'rejected',
  'rolled_back',
  'interrupted',
  'cancelled',
]);
export type GoalState = z.infer<typeof GoalState>;

/** The states a goal ends in: nothing happens to it again unless a person resumes, retries or rolls it back. */
export const GoalEnded = GoalState.extract([
  'succeeded',
  'failed',
  'not_understood',
  'rejected',
  'rolled_back',
  'interrupted',
  'cancelled',
]);
export type GoalEnded = z.infer<typeof GoalEnded>;

export function goalEnded(state: string): state is GoalEnded {
  return GoalEnded.safeParse(state).success;
}

/** The policy's verdict on a step when it was planned (it is judged again right before it runs). */
export const PolicyNote = z.object({
  decision: z.enum(['allow', 'confirm', 'deny']),
  /** Why denied, or what needs an explicit confirmation. */
  reasons: z.array(z.string()),
  /** Why only an admin may approve it (empty: any approver may). */
  adminReasons: z.array(z.string()),
  /** It only reads, and the security mode lets it run without a person. */
  autoApprove: z.boolean(),
  /** The canonical paths it changes. */
  writes: z.array(z.string()),
});
export type PolicyNote = z.infer<typeof PolicyNote>;

export const StepPreview = z.object({
  summary: z.string(),
  /** Exact argv, a diff, or the listing that would be shown: untrusted text, sanitise before display. */
  detail: z.string().optional(),
  policy: PolicyNote.optional(),
  /** The step's verification, in words: what must hold after it runs for it to count as done. */
  verify: z.string().optional(),
});
export type StepPreview = z.infer<typeof StepPreview>;

/** A model's diagnosis of a failed step (the `analyse` task): advice in words, never run. Untrusted text. */
export const StepAnalysis = z.object({
  ok: z.boolean(),
  /** The tier that wrote it; null when none did. */
  tier: z.string().nullable(),
  summary: z.string(),
  likelyCause: z.string(),
  nextStep: z.string(),
  /** Why there is no diagnosis (ok false). */
  reason: z.string().nullable(),
  /** What it cost, as the decision log's cost line. */
  cost: z.string(),
});
export type StepAnalysis = z.infer<typeof StepAnalysis>;

export const StepView = PlanStepSpec.extend({
  state: StepState,
  preview: StepPreview,
  snapshotId: z.string().nullable(),
  output: z.string(),
  error: z.string().nullable(),
  approvedBy: z.string().nullable(),
  /** A failed step's diagnosis, once one was asked for and recorded. */
  analysis: StepAnalysis.optional(),
});
export type StepView = z.infer<typeof StepView>;

export const PlanView = z.object({
  id: z.string(),
  goalId: z.string(),
  tier: Tier,
  hash: z.string(),
  createdAt: z.string(),
  steps: z.array(StepView),
  /** This plan came from an edit: who made it. Shown to the goal's owner when it was someone else. */
  editedBy: z.object({ name: z.string(), uid: z.number() }).optional(),
});
export type PlanView = z.infer<typeof PlanView>;

/** A question's answer, written by a model from its read-only steps' outputs (or why there is none). */
export const GoalAnswerView = z.object({
  /** A model is writing it: the goal has succeeded and its answer follows in a goal.updated event. */
  pending: z.boolean(),
  ok: z.boolean(),
  text: z.string(),
  tier: z.string().nullable(),
  reason: z.string().nullable(),
  cost: z.string(),
});
export type GoalAnswerView = z.infer<typeof GoalAnswerView>;

export const GoalView = z.object({
  id: z.string(),
  text: z.string(),
  state: GoalState,
  message: z.string().nullable(),
  submittedBy: z.string(),
  /** The uid that submitted the goal: its owner, who with admins decides it and sees its output. */
  ownerUid: z.number().optional(),
  /** Step output, previews and gathered facts were withheld: the caller is neither the owner nor an admin. */
  redacted: z.boolean().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  plan: PlanView.nullable(),
  answer: GoalAnswerView.optional(),
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
  /** Signed checkpoints found, and the newest entry one of them covers (absent without a signing key). */
  checkpoints: z.number().optional(),
  signedThrough: z.number().optional(),
  /** Entries 1 to this were archived out of the database under signed seals (absent: none were). */
  sealedThrough: z.number().optional(),
  /** Asked for with archives: each archive file checked against its seal, entry by entry. */
  archives: z
    .array(
      z.object({ file: z.string(), from: z.number(), to: z.number(), ok: z.boolean(), problem: z.string().nullable() }),
    )
    .optional(),
  /** Breaks an admin acknowledged (`aios audit acknowledge`): the chain is checked again from intactSince on. */
  acknowledged: z
    .array(
      z.object({ brokenAt: z.number(), reason: z.string(), by: z.string(), at: z.string(), intactSince: z.number() }),
    )
    .optional(),
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

/** One ledger entry as the audit view shows it. */
export const AuditEntryView = z.object({
  seq: z.number(),
  ts: z.string(),
  actor: z.string(),
  action: z.string(),
  subject: z.string(),
  detail: z.record(z.string(), z.unknown()),
  hash: z.string(),
});
export type AuditEntryView = z.infer<typeof AuditEntryView>;

/** One row of a goal's decision trace: a recorded event, a ledger entry or a tool call. */
export const TraceItem = z.object({
  ts: z.string(),
  source: z.enum(['event', 'audit', 'tool']),
  kind: z.string(),
  actor: z.string(),
  /** Untrusted text (arguments, errors): sanitise before display. */
  summary: z.string(),
  seq: z.number().nullable(),
});
export type TraceItem = z.infer<typeof TraceItem>;

/** A path a snapshot holds, and how it compares with the path as it is now. */
export const SnapshotEntryView = z.object({
  path: z.string(),
  type: z.enum(['file', 'dir', 'symlink', 'absent']),
  mode: z.number().nullable(),
  size: z.number().nullable(),
  now: z.enum(['file', 'dir', 'symlink', 'absent', 'other']),
  changed: z.boolean(),
  /** A unified diff from the saved content to the current one (text files), else null. */
  diff: z.string().nullable(),
  note: z.string().nullable(),
});
export type SnapshotEntryView = z.infer<typeof SnapshotEntryView>;

/** The node's vital signs, sampled by the daemon from /proc (rates since the previous sample). */
export const Metrics = z.object({
  at: z.string(),
  cpu: z.object({ percent: z.number(), cores: z.array(z.number()) }),
  memory: z.object({
    totalBytes: z.number(),
    usedBytes: z.number(),
    availableBytes: z.number(),
    swapTotalBytes: z.number(),
    swapUsedBytes: z.number(),
  }),
  load: z.tuple([z.number(), z.number(), z.number()]),
  disks: z.array(z.object({ mount: z.string(), totalBytes: z.number(), usedBytes: z.number() })),
  net: z.object({ rxBytesPerS: z.number(), txBytesPerS: z.number() }),
  /** Model throughput and spend, when a model gateway reports them (null otherwise). */
  tokensPerS: z.number().nullable(),
  spendUsd: z.number().nullable(),
  budgetUsd: z.number().nullable(),
});
export type Metrics = z.infer<typeof Metrics>;
