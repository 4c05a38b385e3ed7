// F9 on the first-run screen asks before anything is pulled: the question names the model, its
// size and the tier, and only a Y that stands alone (the key guard on its real timings) sends
// models/pull. A pasted `ESC [ 2 0 ~` followed by anything pulls nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createController, type Controller } from '../../src/shell/commands/controller.js';
import { DEFAULT_GUARD } from '../../src/shell/commands/key-guard.js';
import { initialState, reduce, type Action, type ShellState } from '../../src/shell/state/shell-state.js';
import { createStore, type Store } from '../../src/shell/state/store.js';
import { decodeKeys } from '../../src/shell/terminal/key-decode.js';
import { FakeClient } from './fake-client.js';
import { firstRunRecommendation } from './fixtures.js';
import { ManualClock } from './manual-clock.js';

const F9 = '\u001b[20~';
const PULLED = {
  dryRun: false,
  uri: firstRunRecommendation().operational?.uri,
  tier: 'operational',
  fileName: 'qwen.gguf',
  path: '/var/lib/aios/models/qwen.gguf',
  sizeBytes: 1,
  sha256: 'a'.repeat(64),
  checkedAgainst: 'hub',
  memory: { neededBytes: 1, budgetBytes: 2, totalBytes: 3 },
  freeDiskBytes: 10,
  resumedBytes: 0,
  replaces: null,
  config: '/etc/aios/config.toml',
  reload: { reloaded: true, message: 'operational loaded', problems: [] },
};

let store: Store<ShellState, Action>;
let controller: Controller;
let client: FakeClient;
let clock: ManualClock;

const type = (text: string): void => {
  for (const k of decodeKeys(text).keys) controller.press(k);
};
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await new Promise((r) => setImmediate(r));
}

async function start(role: 'admin' | 'operator'): Promise<void> {
  client = new FakeClient({ 'models/recommend': () => firstRunRecommendation(), 'models/pull': () => PULLED }, role);
  clock = new ManualClock();
  store = createStore(reduce, initialState(80, 24));
  controller = createController({
    store,
    connect: () => Promise.resolve(client),
    onLeave: () => undefined,
    backoffS: () => 1,
    guard: { ...DEFAULT_GUARD, fixed: true, clock },
  });
  controller.start();
  await settle();
  expect(store.getState().firstRun).not.toBeNull();
  clock.advance(5000);
}

afterEach(() => controller.stop());

describe('F9 on the first-run screen, the key guard on its default timings', () => {
  beforeEach(() => start('admin'));

  it('asks for Y naming the model, its size and the tier; nothing is pulled before', async () => {
    type(F9);
    await settle();
    expect(client.calls('models/pull')).toEqual([]);
    const text = store.getState().confirm?.text ?? '';
    expect(store.getState().confirm).toMatchObject({ kind: 'pull', tier: 'operational' });
    expect(text).toMatch(/^press Y to pull Qwen2\.5 7B Instruct \(4\.68 GiB download, about 6\.00 GiB of memory\)/);
    expect(text).toContain('as the operational model');
    expect(text).toContain('[models.operational]');
  });

  it('a Y that stands alone, after the question has been up guard_ms, pulls the model named', async () => {
    type(F9);
    clock.advance(DEFAULT_GUARD.guardMs + 50);
    type('Y');
    expect(client.calls('models/pull')).toEqual([]); // decided burst_ms later
    clock.advance(DEFAULT_GUARD.burstMs + 10);
    await settle();
    expect(client.calls('models/pull')).toEqual([
      { uri: 'hf:bartowski/Qwen2.5-7B-Instruct-GGUF:Q4_K_M', tier: 'operational' },
    ]);
    expect(store.getState().confirm).toBeNull();
    expect(store.getState().flash?.text).toBe('pulled qwen.gguf: operational loaded');
  });

  it('a pasted F9 then Y at once pulls nothing: the Y is text and the question is answered no', async () => {
    type(`${F9}Y`);
    clock.advance(2000);
    await settle();
    expect(client.calls('models/pull')).toEqual([]);
    expect(store.getState().confirm).toBeNull();
    expect(store.getState().input.text).toBe('Y');
  });

  it('any other key, or Esc, keeps it', async () => {
    type(F9);
    clock.advance(2000);
    controller.press({ key: 'escape', input: '' });
    expect(store.getState().confirm).toBeNull();
    expect(store.getState().flash?.text).toMatch(/cancelled: nothing was done/);
    clock.advance(2000);
    type('Y'); // no question now: Y is a letter on the input line
    clock.advance(2000);
    await settle();
    expect(client.calls('models/pull')).toEqual([]);
    expect(store.getState().input.text).toBe('Y');
  });

  it('the offer changing before Y pulls nothing', async () => {
    type(F9);
    store.dispatch({ type: 'firstRunLoaded', recommendation: { ...firstRunRecommendation(), operational: null } });
    clock.advance(2000);
    type('Y');
    clock.advance(2000);
    await settle();
    expect(client.calls('models/pull')).toEqual([]);
    expect(store.getState().flash?.text).toMatch(/the offer changed before you confirmed: nothing was pulled/);
  });
});

describe('F9 for an operator', () => {
  beforeEach(() => start('operator'));

  it('asks nothing and says an admin pulls models', async () => {
    type(F9);
    await settle();
    expect(store.getState().confirm).toBeNull();
    expect(store.getState().flash?.text).toMatch(/only an admin can pull a model/);
  });
});
