// Turns key presses into commands and commands into daemon calls or state changes.
// It decides nothing the daemon decides (policy, roles): it only refuses what would surely be
// refused and says why, and shows every failure as a flash line.
import type { GoalState, StepState } from '../protocol/model.js';
import type { Connect } from './client-port.js';
import { createLink, messageOf, type Link } from './connection.js';
import { lastRanGoal } from './goals.js';
import type { KeyPress } from './key-decode.js';
import { DEFAULT_KEYMAP, resolveKey, type Keymap, type Resolved } from './keymap.js';
import type { LineEdit } from './line-edit.js';
import { focusedGoal, type Action, type Flash, type ShellState } from './shell-state.js';
import type { Store } from './store.js';

export interface Controller {
  /** Starts connecting (and reconnecting) to aiosd. */
  start(): void;
  stop(): void;
  press(key: KeyPress): void;
  run(resolved: Resolved): void;
  /** The link to the daemon, for tests and the composition root. */
  readonly link: Link;
}

export interface ControllerDeps {
  store: Store<ShellState, Action>;
  connect: Connect;
  /** Called once when the person leaves, with the exit code. */
  onLeave: (code: number) => void;
  keymap?: Keymap;
  backoffS?: (failures: number) => number;
}

const EDITS = {
  cursorLeft: { kind: 'left' },
  cursorRight: { kind: 'right' },
  cursorHome: { kind: 'home' },
  cursorEnd: { kind: 'end' },
  deleteBack: { kind: 'deleteBack' },
  deleteForward: { kind: 'deleteForward' },
  killToEnd: { kind: 'killToEnd' },
  killToStart: { kind: 'killToStart' },
  killWordBack: { kind: 'killWordBack' },
  clearLine: { kind: 'clear' },
} as const satisfies Record<string, LineEdit>;

export const VIEWER_REFUSAL =
  'your role is viewer: you can review plans but not approve or reject them — ask an operator or admin';

function stateWords(state: GoalState | StepState): string {
  return state.replace(/_/g, ' ');
}

export function createController(deps: ControllerDeps): Controller {
  const { store } = deps;
  const keymap = deps.keymap ?? DEFAULT_KEYMAP;
  const dispatch = (action: Action): void => store.dispatch(action);
  const flash = (level: Flash['level'], text: string): void => dispatch({ type: 'flashed', flash: { level, text } });
  const link = createLink({ connect: deps.connect, dispatch, ...(deps.backoffS ? { backoffS: deps.backoffS } : {}) });
  let left = false;

  const client = () => {
    const c = link.client();
    if (c === null) flash('error', 'not connected to aiosd — the shell keeps retrying; try again once it is back');
    return c;
  };

  const submit = (): void => {
    const text = store.getState().input.text.trim();
    if (text === '') return;
    const c = client();
    if (c === null) return;
    dispatch({ type: 'goalSubmitting', text });
    c.call('goal/submit', { text }).then(
      (goal) => dispatch({ type: 'goalUpdated', goal, focus: true }),
      (error: unknown) => dispatch({ type: 'submitFailed', text, message: messageOf(error) }),
    ).catch(() => undefined);
  };

  const decide = (decision: 'approve' | 'reject', scope: 'plan' | 'step'): void => {
    const state = store.getState();
    const goal = focusedGoal(state);
    const plan = goal?.plan ?? null;
    if (goal === null || plan === null) return flash('info', 'no plan shown — submit a goal first');
    if (state.session?.role === 'viewer') return flash('warning', VIEWER_REFUSAL);
    if (goal.state !== 'awaiting_approval') return flash('info', `nothing to decide: this goal is ${stateWords(goal.state)}`);
    const step = plan.steps[state.selectedStep];
    if (scope === 'step' && step === undefined) return flash('info', 'no step selected');
    if (scope === 'step' && step !== undefined && step.state !== 'pending') {
      return flash('info', `step ${step.id} is ${stateWords(step.state)}, not pending`);
    }
    const c = client();
    if (c === null) return;
    const stepIds = scope === 'step' && step !== undefined ? { stepIds: [step.id] } : {};
    c.call('plan/decide', { planId: plan.id, planHash: plan.hash, decision, ...stepIds }).then(
      (updated) => dispatch({ type: 'goalUpdated', goal: updated, focus: false }),
      (error: unknown) => flash('error', `${decision} failed: ${messageOf(error)}`),
    ).catch(() => undefined);
    if (scope === 'step') dispatch({ type: 'stepSelected', delta: 1 });
  };

  const rollback = (): void => {
    const goal = lastRanGoal(store.getState().goals);
    if (goal === null) return flash('info', 'no goal has run yet — nothing to roll back');
    const c = client();
    if (c === null) return;
    flash('info', `rolling back: ${goal.text}`);
    c.call('goal/rollback', { goalId: goal.id }).then(
      (updated) => {
        dispatch({ type: 'goalUpdated', goal: updated, focus: true });
        flash('info', `rolled back: ${goal.text}`);
      },
      (error: unknown) => flash('error', `rollback failed: ${messageOf(error)}`),
    ).catch(() => undefined);
  };

  const focusPlan = (): void => {
    const state = store.getState();
    if (focusedGoal(state) === null && state.submitting === null) {
      return flash('info', 'no goal yet — type one and press Enter');
    }
    dispatch({ type: 'focused', focus: 'plan' });
  };

  const leave = (code: number): void => {
    if (left) return;
    left = true;
    dispatch({ type: 'left', code });
    deps.onLeave(code);
  };

  const run = (resolved: Resolved): void => {
    switch (resolved.command) {
      case 'insertText':
        return dispatch({ type: 'edited', edit: { kind: 'insert', text: resolved.text } });
      case 'cursorLeft':
      case 'cursorRight':
      case 'cursorHome':
      case 'cursorEnd':
      case 'deleteBack':
      case 'deleteForward':
      case 'killToEnd':
      case 'killToStart':
      case 'killWordBack':
      case 'clearLine':
        return dispatch({ type: 'edited', edit: EDITS[resolved.command] });
      case 'historyPrev':
        return dispatch({ type: 'historyMoved', delta: -1 });
      case 'historyNext':
        return dispatch({ type: 'historyMoved', delta: 1 });
      case 'submit':
        return submit();
      case 'focusPlan':
        return focusPlan();
      case 'focusInput':
        return dispatch({ type: 'focused', focus: 'input' });
      case 'approveAll':
        return decide('approve', 'plan');
      case 'approveStep':
        return decide('approve', 'step');
      case 'rejectStep':
        return decide('reject', 'step');
      case 'selectPrev':
        return dispatch({ type: 'stepSelected', delta: -1 });
      case 'selectNext':
        return dispatch({ type: 'stepSelected', delta: 1 });
      case 'prevGoal':
        return dispatch({ type: 'goalShown', delta: -1 });
      case 'nextGoal':
        return dispatch({ type: 'goalShown', delta: 1 });
      case 'rollback':
        return rollback();
      case 'help':
        return dispatch({ type: 'helpOpened' });
      case 'closeHelp':
        return dispatch({ type: 'helpClosed' });
      case 'leave':
        return leave(0);
    }
  };

  const press = (key: KeyPress): void => {
    const state = store.getState();
    if (key.key === '' && state.focus !== 'input') {
      // A run of text typed outside the input line: each character is its own key.
      for (const ch of Array.from(key.input)) press({ key: ch, input: ch });
      return;
    }
    const resolved = resolveKey(key.input, key.key, state.focus, { inputEmpty: state.input.text === '' }, keymap);
    if (resolved === null) return;
    dispatch({ type: 'flashCleared' });
    run(resolved);
  };

  return {
    start: () => link.start(),
    stop: () => link.stop(),
    press,
    run,
    link,
  };
}
