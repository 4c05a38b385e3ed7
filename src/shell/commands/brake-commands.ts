// Commands that stop or undo, each asked as a question first and done only on a guarded Y:
// rolling a goal back (after the daemon says what it would restore and remove), cancelling a
// goal, leaving while something of yours waits for approval or runs.
import type { GoalView } from '../../protocol/model.js';
import type { RollbackPreview } from '../../protocol/methods.js';
import { reportFailure, type CommandContext } from './command-context.js';
import { lastRanGoal, newestPlanning } from '../state/goals.js';
import { focusedGoal, type ShellState } from '../state/shell-state.js';

const ANY_OTHER = 'any other key keeps it';

/** At most `n` items named, then how many more. */
function some(items: readonly string[], n = 4): string {
  return items.length <= n ? items.join(', ') : `${items.slice(0, n).join(', ')} and ${items.length - n} more`;
}

/** The preview in one line: what is restored, removed, made again, put back, and left as is. */
export function previewText(p: RollbackPreview): string {
  const parts = [
    p.restore.length > 0 ? `restores ${some(p.restore)}` : '',
    p.remove.length > 0 ? `removes ${some(p.remove)}` : '',
    p.create.length > 0 ? `makes again ${some(p.create)}` : '',
    ...p.states.map((s) => `puts back ${s.kind} (${some(s.changes, 2)})`),
    p.irreversible.length > 0 ? `cannot undo ${some(p.irreversible)}` : '',
    p.problems.length > 0 ? `may fail: ${some(p.problems, 2)}` : '',
  ].filter((s) => s !== '');
  return parts.length === 0 ? 'changes nothing: all is as before the goal' : parts.join('; ');
}

/** `r`: asks aiosd what rolling back the goal shown (if it ran, else the last that ran) would do, and asks for Y. */
export function askRollback(ctx: CommandContext): void {
  const state = ctx.store.getState();
  const shown = focusedGoal(state);
  const ran =
    shown !== null && ['succeeded', 'failed', 'interrupted', 'cancelled'].includes(shown.state)
      ? shown
      : lastRanGoal(state.goals);
  if (ran === null) return ctx.flash('info', 'no goal has run yet — nothing to roll back');
  if (state.session?.role === 'viewer') return ctx.flash('warning', 'your role is viewer: you cannot roll back goals');
  const c = ctx.client();
  if (c === null) return;
  c.call('rollback/preview', { goalId: ran.id })
    .then(
      (preview) =>
        ctx.dispatch({
          type: 'confirmAsked',
          confirm: {
            kind: 'rollback',
            goalId: ran.id,
            text: `press Y to roll back "${ran.text}", ${ANY_OTHER}. It ${previewText(preview)}.`,
          },
        }),
      (error: unknown) => reportFailure(ctx, 'cannot preview the rollback', error),
    )
    .catch(() => undefined);
}

export function rollback(ctx: CommandContext, goalId: string): void {
  const c = ctx.client();
  if (c === null) return;
  const text = ctx.store.getState().goals.byId[goalId]?.text ?? goalId;
  ctx.flash('info', `rolling back: ${text}`);
  c.call('goal/rollback', { goalId })
    .then(
      (updated) => {
        ctx.dispatch({ type: 'goalUpdated', goal: updated, focus: true });
        ctx.flash('info', `rolled back: ${text}`);
      },
      (error: unknown) => reportFailure(ctx, 'rollback failed', error),
    )
    .catch(() => undefined);
}

const STOPPABLE = new Set<GoalView['state']>(['planning', 'awaiting_approval', 'running']);

/**
 * The goal shown if it can still be stopped, else the newest one this user submitted that is
 * being planned: Ctrl-C must not stop a plan another person is waiting on just because it is newer.
 */
export function goalToCancel(state: ShellState): GoalView | null {
  const shown = focusedGoal(state);
  if (shown !== null && STOPPABLE.has(shown.state)) return shown;
  const user = state.session?.user;
  return user === undefined ? null : newestPlanning(state.goals, (g) => g.submittedBy === user);
}

/** `c`, Ctrl-C on an empty input line: asks for Y, naming the goal. */
export function askCancel(ctx: CommandContext): void {
  const state = ctx.store.getState();
  const goal = goalToCancel(state);
  if (goal === null) return ctx.flash('info', 'no goal is being planned, awaits approval or runs — nothing to cancel');
  if (state.session?.role === 'viewer') return ctx.flash('warning', 'your role is viewer: you cannot cancel goals');
  ctx.dispatch({
    type: 'confirmAsked',
    confirm: {
      kind: 'cancel',
      goalId: goal.id,
      text: `press Y to cancel goal "${goal.text}" (${goal.state.replace(/_/g, ' ')}), ${ANY_OTHER}`,
    },
  });
}

export function cancelGoal(ctx: CommandContext, goalId: string): void {
  const c = ctx.client();
  if (c === null) return;
  const text = ctx.store.getState().goals.byId[goalId]?.text ?? goalId;
  c.call('goal/cancel', { goalId })
    .then(
      (updated) => {
        ctx.dispatch({ type: 'goalUpdated', goal: updated, focus: false });
        ctx.flash(
          'info',
          `${updated.state === 'cancelled' ? 'cancelled' : `goal is ${updated.state.replace(/_/g, ' ')}`}: ${updated.message ?? text}`,
        );
      },
      (error: unknown) => reportFailure(ctx, 'cancel failed', error),
    )
    .catch(() => undefined);
}

/** This user's goals that wait for an approval or run: leaving then is asked first. */
export function pendingOfMine(state: ShellState): GoalView[] {
  const me = state.session?.user;
  if (me === undefined) return [];
  return state.goals.order
    .map((id) => state.goals.byId[id])
    .filter(
      (g): g is GoalView =>
        g !== undefined && g.submittedBy === me && (g.state === 'awaiting_approval' || g.state === 'running'),
    );
}

/** `q`: leaves at once, unless something of this user's is pending: then says what and asks for Y. */
export function askLeave(ctx: CommandContext, leave: () => void): void {
  const pending = pendingOfMine(ctx.store.getState());
  if (pending.length === 0) return leave();
  const what = some(
    pending.map((g) => `"${g.text}" ${g.state === 'running' ? 'runs' : 'awaits approval'}`),
    2,
  );
  ctx.dispatch({
    type: 'confirmAsked',
    confirm: { kind: 'leave', text: `press Y to leave anyway, any other key stays: ${what} (it stays with aiosd)` },
  });
}
