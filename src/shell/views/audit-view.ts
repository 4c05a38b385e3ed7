// Audit and decisions: the ledger, newest first, with its chain verified, and a goal's decision trace.
import { auditLines } from '../rows/data-view-lines.js';
import { defineView, type ViewAsk } from './view-record.js';

export function verifyLedger(ask: ViewAsk): void {
  ask
    .client()
    ?.call('audit/verify', {})
    .then(
      (result) => ask.put({ type: 'verifyLoaded', result }),
      (error: unknown) => ask.failed('cannot verify the ledger', error),
    )
    .catch(() => undefined);
}

export function loadAudit(ask: ViewAsk): void {
  const c = ask.client();
  if (c === null) return;
  c.call('audit/list', { limit: 500 })
    .then(
      ({ entries, head }) => ask.put({ type: 'auditLoaded', entries, head }),
      (error: unknown) => ask.failed('cannot read the ledger', error),
    )
    .catch(() => undefined);
  verifyLedger(ask);
}

export const auditView = defineView({
  name: 'audit',
  title: 'audit ledger and decisions',
  keys: ['4', 'f5'],
  section: 'Audit and decisions',
  bindings: {
    selectPrev: ['up', 'k'],
    selectNext: ['down', 'j'],
    pagePrev: ['pageup'],
    pageNext: ['pagedown'],
    openItem: ['return', 't'],
    verifyLedger: ['v'],
    refresh: ['r'],
  },
  load: loadAudit,
  lines: auditLines,
  move: (delta, data) => ({ type: 'listMoved', list: data.trace === null ? 'audit' : 'trace', delta }),
});
