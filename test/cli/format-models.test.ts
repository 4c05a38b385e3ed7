// `aios models` as a person reads it: each model's state and how it is kept, its memory and
// measured speed, the device chosen, and every tier that is down with why.
import { describe, expect, it } from 'vitest';
import { formatModels } from '../../src/cli/models-commands.js';
import type { LocalModelView, ModelsListResult } from '../../src/protocol/intelligence.js';

const model = (over: Partial<LocalModelView>): LocalModelView => ({
  key: 'operational',
  name: 'tiny',
  path: '/models/tiny.gguf',
  policy: 'always_loaded',
  state: 'loaded',
  problem: null,
  sizeBytes: 1_153_024,
  memoryBytes: 6_186_598,
  threads: 1,
  threadTrials: [
    { threads: 1, tokensPerS: 1588 },
    { threads: 2, tokensPerS: 155 },
  ],
  contextSize: 2048,
  tokensPerS: 1594,
  ttftMs: 1.9,
  loadMs: 132,
  queued: 0,
  running: 0,
  probe: { ok: true, detail: 'answered 16 token(s)', at: '2026-11-24T12:09:11.782Z' },
  ...over,
});

describe('formatModels', () => {
  it('shows device, memory, measured threads and speed per model, and how each is kept', () => {
    const r: ModelsListResult = {
      runtime: { state: 'up', device: 'cpu', cores: 2, pid: 42, rssBytes: 110_000_000, problem: null },
      models: [
        model({}),
        model({
          key: 'tactical',
          policy: 'load_on_demand',
          state: 'unloaded',
          memoryBytes: null,
          tokensPerS: null,
          ttftMs: null,
          probe: null,
          threadTrials: [],
        }),
      ],
      providers: [],
      tiers: [
        { name: 'reactive', up: true, detail: '' },
        { name: 'cloud', up: false, detail: 'no [api.*] provider configured' },
      ],
    };
    const text = formatModels(r);
    expect(text).toContain('local runtime: up, cpu, 2 usable core(s), pid 42, 104.9 MB resident');
    expect(text).toContain('operational tiny  loaded, always loaded');
    expect(text).toContain(
      'memory 5.9 MB, file 1.1 MB, context 2048, 1 thread(s) (measured: 1 → 1588 tok/s, 2 → 155 tok/s)',
    );
    expect(text).toContain('1594 tok/s, first token 1.9 ms');
    expect(text).toContain('tactical    tiny  unloaded, load on demand');
    expect(text).toContain('speed not measured yet');
    expect(text).toContain('tiers: reactive ✓ → cloud ✗\n  cloud: no [api.*] provider configured');
  });
});
