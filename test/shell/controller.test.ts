import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GoalView } from '../../src/protocol/model.js';
import { createController, VIEWER_REFUSAL, type Controller } from '../../src/shell/commands/controller.js';
import { decodeKeys } from '../../src/shell/terminal/key-decode.js';
import { focusedGoal, initialState, reduce, type Action, type ShellState } from '../../src/shell/state/shell-state.js';
import { createStore, type Store } from '../../src/shell/state/store.js';
import { FakeClient } from './fake-client.js';
import { statusResult } from './fake-daemon.js';
import { statusLine } from '../../src/shell/rows/status-line.js';
import { detectCaps } from '../../src/shell/terminal/terminal-caps.js';
import { awaitingGoal, goal } from './fixtures.js';
import { DEFAULT_GUARD } from '../../src/shell/commands/key-guard.js';
import { ManualClock } from './manual-clock.js';

let store: Store<ShellState, Action>;
let controller: Controller;
let left: number[];

function setUp(connect: () => Promise<FakeClient>): void {
  store = createStore(reduce, initialState(80, 24));
  left = [];
  controller = createController({ store, connect, onLeave: (code) => left.push(code), backoffS: () => 1 });
}

/** Types raw terminal input, as the person would. */
function type(text: string): void {
  for (const k of decodeKeys(text).keys) controller.press(k);
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await new Promise((r) => setImmediate(r));
}

afterEach(() => {
  controller.stop();
  vi.useRealTimers();
});

describe('controller, connected', () => {
  let client: FakeClient;
  let planned: GoalView;

  beforeEach(async () => {
    planned = awaitingGoal('g1');
    client = new FakeClient({
      'goal/submit': () => planned,
      'plan/decide': () => ({ ...planned, state: 'running', updatedAt: '2025-01-01T00:00:05Z' }),
      'goal/rollback': () => ({ ...planned, state: 'rolled_back', updatedAt: '2025-01-01T00:00:09Z' }),
      'goal/revise': () => ({
        ...planned,
        id: 'failed1',
        plan: planned.plan === null ? null : { ...planned.plan, id: 'p-revised', hash: 'feedc0de'.repeat(8) },
        updatedAt: '2025-01-01T00:00:10Z',
      }),
    });
    setUp(() => Promise.resolve(client));
    controller.start();
    await settle();
  });

  it('subscribes, loads the goals and the status once connected', () => {
    // models/recommend: whether the first-run offer shows (only the built-in rules can plan).
    expect(client.sent.map((s) => s.method)).toEqual([
      'events/subscribe',
      'goal/list',
      'status/get',
      'models/recommend',
    ]);
    const s = store.getState();
    expect(s.connection.kind).toBe('connected');
    expect(s.session).toEqual({ user: 'alice', role: 'operator', node: 'node1', mode: 'user' });
    expect(s.health?.health).toBe('ok');
  });

  it('Enter submits the goal and shows its plan', async () => {
    type('install nginx\r');
    expect(store.getState().focus).toBe('plan');
    await settle();
    expect(client.calls('goal/submit')).toEqual([{ text: 'install nginx' }]);
    expect(focusedGoal(store.getState())?.id).toBe('g1');
  });

  it('Enter on an empty line sends nothing', async () => {
    type('   \r');
    await settle();
    expect(client.calls('goal/submit')).toEqual([]);
  });

  it('a approves the whole plan bound to the hash shown, once its high-risk irreversible step is named (or yes typed)', async () => {
    type('install nginx\r');
    await settle();
    type('a');
    await settle();
    expect(client.calls('plan/decide')).toEqual([]);
    expect(store.getState().flash?.text).toMatch(
      /to approve s2 service\.restart \(high risk, NOT reversible\): type its id or yes/,
    );
    expect(store.getState().input.prompt).toMatchObject({ kind: 'approve', risky: ['s2'] });
    expect(store.getState().focus).toBe('input');
    type('s2\r');
    await settle();
    expect(client.calls('plan/decide')).toEqual([
      { planId: 'p-g1', planHash: planned.plan?.hash, decision: 'approve', confirm: true },
    ]);
    expect(focusedGoal(store.getState())?.state).toBe('running');
  });

  it('letters alone never approve a high-risk step: anything but its id or yes, then Enter, sends nothing', async () => {
    type('install nginx\r');
    await settle();
    type('a');
    type('Y');
    await settle();
    expect(client.calls('plan/decide')).toEqual([]);
    expect(store.getState().input.text).toBe('Y');
    type('\r');
    await settle();
    expect(store.getState().flash?.text).toMatch(/cancelled: nothing was approved \(it takes s2 or yes\)/);
    expect(store.getState().input.prompt.kind).toBe('goal');
    type('a');
    controller.press({ key: 'escape', input: '' });
    await settle();
    expect(store.getState().flash?.text).toMatch(/cancelled/);
    expect(client.calls('plan/decide')).toEqual([]);
  });

  it('s skips a step, x rejects the whole plan', async () => {
    client.answers['plan/decide'] = () => ({ ...planned, updatedAt: '2025-01-01T00:00:03Z' });
    type('install nginx\r');
    await settle();
    type('s');
    await settle();
    type('x');
    await settle();
    expect(client.calls('plan/decide')).toEqual([
      { planId: 'p-g1', planHash: planned.plan?.hash, decision: 'skip', stepIds: ['s1'] },
      { planId: 'p-g1', planHash: planned.plan?.hash, decision: 'reject' },
    ]);
  });

  it('e edits the selected step: JSON in the input line, Enter sends plan/edit, the new plan is shown', async () => {
    const edited = {
      ...planned,
      plan: planned.plan === null ? null : { ...planned.plan, id: 'p-new', hash: 'ffff0000ffff0000' },
      updatedAt: '2025-01-01T00:00:07Z',
    };
    client.answers['plan/edit'] = () => edited;
    type('install nginx\r');
    await settle();
    type('e');
    const s = store.getState();
    expect(s.focus).toBe('input');
    expect(s.input.prompt).toMatchObject({ kind: 'args', stepId: 's1', planHash: planned.plan?.hash });
    expect(JSON.parse(s.input.text)).toEqual(planned.plan?.steps[0]?.args);
    type('\u0015{"path":"/tmp/other","content":"x"}\r');
    await settle();
    expect(client.calls('plan/edit')).toEqual([
      { planId: 'p-g1', planHash: planned.plan?.hash, stepId: 's1', args: { path: '/tmp/other', content: 'x' } },
    ]);
    expect(focusedGoal(store.getState())?.plan?.hash).toBe('ffff0000ffff0000');
    expect(store.getState().input.prompt.kind).toBe('goal');
    expect(store.getState().flash?.text).toMatch(/new plan.*approve again/);
  });

  it('e with bad JSON keeps the text and says what is wrong; Esc cancels back to the goal being typed', async () => {
    type('install nginx\r');
    await settle();
    type('e');
    type('\u0015not json\r');
    await settle();
    expect(store.getState().flash?.text).toMatch(/not valid JSON/);
    expect(store.getState().input.text).toBe('not json');
    controller.press({ key: 'escape', input: '' });
    expect(store.getState().input.prompt.kind).toBe('goal');
    expect(client.calls('plan/edit')).toEqual([]);
  });

  it('a Conflict answer (someone else decided first) shows the goal as the daemon has it', async () => {
    const decided = {
      ...planned,
      state: 'running' as const,
      plan:
        planned.plan === null
          ? null
          : {
              ...planned.plan,
              steps: planned.plan.steps.map((st) => ({ ...st, state: 'approved' as const, approvedBy: 'bob' })),
            },
      updatedAt: '2025-01-01T00:00:06Z',
    };
    client.answers['plan/decide'] = () => {
      throw Object.assign(new Error('goal is running: its plan was already decided'), {
        code: -32005,
        data: { goal: decided },
      });
    };
    type('install nginx\r');
    await settle();
    type('y');
    await settle();
    expect(store.getState().flash?.text).toMatch(/already decided.*decided by bob/);
    expect(focusedGoal(store.getState())?.state).toBe('running');
  });

  it('y and n decide the selected step, then move the selection on', async () => {
    type('install nginx\r');
    await settle();
    type('y');
    expect(store.getState().selectedStep).toBe(1);
    type('n');
    await settle();
    expect(client.calls('plan/decide')).toEqual([
      { planId: 'p-g1', planHash: planned.plan?.hash, decision: 'approve', stepIds: ['s1'] },
      { planId: 'p-g1', planHash: planned.plan?.hash, decision: 'reject', stepIds: ['s2'] },
    ]);
  });

  it('j/k and arrows move the selection; Esc goes back to the input line', async () => {
    type('install nginx\r');
    await settle();
    type('j');
    expect(store.getState().selectedStep).toBe(1);
    type('k');
    expect(store.getState().selectedStep).toBe(0);
    type('\u001b[B');
    expect(store.getState().selectedStep).toBe(1);
    controller.press({ key: 'escape', input: '' });
    expect(store.getState().focus).toBe('input');
  });

  it('r rolls back the most recent goal that ran', async () => {
    store.dispatch({
      type: 'goalUpdated',
      goal: goal({ id: 'old', state: 'succeeded', createdAt: '2024' }),
      focus: false,
    });
    store.dispatch({
      type: 'goalUpdated',
      goal: goal({ id: 'new', state: 'awaiting_approval', createdAt: '2025' }),
      focus: true,
    });
    store.dispatch({ type: 'focused', focus: 'plan' });
    client.answers['rollback/preview'] = () => ({
      goalId: 'old',
      steps: ['s1'],
      restore: ['/etc/motd'],
      remove: ['/tmp/new'],
      create: [],
      states: [],
      irreversible: [],
      problems: [],
    });
    type('r');
    await settle();
    expect(client.calls('rollback/preview')).toEqual([{ goalId: 'old' }]);
    expect(client.calls('goal/rollback')).toEqual([]);
    expect(store.getState().confirm?.text).toMatch(
      /press Y to roll back ".*", any other key keeps it\. It restores \/etc\/motd; removes \/tmp\/new\./,
    );
    type('n'); // anything but Y: nothing rolled back, the key is text
    await settle();
    expect(store.getState().confirm).toBeNull();
    expect(client.calls('goal/rollback')).toEqual([]);
    type('\u0015');
    controller.press({ key: 'escape', input: '' });
    type('r');
    await settle();
    type('Y');
    await settle();
    expect(client.calls('goal/rollback')).toEqual([{ goalId: 'old' }]);
  });

  it('v on a failed goal asks for a revised plan and shows it for review', async () => {
    store.dispatch({ type: 'goalUpdated', goal: goal({ id: 'failed1', state: 'failed' }), focus: true });
    store.dispatch({ type: 'focused', focus: 'plan' });
    type('v');
    await settle();
    expect(client.calls('goal/revise')).toEqual([{ goalId: 'failed1' }]);
    const shown = focusedGoal(store.getState());
    expect(shown).toMatchObject({ id: 'failed1', state: 'awaiting_approval', plan: { id: 'p-revised' } });
    expect(store.getState().flash?.text).toMatch(/revised plan, hash feedc0defeed: review it and approve it/);
  });

  it('v on a goal that did not fail says so and sends nothing', () => {
    store.dispatch({ type: 'goalUpdated', goal: goal({ id: 'ok1', state: 'succeeded' }), focus: true });
    store.dispatch({ type: 'focused', focus: 'plan' });
    type('v');
    expect(client.calls('goal/revise')).toEqual([]);
    expect(store.getState().flash?.text).toMatch(/only a failed or interrupted goal can be revised/);
  });

  it('r with nothing that ran says so and sends nothing', () => {
    store.dispatch({ type: 'goalUpdated', goal: awaitingGoal('g1'), focus: true });
    store.dispatch({ type: 'focused', focus: 'plan' });
    type('r');
    expect(client.calls('goal/rollback')).toEqual([]);
    expect(store.getState().flash?.text).toMatch(/nothing to roll back/);
  });

  it('refuses to approve a plan that is not awaiting approval', () => {
    store.dispatch({ type: 'goalUpdated', goal: { ...awaitingGoal('g1'), state: 'succeeded' }, focus: true });
    store.dispatch({ type: 'focused', focus: 'plan' });
    type('a');
    expect(client.calls('plan/decide')).toEqual([]);
    expect(store.getState().flash?.text).toMatch(/succeeded/);
  });

  it('shows call errors as a flash line', async () => {
    client.answers['plan/decide'] = () => {
      throw new Error('plan hash mismatch: the plan changed');
    };
    type('install nginx\r');
    await settle();
    type('a');
    type('yes\r');
    await settle();
    expect(store.getState().flash).toEqual({
      level: 'error',
      text: 'approve failed: plan hash mismatch: the plan changed',
    });
  });

  it('a failed submit keeps the text on the input line', async () => {
    client.answers['goal/submit'] = () => {
      throw new Error('Overloaded');
    };
    type('free disk\r');
    await settle();
    const s = store.getState();
    expect(s.input.text).toBe('free disk');
    expect(s.focus).toBe('input');
    expect(s.flash?.text).toBe('Overloaded');
  });

  it('turns daemon events into state', () => {
    client.emit({ type: 'goal.updated', goal: awaitingGoal('g7') });
    client.emit({ type: 'step.output', goalId: 'g7', stepId: 's1', chunk: 'abc' });
    client.emit({ type: 'agent.status', agent: 'system', status: 'busy', task: 'x' });
    client.emit({ type: 'alert', level: 'critical', message: 'disk full' });
    const s = store.getState();
    expect(s.goals.byId['g7']).toBeDefined();
    expect(s.outputs['g7/s1']).toBe('abc');
    expect(s.busyAgents).toEqual(['system']);
    expect(s.flash).toEqual({ level: 'error', text: 'disk full' });
  });

  it('leaves with q on the plan and with Ctrl-D on an empty line, not with text on it', () => {
    type('x\u0004');
    expect(left).toEqual([]);
    type('\u0015\u0004');
    expect(left).toEqual([0]);
  });

  it('? on an empty line opens help, which Esc closes', () => {
    type('?');
    expect(store.getState().focus).toBe('help');
    controller.press({ key: 'escape', input: '' });
    expect(store.getState().focus).toBe('input');
  });

  it('text arriving at once on the plan is typing: it goes to the input line, no key of it is a command', async () => {
    type('install nginx\r');
    await settle();
    controller.press({ key: '', input: 'jq' });
    expect(store.getState().selectedStep).toBe(0);
    expect(left).toEqual([]);
    expect(store.getState().focus).toBe('input');
    expect(store.getState().input.text).toBe('jq');
  });

  it('a letter that is no command of the plan goes to the input line, which takes the focus', async () => {
    type('install nginx\r');
    await settle();
    type('m');
    expect(store.getState().focus).toBe('input');
    expect(store.getState().input.text).toBe('m');
    controller.press({ key: 'escape', input: '' }); // back to the plan shown
    expect(store.getState().focus).toBe('plan');
  });

  it('c asks, naming the goal, and Y sends goal/cancel for the goal shown', async () => {
    client.answers['goal/cancel'] = () => ({
      ...planned,
      state: 'cancelled',
      message: 'cancelled by alice',
      updatedAt: '2025-01-01T00:00:06Z',
    });
    type('install nginx\r');
    await settle();
    type('c');
    expect(store.getState().confirm?.text).toMatch(
      /press Y to cancel goal "install nginx and start it" \(awaiting approval\)/,
    );
    expect(client.calls('goal/cancel')).toEqual([]);
    type('Y');
    await settle();
    expect(client.calls('goal/cancel')).toEqual([{ goalId: 'g1' }]);
    expect(store.getState().flash?.text).toMatch(/cancelled: cancelled by alice/);
  });

  it("Ctrl-C on an empty input line asks the same question; the daemon's refusal is shown", async () => {
    client.answers['goal/cancel'] = () => {
      throw new Error('only a goal being planned can be cancelled');
    };
    type('install nginx\r');
    await settle();
    type('\t'); // plan → input line
    type('\u0003');
    expect(store.getState().confirm?.kind).toBe('cancel');
    type('Y');
    await settle();
    expect(client.calls('goal/cancel')).toEqual([{ goalId: 'g1' }]);
    expect(store.getState().flash?.text).toMatch(/cancel failed: only a goal being planned/);
  });

  it('q asks first while a goal of yours awaits approval; Y leaves', async () => {
    client.answers['goal/submit'] = () => ({ ...planned, submittedBy: 'alice' });
    type('install nginx\r');
    await settle();
    type('q');
    expect(left).toEqual([]);
    expect(store.getState().confirm?.text).toMatch(
      /press Y to leave anyway, any other key stays: "install nginx and start it" awaits approval/,
    );
    type('Y');
    expect(left).toEqual([0]);
  });
});

describe('controller, roles and connection', () => {
  it('a viewer is told they cannot approve, and nothing is sent', async () => {
    const client = new FakeClient({ 'goal/list': () => ({ goals: [awaitingGoal('g1')] }) }, 'viewer');
    setUp(() => Promise.resolve(client));
    controller.start();
    await settle();
    store.dispatch({ type: 'focused', focus: 'plan' });
    type('a');
    type('y');
    expect(client.calls('plan/decide')).toEqual([]);
    expect(store.getState().flash).toEqual({ level: 'warning', text: VIEWER_REFUSAL });
  });

  it('says the daemon is unreachable, counts down and retries until it answers', async () => {
    vi.useFakeTimers();
    let attempts = 0;
    const client = new FakeClient();
    setUp(() => {
      attempts++;
      return attempts < 3 ? Promise.reject(new Error('aiosd is not running')) : Promise.resolve(client);
    });
    controller.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().connection).toEqual({ kind: 'unreachable', reason: 'aiosd is not running', retryInS: 1 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(attempts).toBe(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(attempts).toBe(3);
    expect(store.getState().connection.kind).toBe('connected');
  });

  it('when the daemon goes away it reconnects, re-subscribes and reloads the goals', async () => {
    vi.useFakeTimers();
    const first = new FakeClient();
    const second = new FakeClient({
      'goal/list': () => ({ goals: [awaitingGoal('g2')] }),
      'goal/submit': () => awaitingGoal('g3'),
    });
    const clients = [first, second];
    setUp(() => Promise.resolve(clients.shift() ?? second));
    controller.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().connection.kind).toBe('connected');
    first.hangUp('connection closed');
    expect(store.getState().connection).toMatchObject({ kind: 'unreachable', retryInS: 1 });
    type('x\r');
    expect(store.getState().flash?.text).toMatch(/unreachable: the goal is queued \(1\)/);
    expect(store.getState().queued).toEqual(['x']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(second.sent.map((s) => s.method)).toEqual([
      'events/subscribe',
      'goal/list',
      'status/get',
      'goal/submit',
      'models/recommend',
    ]);
    expect(second.calls('goal/submit')).toEqual([{ text: 'x' }]);
    expect(store.getState().connection.kind).toBe('connected');
    expect(store.getState().queued).toEqual([]);
  });

  it('counts the backoff down second by second', async () => {
    vi.useFakeTimers();
    store = createStore(reduce, initialState());
    controller = createController({
      store,
      connect: () => Promise.reject(new Error('down')),
      onLeave: () => undefined,
      backoffS: () => 3,
    });
    controller.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().connection).toMatchObject({ retryInS: 3 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(store.getState().connection).toMatchObject({ retryInS: 2 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(store.getState().connection).toMatchObject({ retryInS: 1 });
  });
});

describe('controller, the model tiers in the status bar', () => {
  const tiers = (operational: boolean) => [
    { name: 'reactive', up: true, detail: 'built-in rules' },
    { name: 'operational', up: operational, detail: operational ? 'tiny on cpu' : 'runtime stopped: signal SIGKILL' },
    { name: 'cloud', up: true, detail: 'claude (claude-test)' },
  ];
  const bar = (): string => {
    const s = store.getState();
    return statusLine({
      connection: s.connection,
      session: s.session,
      health: s.health,
      busyAgents: [],
      caps: detectCaps({ TERM: 'xterm-256color', LANG: 'C.UTF-8' }),
      extras: s.extras,
    })
      .map((seg) => seg.text)
      .join('');
  };

  it('shows a tier that went down once a goal has been planned, and again on the periodic check', async () => {
    vi.useFakeTimers();
    let operationalUp = true;
    const client = new FakeClient({ 'status/get': () => statusResult({ tiers: tiers(operationalUp) }) });
    store = createStore(reduce, initialState(80, 24));
    controller = createController({
      store,
      connect: () => Promise.resolve(client),
      onLeave: () => undefined,
      backoffS: () => 1,
      statusEveryMs: 10_000,
    });
    controller.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(bar()).toContain('operational↑');

    // The runtime died while a goal was being planned: the router went past it, and the bar says so.
    operationalUp = false;
    client.emit({ type: 'goal.updated', goal: goal({ id: 'g1', state: 'planning' }) });
    await vi.advanceTimersByTimeAsync(0);
    expect(bar()).toContain('operational↑');
    client.emit({ type: 'goal.updated', goal: goal({ id: 'g1', state: 'awaiting_approval' }) });
    await vi.advanceTimersByTimeAsync(0);
    expect(bar()).toContain('operational↓');

    // Back up with no goal planned: the periodic check shows it.
    operationalUp = true;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(bar()).toContain('operational↑');
  });
});

describe('controller, with the key guard on its default timings', () => {
  let client: FakeClient;
  let clock: ManualClock;

  beforeEach(async () => {
    const planned = awaitingGoal('g1');
    const safe = {
      ...planned,
      plan: planned.plan === null ? null : { ...planned.plan, steps: planned.plan.steps.filter((s) => s.id === 's1') },
    };
    client = new FakeClient({
      'goal/submit': () => safe,
      'plan/decide': () => ({ ...safe, state: 'running', updatedAt: '2025-01-01T00:00:05Z' }),
    });
    clock = new ManualClock();
    store = createStore(reduce, initialState(80, 24));
    left = [];
    controller = createController({
      store,
      connect: () => Promise.resolve(client),
      onLeave: (code) => left.push(code),
      backoffS: () => 1,
      guard: { ...DEFAULT_GUARD, fixed: true, clock },
    });
    controller.start();
    await settle();
    type('tidy the logs\r');
    await settle();
    expect(store.getState().focus).toBe('plan');
  });

  it('a goal typed right after the plan appears approves nothing: the text is on the input line', async () => {
    clock.advance(100);
    for (const ch of 'make a note') {
      type(ch);
      clock.advance(60);
    }
    clock.advance(2000);
    await settle();
    expect(client.calls('plan/decide')).toEqual([]);
    expect(store.getState().focus).toBe('input');
    expect(store.getState().input.text).toBe('make a note');
  });

  it('a burst starting with a, long after the plan appeared, is text; Esc, a pause, then a alone approves', async () => {
    clock.advance(5000);
    expect(store.getState().guardArmed).toBe(true);
    type('a');
    clock.advance(80);
    type('d');
    clock.advance(2000);
    await settle();
    expect(client.calls('plan/decide')).toEqual([]);
    expect(store.getState().input.text).toBe('ad');
    controller.press({ key: 'escape', input: '' });
    expect(store.getState().focus).toBe('plan');
    expect(store.getState().guardArmed).toBe(false);
    clock.advance(800);
    expect(store.getState().guardArmed).toBe(true);
    type('a');
    expect(client.calls('plan/decide')).toEqual([]);
    clock.advance(250);
    await settle();
    expect(client.calls('plan/decide')).toEqual([
      { planId: 'p-g1', planHash: focusedGoal(store.getState())?.plan?.hash, decision: 'approve' },
    ]);
  });

  it('a bracketed paste is text even when it begins with a command key', async () => {
    clock.advance(5000);
    type('\u001b[200~a\rq\u001b[201~');
    clock.advance(2000);
    await settle();
    expect(client.calls('plan/decide')).toEqual([]);
    expect(left).toEqual([]);
    expect(store.getState().input.text).toBe('a\nq');
  });
});

describe('controller, the guard timings from aiosd', () => {
  it("takes [shell] guard_ms and burst_ms from status/get unless the shell's own were given", async () => {
    const planned = awaitingGoal('g1');
    const safe = {
      ...planned,
      plan: planned.plan === null ? null : { ...planned.plan, steps: planned.plan.steps.filter((s) => s.id === 's1') },
    };
    const client = new FakeClient({
      'goal/submit': () => safe,
      'status/get': () => statusResult({ guardMs: 0, burstMs: 0 }),
    });
    store = createStore(reduce, initialState(80, 24));
    left = [];
    controller = createController({
      store,
      connect: () => Promise.resolve(client),
      onLeave: (code) => left.push(code),
      guard: { ...DEFAULT_GUARD, clock: new ManualClock() },
    });
    controller.start();
    await settle();
    type('tidy the logs\r');
    await settle();
    type('a'); // no time has passed, but aiosd said 0 and 0: it acts at once
    await settle();
    expect(client.calls('plan/decide')).toHaveLength(1);
  });
});
