// Commands of the snapshot, audit and memory views, and loading what a view shows through its
// record (src/shell/views/) when it opens and on request. Restores ask for a second key first.
import { reportFailure, type CommandContext } from './command-context.js';
import { focusedGoal, type MainView } from '../state/shell-state.js';
import { loadAudit, verifyLedger as verifyChain } from '../views/audit-view.js';
import { viewRecord } from '../views/registry.js';
import { loadSnapshots } from '../views/snapshots-view.js';
import type { ViewAsk } from '../views/view-record.js';

/** What a view's record needs of the live shell to load what it shows. */
export function askFor(ctx: CommandContext, poll = false): ViewAsk {
  return {
    poll,
    client: ctx.client,
    connected: ctx.store.getState().connection.kind === 'connected',
    role: ctx.store.getState().session?.role ?? null,
    put: ctx.dispatch,
    failed: (what, error) => reportFailure(ctx, what, error),
  };
}

/** Loads what a view shows, by its record; `poll`: the timer of a polled view, not the person. */
export function loadView(ctx: CommandContext, view: MainView, poll = false): void {
  viewRecord(view)?.load?.(askFor(ctx, poll));
}

export function verifyLedger(ctx: CommandContext): void {
  verifyChain(askFor(ctx));
}

/** Enter on a snapshot: what it holds against now (toggles off when shown). */
export function openSnapshot(ctx: CommandContext): void {
  const { data } = ctx.store.getState();
  const snap = data.snapshots?.[data.snapshotSel];
  if (snap === undefined) return ctx.flash('info', 'no snapshot selected');
  if (data.snapshotDetail?.id === snap.id)
    return ctx.dispatch({ type: 'snapshotsLoaded', snapshots: data.snapshots ?? [] });
  ctx
    .client()
    ?.call('snapshot/get', { snapshotId: snap.id })
    .then(
      ({ entries }) => ctx.dispatch({ type: 'snapshotDetailLoaded', id: snap.id, entries }),
      (error: unknown) => reportFailure(ctx, 'cannot read the snapshot', error),
    )
    .catch(() => undefined);
}

export function askRestore(ctx: CommandContext): void {
  const state = ctx.store.getState();
  const snap = state.data.snapshots?.[state.data.snapshotSel];
  if (snap === undefined) return ctx.flash('info', 'no snapshot selected');
  if (state.session?.role === 'viewer')
    return ctx.flash('warning', 'your role is viewer: you cannot restore snapshots');
  const n = snap.paths.length;
  ctx.dispatch({
    type: 'confirmAsked',
    confirm: {
      kind: 'restore',
      snapshotId: snap.id,
      text: `press Y to restore ${n} path${n === 1 ? '' : 's'} to their state at ${snap.createdAt}; any other key cancels`,
    },
  });
}

export function restore(ctx: CommandContext, snapshotId: string): void {
  ctx
    .client()
    ?.call('snapshot/restore', { snapshotId })
    .then(
      ({ restored }) => {
        ctx.flash(
          'info',
          `restored ${restored.length} path${restored.length === 1 ? '' : 's'}: ${restored.join(', ')}`,
        );
        loadSnapshots(askFor(ctx));
      },
      (error: unknown) => reportFailure(ctx, 'restore failed', error),
    )
    .catch(() => undefined);
}

/** The decision trace of a goal: the one shown (from the plan view) or the selected entry's. */
export function openTrace(ctx: CommandContext, from: 'plan' | 'audit'): void {
  const state = ctx.store.getState();
  let goalId: string | null = null;
  if (from === 'plan') goalId = focusedGoal(state)?.id ?? null;
  else {
    if (state.data.trace !== null) return ctx.dispatch({ type: 'traceClosed' });
    const entry = state.data.audit?.entries[state.data.auditSel];
    const fromDetail = entry?.detail['goalId'];
    goalId =
      typeof fromDetail === 'string'
        ? fromDetail
        : entry !== undefined && state.goals.byId[entry.subject] !== undefined
          ? entry.subject
          : null;
  }
  if (goalId === null) return ctx.flash('info', from === 'plan' ? 'no goal shown' : 'this entry is not about a goal');
  const id = goalId;
  if (from === 'plan') {
    ctx.dispatch({ type: 'viewShown', view: 'audit' });
    loadAudit(askFor(ctx));
  }
  ctx
    .client()
    ?.call('goal/trace', { goalId: id })
    .then(
      ({ goal, items }) => ctx.dispatch({ type: 'traceLoaded', goalId: id, text: goal.text, items }),
      (error: unknown) => reportFailure(ctx, 'cannot load the decision trace', error),
    )
    .catch(() => undefined);
}

export function searchMemory(ctx: CommandContext, query: string): void {
  const q = query.trim();
  if (q === '') return;
  ctx
    .client()
    ?.call('memory/search', { query: q, limit: 50 })
    .then(
      ({ hits }) => {
        ctx.dispatch({ type: 'memoryLoaded', query: q, hits });
        ctx.dispatch({ type: 'viewShown', view: 'memory' });
      },
      (error: unknown) => reportFailure(ctx, 'search failed', error),
    )
    .catch(() => undefined);
}
