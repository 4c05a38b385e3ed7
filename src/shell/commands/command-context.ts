// What every group of commands needs: the store, a way to say something on the flash line,
// the live client (or a clear refusal when there is none), and one way to report a failed call.
import type { GoalView } from '../../protocol/model.js';
import { ErrorCode } from '../../protocol/jsonrpc.js';
import type { ShellClient } from './client-port.js';
import { messageOf } from './connection.js';
import type { Action, Flash, ShellState } from '../state/shell-state.js';
import type { Store } from '../state/store.js';

export interface CommandContext {
  store: Store<ShellState, Action>;
  dispatch: (action: Action) => void;
  flash: (level: Flash['level'], text: string) => void;
  /** The live client; when there is none, says so on the flash line and returns null. */
  client: () => ShellClient | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';

/** The goal a Conflict answer carries (someone else decided first), if any. */
export function conflictGoal(error: unknown): GoalView | null {
  if (!isObject(error) || error['code'] !== ErrorCode.Conflict) return null;
  const data = error['data'];
  return isObject(data) && isObject(data['goal']) ? (data['goal'] as unknown as GoalView) : null;
}

/** Shows why a call failed; a Conflict brings the current state of the goal on screen. */
export function reportFailure(ctx: CommandContext, what: string, error: unknown): void {
  const goal = conflictGoal(error);
  if (goal !== null) {
    ctx.dispatch({ type: 'goalUpdated', goal, focus: false });
    const by = goal.plan?.steps.find((s) => s.approvedBy !== null)?.approvedBy;
    const who = by === undefined || by === null ? '' : ` (decided by ${by})`;
    ctx.flash('warning', `${what}: ${messageOf(error)}${who}`);
    return;
  }
  const conflict = isObject(error) && error['code'] === ErrorCode.Conflict;
  ctx.flash(conflict ? 'warning' : 'error', `${what}: ${messageOf(error)}`);
}
