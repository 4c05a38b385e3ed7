// Who may approve what, and what may run without a person: declarative, in one place, on top
// of the policy engine's verdict for the step.
import type { Role, StepView } from '../protocol/model.js';
import type { PolicyVerdict } from '../policy/policy-engine.js';
import type { AutonomyLevel, SecurityMode } from '../protocol/vocabulary.js';

/** Who a request acts as: the account behind the connection (kernel-verified uid) and its role. */
export interface Actor {
  uid: number;
  /** The account's primary group, and every group it is in (numeric), as NSS lists them. */
  gid: number;
  groups: number[];
  name: string;
  role: Role;
  home: string;
}

/** How an approval is recorded on a step: who, in which role, and whether they confirmed explicitly. */
export interface Approver {
  name: string;
  role: Role | 'policy';
  confirmed: boolean;
}

/** "ada (admin, confirmed)": readable in the TUI, and parsed back by the step runner. */
export function formatApprover(a: Approver): string {
  return `${a.name} (${a.role}${a.confirmed ? ', confirmed' : ''})`;
}

export function parseApprover(text: string | null): Approver | null {
  if (text === null) return null;
  const m = /^(.*) \((admin|operator|viewer|policy)(, confirmed)?\)$/.exec(text);
  if (m?.[1] === undefined || m[2] === undefined) return null;
  return { name: m[1], role: m[2] as Approver['role'], confirmed: m[3] !== undefined };
}

/**
 * Tool families whose changes reach the whole node (packages, services, network and firewall,
 * security settings): whatever the kernel would let the goal's owner do, only an admin approves
 * them. Their read-only tools (pkg.search, service.status, …) stay open to every approver.
 */
const ADMIN_FAMILIES: Record<string, string> = {
  pkg: "changes the node's packages",
  service: "changes the node's services",
  net: "changes the node's network or firewall",
  sec: "changes the node's security settings",
};

/** The verdict with the per-step rules that depend on the tool itself added to its admin reasons. */
export function withStepRules(verdict: PolicyVerdict, tool: { name: string; mutates: boolean }): PolicyVerdict {
  const why = tool.mutates ? ADMIN_FAMILIES[tool.name.split('.')[0] ?? ''] : undefined;
  if (why === undefined) return verdict;
  return { ...verdict, adminReasons: [...verdict.adminReasons, `${tool.name} ${why}`], autoApprove: false };
}

/**
 * Null when the actor may approve the step as asked; otherwise why not, and what to do. Where
 * an operator may write is not decided here: an operator's goal runs with the operator's own
 * credentials (src/runas), so the kernel decides. The paths only an admin may touch (aiOS's
 * config, state and secrets, the node's protected files) come as adminReasons from policy.
 */
export function approvalRefusal(
  actor: Actor,
  step: Pick<StepView, 'id' | 'risk' | 'reversible' | 'tool'>,
  verdict: PolicyVerdict,
  confirmed: boolean,
): string | null {
  if (actor.role === 'viewer') return `${actor.name} is a viewer and cannot approve plans`;
  if (verdict.decision === 'deny')
    return `step ${step.id} (${step.tool}) is denied by policy: ${verdict.reasons.join('; ')}`;
  if (actor.role === 'operator' && (step.risk === 'high' || !step.reversible)) {
    return `step ${step.id} (${step.tool}) is ${step.risk === 'high' ? 'high risk' : 'irreversible'}: only an admin may approve it`;
  }
  if (actor.role !== 'admin' && verdict.adminReasons.length > 0) {
    return `step ${step.id} (${step.tool}) ${verdict.adminReasons.join('; ')}: only an admin may approve it`;
  }
  if (verdict.decision === 'confirm' && !confirmed) {
    return `step ${step.id} (${step.tool}) needs an explicit confirmation: ${verdict.reasons.join('; ')}. Approve it again with confirm (aios … --confirm)`;
  }
  return null;
}

/** How much the agents may do without a person (`[system] autonomy_level`, `autonomy_allow`). */
export interface Autonomy {
  level: AutonomyLevel;
  /** Tools that, under `full`, may run without a person when the step is low risk and reversible. */
  allow: readonly string[];
}

/**
 * Who approves a plan when no person does, or null when one must:
 * - manual: nobody; every plan waits for a person, even one that only reads;
 * - supervised: plans whose every step only reads, where the security mode lets reads run alone;
 * - full: also plans whose every step is low risk, reversible, allowed by policy with no admin
 *   or confirmation needed, and on the allowlist;
 * - at any level, never a plan with a command that would run unsandboxed (no user namespaces).
 * The approver is recorded as the policy, in the ledger like a person's approval.
 */
export function autoApprovalPolicy(
  mode: SecurityMode,
  verdicts: readonly PolicyVerdict[],
  steps: readonly { tool: string; risk: string; reversible: boolean }[] = [],
  autonomy: Autonomy = { level: 'supervised', allow: [] },
): string | null {
  if (autonomy.level === 'manual' || verdicts.length === 0) return null;
  // Where the sandbox cannot start, no command line runs without a person, whatever the level.
  if (verdicts.some((v) => v.unsandboxed === true)) return null;
  if (verdicts.every((v) => v.autoApprove)) return `policy:read-only(${mode})`;
  if (autonomy.level !== 'full' || steps.length !== verdicts.length) return null;
  const unattended = steps.every((step, i) => {
    const v = verdicts[i];
    return (
      v !== undefined &&
      (v.autoApprove ||
        (v.decision === 'allow' &&
          v.adminReasons.length === 0 &&
          step.risk === 'low' &&
          step.reversible &&
          autonomy.allow.includes(step.tool)))
    );
  });
  return unattended ? `policy:autonomy-full(${mode})` : null;
}
