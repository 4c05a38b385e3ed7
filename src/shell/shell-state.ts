// Everything the shell shows, outside React: one state object and one pure reducer over tagged
// actions. Components render it; the controller dispatches to it.
import type { GoalView, Role, StepState } from '../protocol/model.js';
import { EMPTY_BOOK, loadGoals, newestGoalId, patchStep, upsertGoal, type GoalBook } from './goals.js';
import type { Focus } from './keymap.js';
import { applyEdit, EMPTY_LINE, type EditLine, type LineEdit } from './line-edit.js';

export type Connection =
  | { kind: 'connecting' }
  | { kind: 'connected' }
  | { kind: 'unreachable'; reason: string; retryInS: number };

export interface Session {
  user: string;
  role: Role;
  node: string;
  mode: 'user' | 'system';
}

export interface Health {
  health: 'ok' | 'degraded';
  problems: string[];
}

export interface Flash {
  level: 'info' | 'warning' | 'error';
  text: string;
}

export interface InputState extends EditLine {
  /** Oldest first. */
  history: string[];
  /** Index into history while browsing it; null while editing a fresh line. */
  browsing: number | null;
  /** The unfinished line put aside while browsing history. */
  draft: string;
}

export interface ShellState {
  size: { columns: number; rows: number };
  connection: Connection;
  session: Session | null;
  health: Health | null;
  goals: GoalBook;
  focusedGoalId: string | null;
  /** Text of a goal sent but not yet answered. */
  submitting: string | null;
  focus: Focus;
  /** Where Esc in the help view returns to. */
  helpReturn: Exclude<Focus, 'help'>;
  selectedStep: number;
  input: InputState;
  /** Streamed output per `goalId/stepId`, only the tail is kept. */
  outputs: Readonly<Record<string, string>>;
  busyAgents: readonly string[];
  flash: Flash | null;
  exitCode: number | null;
}

export type Action =
  | { type: 'resized'; columns: number; rows: number }
  | { type: 'connecting' }
  | { type: 'connected'; session: Session }
  | { type: 'disconnected'; reason: string; retryInS: number }
  | { type: 'retryTicked'; retryInS: number }
  | { type: 'statusLoaded'; health: Health }
  | { type: 'goalsLoaded'; goals: GoalView[] }
  | { type: 'goalUpdated'; goal: GoalView; focus: boolean }
  | { type: 'stepStarted'; goalId: string; stepId: string }
  | { type: 'stepOutput'; goalId: string; stepId: string; chunk: string }
  | { type: 'stepFinished'; goalId: string; stepId: string; state: StepState; error: string | null }
  | { type: 'agentStatus'; agent: string; busy: boolean }
  | { type: 'focused'; focus: Exclude<Focus, 'help'> }
  | { type: 'helpOpened' }
  | { type: 'helpClosed' }
  | { type: 'stepSelected'; delta: number }
  | { type: 'goalShown'; delta: number }
  | { type: 'edited'; edit: LineEdit }
  | { type: 'historyMoved'; delta: -1 | 1 }
  | { type: 'goalSubmitting'; text: string }
  | { type: 'submitFailed'; text: string; message: string }
  | { type: 'flashed'; flash: Flash }
  | { type: 'flashCleared' }
  | { type: 'left'; code: number };

/** Output kept per step: enough for any screen, bounded for long-running programs. */
export const OUTPUT_TAIL = 16 * 1024;
const HISTORY_MAX = 500;

export function initialState(columns = 80, rows = 24): ShellState {
  return {
    size: { columns, rows },
    connection: { kind: 'connecting' },
    session: null,
    health: null,
    goals: EMPTY_BOOK,
    focusedGoalId: null,
    submitting: null,
    focus: 'input',
    helpReturn: 'input',
    selectedStep: 0,
    input: { ...EMPTY_LINE, history: [], browsing: null, draft: '' },
    outputs: {},
    busyAgents: [],
    flash: null,
    exitCode: null,
  };
}

export function focusedGoal(state: ShellState): GoalView | null {
  return state.focusedGoalId === null ? null : (state.goals.byId[state.focusedGoalId] ?? null);
}

function stepCount(state: ShellState): number {
  return focusedGoal(state)?.plan?.steps.length ?? 0;
}

function clampSelection(state: ShellState): ShellState {
  const max = Math.max(0, stepCount(state) - 1);
  return state.selectedStep > max ? { ...state, selectedStep: max } : state;
}

function tail(text: string): string {
  return text.length <= OUTPUT_TAIL ? text : text.slice(text.length - OUTPUT_TAIL);
}

function showGoal(state: ShellState, goalId: string | null): ShellState {
  if (goalId === state.focusedGoalId) return state;
  return { ...state, focusedGoalId: goalId, selectedStep: 0 };
}

function withGoals(state: ShellState, goals: GoalBook): ShellState {
  return clampSelection({ ...state, goals });
}

/** Output the daemon holds for a goal's steps replaces what was streamed so far. */
function absorbOutputs(outputs: ShellState['outputs'], goals: readonly GoalView[]): ShellState['outputs'] {
  const next = { ...outputs };
  for (const goal of goals) {
    for (const step of goal.plan?.steps ?? []) {
      if (step.output !== '') next[`${goal.id}/${step.id}`] = tail(step.output);
    }
  }
  return next;
}

function onGoalUpdated(state: ShellState, goal: GoalView, focus: boolean): ShellState {
  const goals = upsertGoal(state.goals, goal);
  const next = goals === state.goals
    ? state // an update older than the one held
    : withGoals({ ...state, outputs: absorbOutputs(state.outputs, [goal]) }, goals);
  return focus ? { ...showGoal(next, goal.id), submitting: null } : next;
}

function moveHistory(input: InputState, delta: -1 | 1): InputState {
  const { history } = input;
  if (history.length === 0) return input;
  if (input.browsing === null) {
    if (delta === 1) return input;
    const text = history[history.length - 1] ?? '';
    return { ...input, draft: input.text, browsing: history.length - 1, text, cursor: Array.from(text).length };
  }
  const at = input.browsing + delta;
  if (at >= history.length) {
    return { ...input, browsing: null, text: input.draft, cursor: Array.from(input.draft).length, draft: '' };
  }
  const index = Math.max(0, at);
  const text = history[index] ?? '';
  return { ...input, browsing: index, text, cursor: Array.from(text).length };
}

function remember(history: string[], text: string): string[] {
  if (history[history.length - 1] === text) return history;
  return [...history, text].slice(-HISTORY_MAX);
}

export function reduce(state: ShellState, action: Action): ShellState {
  switch (action.type) {
    case 'resized':
      return { ...state, size: { columns: action.columns, rows: action.rows } };
    case 'connecting':
      // A retry after a failure keeps saying unreachable, rather than flickering to connecting.
      return state.connection.kind === 'unreachable'
        ? { ...state, connection: { ...state.connection, retryInS: 0 } }
        : { ...state, connection: { kind: 'connecting' } };
    case 'connected':
      return { ...state, connection: { kind: 'connected' }, session: action.session };
    case 'disconnected':
      return {
        ...state,
        connection: { kind: 'unreachable', reason: action.reason, retryInS: action.retryInS },
        health: null,
        busyAgents: [],
      };
    case 'retryTicked':
      return state.connection.kind === 'unreachable'
        ? { ...state, connection: { ...state.connection, retryInS: action.retryInS } }
        : state;
    case 'statusLoaded':
      return { ...state, health: action.health };
    case 'goalsLoaded': {
      const next = withGoals({ ...state, outputs: absorbOutputs(state.outputs, action.goals) }, loadGoals(action.goals));
      const keep = next.focusedGoalId !== null && next.goals.byId[next.focusedGoalId] !== undefined;
      return keep ? next : showGoal(next, newestGoalId(next.goals));
    }
    case 'goalUpdated':
      return onGoalUpdated(state, action.goal, action.focus);
    case 'stepStarted':
      return withGoals(state, patchStep(state.goals, action.goalId, action.stepId, (s) => ({ ...s, state: 'running' })));
    case 'stepOutput': {
      const key = `${action.goalId}/${action.stepId}`;
      return { ...state, outputs: { ...state.outputs, [key]: tail((state.outputs[key] ?? '') + action.chunk) } };
    }
    case 'stepFinished':
      return withGoals(state, patchStep(state.goals, action.goalId, action.stepId,
        (s) => ({ ...s, state: action.state, error: action.error })));
    case 'agentStatus': {
      const others = state.busyAgents.filter((a) => a !== action.agent);
      return { ...state, busyAgents: action.busy ? [...others, action.agent] : others };
    }
    case 'focused':
      return { ...state, focus: action.focus };
    case 'helpOpened':
      return state.focus === 'help' ? state : { ...state, focus: 'help', helpReturn: state.focus };
    case 'helpClosed':
      return state.focus === 'help' ? { ...state, focus: state.helpReturn } : state;
    case 'stepSelected': {
      const max = Math.max(0, stepCount(state) - 1);
      return { ...state, selectedStep: Math.min(max, Math.max(0, state.selectedStep + action.delta)) };
    }
    case 'goalShown': {
      const { order } = state.goals;
      if (order.length === 0) return state;
      const at = state.focusedGoalId === null ? order.length : order.indexOf(state.focusedGoalId);
      const index = Math.min(order.length - 1, Math.max(0, at + action.delta));
      return showGoal(state, order[index] ?? null);
    }
    case 'edited':
      return { ...state, input: { ...state.input, ...applyEdit(state.input, action.edit), browsing: null } };
    case 'historyMoved':
      return { ...state, input: moveHistory(state.input, action.delta) };
    case 'goalSubmitting':
      return {
        ...state,
        submitting: action.text,
        focus: 'plan',
        focusedGoalId: null,
        selectedStep: 0,
        input: { ...state.input, ...EMPTY_LINE, history: remember(state.input.history, action.text), browsing: null, draft: '' },
      };
    case 'submitFailed':
      return {
        ...state,
        submitting: null,
        focus: 'input',
        focusedGoalId: state.focusedGoalId ?? newestGoalId(state.goals),
        input: { ...state.input, text: action.text, cursor: Array.from(action.text).length },
        flash: { level: 'error', text: action.message },
      };
    case 'flashed':
      return { ...state, flash: action.flash };
    case 'flashCleared':
      return state.flash === null ? state : { ...state, flash: null };
    case 'left':
      return { ...state, exitCode: action.code };
  }
}
