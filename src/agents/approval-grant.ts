// What an approval granted, read back from where it was recorded: the ledger's plan.approve
// entry for the step (who, in which role, and whether they confirmed explicitly). The ledger is
// the record that cannot be quietly edited, so the executor trusts it over anything in memory.
import type { AuditLedger } from '../memory/audit-ledger.js';
import type { StepView } from '../protocol/model.js';

export interface Grant {
  role: string;
  confirmed: boolean;
}

export function grantOf(ledger: AuditLedger, planId: string, step: Pick<StepView, 'id' | 'approvedBy'>): Grant {
  const entry = ledger.lastEntry('plan.approve', `${planId}/${step.id}`);
  const detail = entry?.detail ?? {};
  const role =
    typeof detail['role'] === 'string'
      ? detail['role']
      : step.approvedBy?.startsWith('policy:') === true
        ? 'policy'
        : 'unknown';
  return { role, confirmed: detail['confirmed'] === true };
}
