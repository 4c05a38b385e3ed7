// The fleet view's a/x go through the key guard as a plan's keys do: a key pressed just as the
// plan group it would decide came under the selection is text, and the same key alone, after a
// pause, decides. Time is a manual clock; aiosd a fake client.
import { afterEach, describe, expect, it } from 'vitest';
import { createController, type Controller } from '../../src/shell/commands/controller.js';
import { DEFAULT_GUARD } from '../../src/shell/commands/key-guard.js';
import { initialState, reduce } from '../../src/shell/state/shell-state.js';
import { createStore } from '../../src/shell/state/store.js';
import { decodeKeys } from '../../src/shell/terminal/key-decode.js';
import { FakeClient } from './fake-client.js';
import { HASH_A, started } from './fleet-fixtures.js';
import { ManualClock } from './manual-clock.js';

let controller: Controller | null = null;
afterEach(() => {
  controller?.stop();
  controller = null;
});

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await new Promise((r) => setImmediate(r));
}

describe('the fleet view under the key guard', () => {
  it('a pressed as the group is selected is text; a alone after a pause approves it', async () => {
    const goal = started();
    const client = new FakeClient(
      {
        'fleet/status': () => ({
          joined: true,
          node: 'node1',
          url: 'nats://hub:4222',
          connected: true,
          key: 'k',
          problem: null,
        }),
        'fleet/nodes': () => ({ nodes: [], revoked: [] }),
        'fleet/goals': () => ({ started: [goal], reached: [] }),
        'fleet/decide': () => goal,
      },
      'admin',
    );
    const clock = new ManualClock();
    const store = createStore(reduce, initialState(100, 30));
    const c = createController({
      store,
      connect: () => Promise.resolve(client),
      onLeave: () => undefined,
      backoffS: () => 1,
      guard: { ...DEFAULT_GUARD, fixed: true, clock },
      metricsEveryMs: 60_000,
    });
    controller = c;
    const type = (text: string): void => {
      for (const k of decodeKeys(text).keys) c.press(k);
    };
    c.start();
    await settle();
    type('\u001b[21~'); // F10
    await settle();
    expect(store.getState().focus).toBe('fleet');
    clock.advance(5000);
    // j alone moves the selection from the goal to its plan A.
    type('j');
    clock.advance(300);
    await settle();
    expect(store.getState().data.selected['fleet']).toBe(1);
    // a long enough after j for a key alone, but just after what it would approve came under
    // the selection (j acted after its burst wait): it is text.
    clock.advance(500);
    type('a');
    clock.advance(2000);
    await settle();
    expect(client.sent.filter((s) => s.method === 'fleet/decide')).toEqual([]);
    expect(store.getState().input.text).toBe('a');
    // Back to the view, a pause, then a alone approves exactly that group.
    c.press({ key: 'escape', input: '' });
    expect(store.getState().focus).toBe('fleet');
    clock.advance(800);
    type('a');
    clock.advance(300);
    await settle();
    expect(client.sent.filter((s) => s.method === 'fleet/decide').map((s) => s.params)).toEqual([
      { fleetGoal: goal.fleetGoal, planHash: HASH_A, decision: 'approve' },
    ]);
  });
});
