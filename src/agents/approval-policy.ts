// Who may approve what, and what may run without a person: declarative, in one place.
import type { Role, StepView } from '../protocol/model.js';

export type SecurityMode = 'safe' | 'normal' | 'paranoid' | 'trusted';

export interface Actor {
  uid: number;
  name: string;
  role: Role;
  home: string;
}

/** Null when the actor may approve the step; otherwise why not. */
export function approvalRefusal(actor: Actor, step: Pick<StepView, 'id' | 'risk' | 'reversible' | 'tool'>): string | null {
  if (actor.role === 'viewer') return `${actor.name} is a viewer and cannot approve plans`;
  if (actor.role === 'operator' && (step.risk === 'high' || !step.reversible)) {
    return `step ${step.id} (${step.tool}) is ${step.risk === 'high' ? 'high risk' : 'irreversible'}: only an admin may approve it`;
  }
  return null;
}

/**
 * Plans whose every step only reads run without a person in the normal and trusted
 * modes; safe and paranoid modes confirm everything. The approver is recorded as the policy.
 */
export function autoApprovalPolicy(mode: SecurityMode, steps: readonly { mutates: boolean }[]): string | null {
  if ((mode === 'normal' || mode === 'trusted') && steps.length > 0 && steps.every((s) => !s.mutates)) {
    return `policy:read-only(${mode})`;
  }
  return null;
}
