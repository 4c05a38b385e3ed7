import { describe, expect, it } from 'vitest';
import { lastRanGoal } from '../../src/shell/state/goals.js';
import { goalToCancel as planningGoal } from '../../src/shell/commands/brake-commands.js';
import {
  focusedGoal,
  initialState,
  OUTPUT_TAIL,
  reduce,
  type Action,
  type ShellState,
} from '../../src/shell/state/shell-state.js';
import { awaitingGoal, goal, plan, step } from './fixtures.js';

function run(...actions: Action[]): ShellState {
  return actions.reduce(reduce, initialState(80, 24));
}

const typed = (text: string): Action => ({ type: 'edited', edit: { kind: 'insert', text } });

describe('shell state', () => {
  it('starts connecting, on the input line, with nothing shown', () => {
    const s = initialState();
    expect(s.connection).toEqual({ kind: 'connecting' });
    expect(s.focus).toBe('input');
    expect(focusedGoal(s)).toBeNull();
    expect(s.size).toEqual({ columns: 80, rows: 24 });
  });

  it('tracks the connection: unreachable with a countdown, then connected', () => {
    let s = run({ type: 'disconnected', reason: 'no socket', retryInS: 2 });
    expect(s.connection).toEqual({ kind: 'unreachable', reason: 'no socket', retryInS: 2 });
    s = reduce(s, { type: 'retryTicked', retryInS: 1 });
    expect(s.connection).toMatchObject({ retryInS: 1 });
    s = reduce(s, { type: 'connected', session: { user: 'bob', role: 'viewer', node: 'n', mode: 'system' } });
    expect(s.connection.kind).toBe('connected');
    expect(s.session?.role).toBe('viewer');
    expect(reduce(s, { type: 'retryTicked', retryInS: 9 })).toBe(s);
  });

  it('keeps goals in creation order and ignores stale updates', () => {
    const older = goal({ id: 'a', createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:05Z' });
    const newer = goal({ id: 'b', createdAt: '2025-01-02T00:00:00Z' });
    let s = run({ type: 'goalUpdated', goal: newer, focus: false }, { type: 'goalUpdated', goal: older, focus: false });
    expect(s.goals.order).toEqual(['a', 'b']);
    s = reduce(s, {
      type: 'goalUpdated',
      goal: { ...older, state: 'running', updatedAt: '2025-01-01T00:00:01Z' },
      focus: false,
    });
    expect(s.goals.byId['a']?.state).toBe('awaiting_approval');
  });

  it('submitting moves focus to the plan, remembers the text and clears the line', () => {
    let s = run(typed('install nginx'), { type: 'goalSubmitting', text: 'install nginx' });
    expect(s.focus).toBe('plan');
    expect(s.submitting).toBe('install nginx');
    expect(s.input.text).toBe('');
    expect(s.input.history).toEqual(['install nginx']);
    s = reduce(s, { type: 'goalUpdated', goal: awaitingGoal('g1'), focus: true });
    expect(s.submitting).toBeNull();
    expect(s.focusedGoalId).toBe('g1');
    expect(s.focus).toBe('plan');
  });

  it("shows this session's new goal as soon as its planning ends, before the submit's answer comes", () => {
    const text = 'install nginx and start it';
    const alice = { user: 'alice', role: 'operator' as const, node: 'n', mode: 'user' as const };
    const old = goal({ id: 'old', text, state: 'succeeded', createdAt: '0' });
    let s = run({ type: 'connected', session: alice }, { type: 'goalUpdated', goal: old, focus: false }, typed(text), {
      type: 'goalSubmitting',
      text,
    });
    // Someone else's goal with the same words, and an old one of alice's, are not taken for it.
    s = reduce(s, {
      type: 'goalUpdated',
      goal: { ...old, state: 'rolled_back', updatedAt: '2025-02-01T00:00:00Z' },
      focus: false,
    });
    s = reduce(s, {
      type: 'goalUpdated',
      goal: goal({ id: 'bobs', text, state: 'planning', submittedBy: 'bob', createdAt: '1' }),
      focus: false,
    });
    s = reduce(s, {
      type: 'goalUpdated',
      goal: goal({
        id: 'bobs',
        text,
        state: 'awaiting_approval',
        submittedBy: 'bob',
        createdAt: '1',
        updatedAt: '2025-02-01T00:00:00Z',
      }),
      focus: false,
    });
    expect(s.submitting).toBe(text);
    s = reduce(s, {
      type: 'goalUpdated',
      goal: goal({ id: 'mine', text, state: 'planning', createdAt: '2' }),
      focus: false,
    });
    // While it is planned, the pane still says "planning…" (and shows the model's draft).
    expect(s.submitting).toBe(text);
    expect(s.focusedGoalId).toBeNull();
    s = reduce(s, {
      type: 'goalUpdated',
      goal: goal({ id: 'mine', text, state: 'awaiting_approval', createdAt: '2', updatedAt: '2025-02-01T00:00:01Z' }),
      focus: false,
    });
    expect(s.submitting).toBeNull();
    expect(s.focusedGoalId).toBe('mine');
    expect(s.focus).toBe('plan');
    // The answer to the submit, coming after, changes nothing.
    const answered = reduce(s, {
      type: 'goalUpdated',
      goal: goal({ id: 'mine', text, state: 'awaiting_approval', createdAt: '2', updatedAt: '2025-02-01T00:00:01Z' }),
      focus: true,
    });
    expect(answered.focusedGoalId).toBe('mine');
    expect(answered.submitting).toBeNull();
  });

  it('a failed submit puts the text back and says why', () => {
    const s = run(
      typed('x'),
      { type: 'goalSubmitting', text: 'x' },
      { type: 'submitFailed', text: 'x', message: 'boom' },
    );
    expect(s.focus).toBe('input');
    expect(s.input.text).toBe('x');
    expect(s.input.cursor).toBe(1);
    expect(s.flash).toEqual({ level: 'error', text: 'boom' });
  });

  it('browses history with a draft put aside', () => {
    let s = run(
      { type: 'goalSubmitting', text: 'one' },
      { type: 'goalSubmitting', text: 'two' },
      { type: 'focused', focus: 'input' },
      typed('dra'),
    );
    s = reduce(s, { type: 'historyMoved', delta: -1 });
    expect(s.input.text).toBe('two');
    s = reduce(s, { type: 'historyMoved', delta: -1 });
    expect(s.input.text).toBe('one');
    s = reduce(s, { type: 'historyMoved', delta: -1 });
    expect(s.input.text).toBe('one');
    s = reduce(s, { type: 'historyMoved', delta: 1 });
    expect(s.input.text).toBe('two');
    s = reduce(s, { type: 'historyMoved', delta: 1 });
    expect(s.input).toMatchObject({ text: 'dra', cursor: 3, browsing: null });
  });

  it('does not store the same goal text twice in a row', () => {
    const s = run({ type: 'goalSubmitting', text: 'a' }, { type: 'goalSubmitting', text: 'a' });
    expect(s.input.history).toEqual(['a']);
  });

  it('moves the step selection within the plan', () => {
    let s = run({ type: 'goalUpdated', goal: awaitingGoal(), focus: true });
    s = reduce(s, { type: 'stepSelected', delta: 1 });
    expect(s.selectedStep).toBe(1);
    s = reduce(s, { type: 'stepSelected', delta: 5 });
    expect(s.selectedStep).toBe(1);
    s = reduce(s, { type: 'stepSelected', delta: -9 });
    expect(s.selectedStep).toBe(0);
  });

  it('shows previous and next goals', () => {
    let s = run({ type: 'goalsLoaded', goals: [goal({ id: 'a', createdAt: '1' }), goal({ id: 'b', createdAt: '2' })] });
    expect(s.focusedGoalId).toBe('b');
    s = reduce(s, { type: 'goalShown', delta: -1 });
    expect(s.focusedGoalId).toBe('a');
    s = reduce(s, { type: 'goalShown', delta: -1 });
    expect(s.focusedGoalId).toBe('a');
    s = reduce(s, { type: 'goalShown', delta: 1 });
    expect(s.focusedGoalId).toBe('b');
  });

  it('opens help over the current focus and returns to it', () => {
    let s = run({ type: 'focused', focus: 'plan' }, { type: 'helpOpened' });
    expect(s.focus).toBe('help');
    s = reduce(s, { type: 'helpClosed' });
    expect(s.focus).toBe('plan');
  });

  it('streams step output, bounded, and takes the daemon output when a goal updates', () => {
    let s = run({ type: 'goalUpdated', goal: awaitingGoal(), focus: true });
    s = reduce(s, { type: 'stepStarted', goalId: 'g1', stepId: 's1' });
    expect(focusedGoal(s)?.plan?.steps[0]?.state).toBe('running');
    s = reduce(s, { type: 'stepOutput', goalId: 'g1', stepId: 's1', chunk: 'hello ' });
    s = reduce(s, { type: 'stepOutput', goalId: 'g1', stepId: 's1', chunk: 'world' });
    expect(s.outputs['g1/s1']).toBe('hello world');
    s = reduce(s, { type: 'stepOutput', goalId: 'g1', stepId: 's1', chunk: 'x'.repeat(OUTPUT_TAIL) });
    expect(s.outputs['g1/s1']?.length).toBe(OUTPUT_TAIL);
    s = reduce(s, { type: 'stepFinished', goalId: 'g1', stepId: 's1', state: 'failed', error: 'exit 1' });
    expect(focusedGoal(s)?.plan?.steps[0]).toMatchObject({ state: 'failed', error: 'exit 1' });
    const g = awaitingGoal();
    const withOutput = {
      ...g,
      updatedAt: '2025-02-01T00:00:00Z',
      plan: plan('g1', [step({ id: 's1', output: 'final' })]),
    };
    s = reduce(s, { type: 'goalUpdated', goal: withOutput, focus: false });
    expect(s.outputs['g1/s1']).toBe('final');
    expect(s.selectedStep).toBe(0);
  });

  it('finds the last goal that ran for rollback', () => {
    let s = run({ type: 'goalUpdated', goal: goal({ id: 'a', state: 'succeeded', createdAt: '1' }), focus: false });
    s = reduce(s, {
      type: 'goalUpdated',
      goal: goal({ id: 'b', state: 'awaiting_approval', createdAt: '2' }),
      focus: false,
    });
    expect(lastRanGoal(s.goals)?.id).toBe('a');
    s = reduce(s, {
      type: 'goalUpdated',
      goal: goal({
        id: 'c',
        state: 'rejected',
        createdAt: '3',
        plan: plan('c', [step({ id: 's', state: 'succeeded' })]),
      }),
      focus: false,
    });
    expect(lastRanGoal(s.goals)?.id).toBe('c');
    expect(lastRanGoal(run().goals)).toBeNull();
  });

  it('Ctrl-C cancels the goal shown, else only a goal this user is having planned, never a newer one of someone else', () => {
    let s = run({ type: 'connected', session: { user: 'alice', role: 'operator', node: 'n', mode: 'user' } });
    s = reduce(s, {
      type: 'goalUpdated',
      goal: goal({ id: 'mine', state: 'planning', submittedBy: 'alice', createdAt: '1' }),
      focus: false,
    });
    s = reduce(s, {
      type: 'goalUpdated',
      goal: goal({ id: 'bobs', state: 'planning', submittedBy: 'bob', createdAt: '2' }),
      focus: false,
    });
    expect(planningGoal(s)?.id).toBe('mine');
    s = reduce(s, {
      type: 'goalUpdated',
      goal: goal({
        id: 'mine',
        state: 'cancelled',
        submittedBy: 'alice',
        createdAt: '1',
        updatedAt: '2025-03-01T00:00:00Z',
      }),
      focus: false,
    });
    expect(planningGoal(s)).toBeNull();
    s = reduce(s, {
      type: 'goalUpdated',
      goal: goal({
        id: 'bobs',
        state: 'planning',
        submittedBy: 'bob',
        createdAt: '2',
        updatedAt: '2025-03-01T00:00:01Z',
      }),
      focus: true,
    });
    expect(planningGoal(s)?.id).toBe('bobs');
  });

  it('tracks busy agents and flashes', () => {
    let s = run(
      { type: 'agentStatus', agent: 'system', busy: true },
      { type: 'agentStatus', agent: 'net', busy: true },
    );
    s = reduce(s, { type: 'agentStatus', agent: 'system', busy: false });
    expect(s.busyAgents).toEqual(['net']);
    s = reduce(s, { type: 'flashed', flash: { level: 'info', text: 'hi' } });
    expect(s.flash?.text).toBe('hi');
    s = reduce(s, { type: 'flashCleared' });
    expect(s.flash).toBeNull();
    expect(reduce(s, { type: 'flashCleared' })).toBe(s);
  });
});
