// Everything the shell shows, outside React: one state object and one pure reducer over tagged
// actions. Components render it; the controller dispatches to it. Slices with their own
// reducers: the input line (input-state.ts), agent panes (panes.ts), view data (view-data.ts).
import type { GoalView, Role, StepState } from '../../protocol/model.js';
import { EMPTY_BOOK, loadGoals, newestGoalId, patchStep, upsertGoal, type GoalBook } from './goals.js';
import {
  closePrompt,
  EMPTY_INPUT,
  editInput,
  moveHistory,
  openPrompt,
  sent,
  type InputState,
  type Prompt,
} from './input-state.js';
import type { Focus, ViewName } from '../commands/keymap.js';
import type { LineEdit } from './line-edit.js';
import type { Confirm } from './confirm.js';
import type { HatchState } from './hatch-state.js';
import { EMPTY_PANES, reducePanes, stepKey, type PaneAction, type PaneBook } from './panes.js';
import { confirmStillValid, decidedByOther } from './plan-watch.js';
import { EMPTY_DATA, reduceData, type DataAction, type ViewData } from './view-data.js';

import type { ModelPullProgress, ModelRecommendation } from '../../protocol/model-pull.js';
import type { FirstRun, PullView } from '../rows/first-run.js';

export type { InputState, Prompt } from './input-state.js';

export type Connection =
  { kind: 'connecting' } | { kind: 'connected' } | { kind: 'unreachable'; reason: string; retryInS: number };

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

/** What the status bar shows beyond health, when the daemon reports it. */
export interface StatusExtras {
  autonomy: string | null;
  escapeHatch: string | null;
  /** Model tiers and whether each is up. */
  tiers: { name: string; up: boolean }[];
  budget: { spentUsd: number; limitUsd: number | null } | null;
  /** The key guard's timings from config ([shell] guard_ms, burst_ms). */
  guard: { guardMs: number; burstMs: number } | null;
  /** [security] auto_patch when it is on: its mode, whether a run is going, how the last one ended. */
  patching: { mode: string; running: boolean; last: string | null } | null;
}

export interface Flash {
  level: 'info' | 'warning' | 'error';
  text: string;
}

export type { Confirm };

export type { HatchState };

export type MainView = Exclude<ViewName, 'help'>;

export interface ShellState {
  size: { columns: number; rows: number };
  connection: Connection;
  session: Session | null;
  health: Health | null;
  extras: StatusExtras;
  goals: GoalBook;
  focusedGoalId: string | null;
  /** Text of a goal sent but not yet answered. */
  submitting: string | null;
  /**
   * The goal that text became, once its first event has come (events can come before the
   * submit's answer): it is shown as soon as its planning ends, not a round trip later.
   */
  submittedGoalId: string | null;
  /** A model's plan as it streams in (the tail), while the goal is being planned. */
  planDraft: { goalId: string; text: string } | null;
  /** Goals typed while aiosd was unreachable, oldest first: sent once it is back. */
  queued: readonly string[];
  /** What the main area shows (also while the input line has the keyboard). */
  view: MainView;
  focus: Focus;
  /** Where Esc in the help view returns to. */
  helpReturn: Exclude<Focus, 'help'>;
  selectedStep: number;
  input: InputState;
  confirm: Confirm | null;
  /** Whether a command key pressed now would act (key-guard.ts): the plan's key hint lights up. */
  guardArmed: boolean;
  /** Streamed output per `goalId/stepId`, only the tail is kept. */
  outputs: Readonly<Record<string, string>>;
  busyAgents: readonly string[];
  panes: PaneBook;
  data: ViewData;
  hatch: HatchState | null;
  /** Warnings and critical alerts since the person last looked at the audit view. */
  alerts: number;
  flash: Flash | null;
  exitCode: number | null;
  /** The first-run offer while only the built-in rules can plan (first-run.ts); null otherwise. */
  firstRun: FirstRun | null;
}

export type Action =
  | { type: 'resized'; columns: number; rows: number }
  | { type: 'connecting' }
  | { type: 'connected'; session: Session }
  | { type: 'disconnected'; reason: string; retryInS: number }
  | { type: 'retryTicked'; retryInS: number }
  | { type: 'statusLoaded'; health: Health; extras?: StatusExtras }
  | { type: 'goalsLoaded'; goals: GoalView[] }
  | { type: 'goalUpdated'; goal: GoalView; focus: boolean }
  | { type: 'planDelta'; goalId: string; text: string; restart: boolean }
  | { type: 'stepStarted'; goalId: string; stepId: string; agent?: string; tool?: string }
  | { type: 'stepOutput'; goalId: string; stepId: string; chunk: string }
  | { type: 'stepFinished'; goalId: string; stepId: string; state: StepState; error: string | null }
  | { type: 'agentStatus'; agent: string; busy: boolean; task?: string | null }
  | { type: 'alerted'; flash: Flash; counts: boolean }
  | { type: 'focused'; focus: Exclude<Focus, 'help'> }
  | { type: 'viewShown'; view: MainView }
  | { type: 'helpOpened' }
  | { type: 'helpClosed' }
  | { type: 'stepSelected'; delta: number }
  | { type: 'goalShown'; delta: number }
  | { type: 'edited'; edit: LineEdit | { kind: 'yank' } }
  | { type: 'historyMoved'; delta: -1 | 1 }
  | { type: 'historyLoaded'; history: string[] }
  | { type: 'promptOpened'; prompt: Prompt; text: string }
  | { type: 'promptClosed' }
  | { type: 'goalSubmitting'; text: string }
  | { type: 'goalQueued'; text: string }
  | { type: 'queueTaken'; count: number }
  | { type: 'goalRequeued'; text: string }
  | { type: 'submitFailed'; text: string; message: string }
  | { type: 'confirmAsked'; confirm: Confirm }
  | { type: 'confirmCleared' }
  | { type: 'guardArmed'; armed: boolean }
  | { type: 'hatchOpening' }
  | { type: 'hatchOpened'; id: string }
  | { type: 'hatchScreen'; rows: string[]; cursor: { x: number; y: number } | null }
  | { type: 'hatchEnded'; reason: string }
  | { type: 'flashed'; flash: Flash }
  | { type: 'flashCleared' }
  | { type: 'left'; code: number }
  | { type: 'firstRunLoaded'; recommendation: ModelRecommendation }
  | { type: 'pullChanged'; pull: PullView }
  | { type: 'pullProgressed'; progress: ModelPullProgress }
  | PaneAction
  | DataAction;

/** Output kept per step: enough for any screen, bounded for long-running programs. */
export const OUTPUT_TAIL = 16 * 1024;

const NO_EXTRAS: StatusExtras = {
  autonomy: null,
  escapeHatch: null,
  tiers: [],
  budget: null,
  guard: null,
  patching: null,
};

export function initialState(columns = 80, rows = 24): ShellState {
  return {
    size: { columns, rows },
    connection: { kind: 'connecting' },
    session: null,
    health: null,
    extras: NO_EXTRAS,
    goals: EMPTY_BOOK,
    focusedGoalId: null,
    submitting: null,
    submittedGoalId: null,
    planDraft: null,
    queued: [],
    view: 'plan',
    focus: 'input',
    helpReturn: 'input',
    selectedStep: 0,
    input: EMPTY_INPUT,
    confirm: null,
    guardArmed: false,
    outputs: {},
    busyAgents: [],
    panes: EMPTY_PANES,
    data: EMPTY_DATA,
    hatch: null,
    alerts: 0,
    flash: null,
    exitCode: null,
    firstRun: null,
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
      if (step.output !== '') next[stepKey(goal.id, step.id)] = tail(step.output);
    }
  }
  return next;
}

function onGoalUpdated(state: ShellState, goal: GoalView, focus: boolean): ShellState {
  const before = state.goals.byId[goal.id];
  const goals = upsertGoal(state.goals, goal);
  let next =
    goals === state.goals
      ? state // an update older than the one held
      : withGoals({ ...state, outputs: absorbOutputs(state.outputs, [goal]) }, goals);
  if (next.confirm !== null && !confirmStillValid(next.confirm, next.goals)) {
    next = {
      ...next,
      confirm: null,
      flash: { level: 'warning', text: 'the plan changed before you confirmed: nothing was approved; review it again' },
    };
  }
  const prompt = next.input.prompt;
  if (prompt.kind === 'approve' && !confirmStillValid(prompt, next.goals)) {
    next = {
      ...next,
      input: closePrompt(next.input),
      flash: { level: 'warning', text: 'the plan changed before you confirmed: nothing was approved; review it again' },
    };
  }
  if (goals !== state.goals && goal.id === state.focusedGoalId && before !== undefined) {
    const other = decidedByOther(before, goal, state.session?.user ?? null);
    if (other !== null) next = { ...next, flash: { level: 'info', text: other } };
  }
  if (
    !focus &&
    state.submitting !== null &&
    state.submittedGoalId === null &&
    before === undefined &&
    goal.text === state.submitting &&
    goal.submittedBy === state.session?.user
  ) {
    next = { ...next, submittedGoalId: goal.id };
  }
  // The submit's answer, or this session's new goal once its planning is over (a plan to review,
  // or why there is none), ahead of that answer. The list would otherwise say "awaiting approval"
  // while this pane still says "planning…", and on a serial line that frame can stay up a while.
  if (focus || (next.submittedGoalId === goal.id && goal.state !== 'planning'))
    return { ...showGoal(next, goal.id), submitting: null, submittedGoalId: null };
  // Someone else's new goal, while this session looks at none: show it (several sessions, one node).
  if (before === undefined && next.focusedGoalId === null && next.submitting === null) return showGoal(next, goal.id);
  return next;
}

/** The agent behind a step: learnt from step.started, else from the goal's plan. */
function agentOf(state: ShellState, goalId: string, stepId: string): string {
  return (
    state.panes.stepAgent[stepKey(goalId, stepId)] ??
    state.goals.byId[goalId]?.plan?.steps.find((s) => s.id === stepId)?.agent ??
    'agent'
  );
}

export function reduce(state: ShellState, action: Action): ShellState {
  switch (action.type) {
    case 'firstRunLoaded':
      return {
        ...state,
        firstRun: action.recommendation.plannerConfigured
          ? null
          : { recommendation: action.recommendation, pull: state.firstRun?.pull ?? null },
      };
    case 'pullChanged':
      return state.firstRun === null ? state : { ...state, firstRun: { ...state.firstRun, pull: action.pull } };
    case 'pullProgressed': {
      const pull = state.firstRun?.pull;
      if (state.firstRun === null || pull?.kind !== 'running') return state;
      return { ...state, firstRun: { ...state.firstRun, pull: { ...pull, progress: action.progress } } };
    }
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
        hatch:
          state.hatch === null || state.hatch.ended !== null
            ? state.hatch
            : { ...state.hatch, ended: 'aiosd went away; the shell it ran has ended' },
      };
    case 'retryTicked':
      return state.connection.kind === 'unreachable'
        ? { ...state, connection: { ...state.connection, retryInS: action.retryInS } }
        : state;
    case 'statusLoaded':
      return { ...state, health: action.health, extras: action.extras ?? state.extras };
    case 'goalsLoaded': {
      const next = withGoals(
        { ...state, outputs: absorbOutputs(state.outputs, action.goals) },
        loadGoals(action.goals),
      );
      const keep = next.focusedGoalId !== null && next.goals.byId[next.focusedGoalId] !== undefined;
      return keep ? next : showGoal(next, newestGoalId(next.goals));
    }
    case 'goalUpdated': {
      const next = onGoalUpdated(state, action.goal, action.focus);
      return next.planDraft?.goalId === action.goal.id && action.goal.state !== 'planning'
        ? { ...next, planDraft: null }
        : next;
    }
    case 'planDelta': {
      const held = state.planDraft?.goalId === action.goalId && !action.restart ? state.planDraft.text : '';
      return { ...state, planDraft: { goalId: action.goalId, text: (held + action.text).slice(-2048) } };
    }
    case 'stepStarted': {
      const next = withGoals(
        state,
        patchStep(state.goals, action.goalId, action.stepId, (s) => ({ ...s, state: 'running' })),
      );
      const agent = action.agent ?? agentOf(state, action.goalId, action.stepId);
      const tool =
        action.tool ?? next.goals.byId[action.goalId]?.plan?.steps.find((s) => s.id === action.stepId)?.tool ?? '';
      return {
        ...next,
        panes: reducePanes(next.panes, { type: 'paneStep', goalId: action.goalId, stepId: action.stepId, agent, tool }),
      };
    }
    case 'stepOutput': {
      const key = stepKey(action.goalId, action.stepId);
      const panes = reducePanes(state.panes, {
        type: 'paneOutput',
        agent: agentOf(state, action.goalId, action.stepId),
        chunk: action.chunk,
      });
      return { ...state, panes, outputs: { ...state.outputs, [key]: tail((state.outputs[key] ?? '') + action.chunk) } };
    }
    case 'stepFinished':
      return withGoals(
        state,
        patchStep(state.goals, action.goalId, action.stepId, (s) => ({
          ...s,
          state: action.state,
          error: action.error,
        })),
      );
    case 'agentStatus': {
      const others = state.busyAgents.filter((a) => a !== action.agent);
      const panes = reducePanes(state.panes, {
        type: 'paneStatus',
        agent: action.agent,
        busy: action.busy,
        task: action.task ?? null,
      });
      return { ...state, panes, busyAgents: action.busy ? [...others, action.agent] : others };
    }
    case 'alerted':
      return { ...state, flash: action.flash, alerts: state.alerts + (action.counts ? 1 : 0) };
    case 'focused':
      return { ...state, focus: action.focus, view: action.focus === 'input' ? state.view : action.focus };
    case 'viewShown':
      return { ...state, view: action.view, focus: action.view, alerts: action.view === 'audit' ? 0 : state.alerts };
    case 'helpOpened':
      return state.focus === 'help'
        ? state
        : { ...state, focus: 'help', helpReturn: state.focus, data: { ...state.data, helpScroll: 0 } };
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
      return { ...state, input: editInput(state.input, action.edit) };
    case 'historyMoved':
      return { ...state, input: moveHistory(state.input, action.delta) };
    case 'historyLoaded':
      // What was typed in this session comes after what was on disk.
      return { ...state, input: { ...state.input, history: [...action.history, ...state.input.history].slice(-500) } };
    case 'promptOpened':
      return { ...state, focus: 'input', input: openPrompt(state.input, action.prompt, action.text) };
    case 'promptClosed':
      return { ...state, input: closePrompt(state.input) };
    case 'goalSubmitting':
      return {
        ...state,
        submitting: action.text,
        submittedGoalId: null,
        focus: 'plan',
        view: 'plan',
        focusedGoalId: null,
        selectedStep: 0,
        input: sent(state.input, action.text),
      };
    case 'goalQueued':
      return { ...state, queued: [...state.queued, action.text], input: sent(state.input, action.text) };
    case 'queueTaken':
      return { ...state, queued: state.queued.slice(action.count) };
    case 'goalRequeued':
      return { ...state, queued: [action.text, ...state.queued] };
    case 'submitFailed':
      return {
        ...state,
        submitting: null,
        submittedGoalId: null,
        focus: 'input',
        focusedGoalId: state.focusedGoalId ?? newestGoalId(state.goals),
        input: { ...state.input, text: action.text, cursor: Array.from(action.text).length },
        flash: { level: 'error', text: action.message },
      };
    case 'confirmAsked':
      return { ...state, confirm: action.confirm };
    case 'confirmCleared':
      return state.confirm === null ? state : { ...state, confirm: null };
    case 'guardArmed':
      return state.guardArmed === action.armed ? state : { ...state, guardArmed: action.armed };
    case 'hatchOpening':
      return { ...state, hatch: { id: null, rows: [], cursor: null, ended: null }, view: 'hatch', focus: 'hatch' };
    case 'hatchOpened':
      return state.hatch === null ? state : { ...state, hatch: { ...state.hatch, id: action.id } };
    case 'hatchScreen':
      return state.hatch === null
        ? state
        : { ...state, hatch: { ...state.hatch, rows: action.rows, cursor: action.cursor } };
    case 'hatchEnded':
      return state.hatch === null ? state : { ...state, hatch: { ...state.hatch, ended: action.reason, cursor: null } };
    case 'flashed':
      return { ...state, flash: action.flash };
    case 'flashCleared':
      return state.flash === null ? state : { ...state, flash: null };
    case 'left':
      return { ...state, exitCode: action.code };
    case 'paneStep':
    case 'paneOutput':
    case 'paneStatus':
    case 'paneFocused':
    case 'paneZoomed':
    case 'paneScrolled':
    case 'paneSearched': {
      const panes = reducePanes(state.panes, action);
      return panes === state.panes ? state : { ...state, panes };
    }
    default: {
      const data = reduceData(state.data, action);
      return data === state.data ? state : { ...state, data };
    }
  }
}
