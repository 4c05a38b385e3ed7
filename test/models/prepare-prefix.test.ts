// The prepare hint with the real stories260K model in a real runtime process: a system prompt
// evaluated ahead of its request, reused by that request with the same output, a prepare that
// loads an unloaded model only once, and cancellation and the queue around it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelsConfig } from '../../src/config/models-schema.js';
import { LocalRuntime } from '../../src/models/local/local-runtime.js';
import { modelSettings } from '../../src/models/local/model-settings.js';
import { LocalPlanner } from '../../src/models/local-planner.js';
import { createBuiltinRegistry } from '../../src/tools/builtin-tools.js';
import { storiesMissing, storiesPath, workerScript } from './helpers/stories-model.js';

const dir = mkdtempSync(join(tmpdir(), 'aios-prepare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** ~300 tokens: long enough that evaluating it shows, short enough for the model's context. */
const SYSTEM = `You plan for aiOS. ${'Tom and his dog went to the park to play with a big red ball. '.repeat(20)}`;
const OTHER = 'Lily had a cat named Tom. '.repeat(20);
const plan = (user: string) => ({ input: { system: SYSTEM, user }, maxTokens: 24, temperature: 0 });
const grammar = { type: 'object', properties: { story: { type: 'string', maxLength: 40 } }, required: ['story'] };

describe.skipIf(storiesMissing !== null)("prepare: a request's system prompt evaluated ahead of it", () => {
  let rt: LocalRuntime;
  const log: string[] = [];
  beforeAll(async () => {
    const settings = modelSettings(
      ModelsConfig.parse({
        operational: { name: 'stories260K', path: storiesPath, threads: 1, context_size: 2048, always_loaded: true },
        tactical: {
          name: 'stories-tactical',
          path: storiesPath,
          threads: 1,
          context_size: 2048,
          unload_after_idle: '10m',
        },
      }),
      dir,
    );
    rt = new LocalRuntime({ settings, workerScript, log: (l) => log.push(l) });
    await rt.start();
  });
  afterAll(async () => {
    await rt.close();
  });

  it('gives the same output as without it (temperature 0), and the request evaluates only its own part', async () => {
    for (const spec of [plan('Make a plan.'), { ...plan('Make a plan.'), jsonSchema: grammar }]) {
      // Without: another prompt held the sequence, so the whole chat prompt is evaluated.
      await rt.generate('operational', { input: { prompt: OTHER }, maxTokens: 2, temperature: 0 });
      const without = await rt.generate('operational', spec);
      await rt.generate('operational', { input: { prompt: OTHER }, maxTokens: 2, temperature: 0 });
      const prepared = await rt.prepare('operational', { system: SYSTEM });
      const withPrefix = await rt.generate('operational', spec);
      expect(withPrefix.text).toBe(without.text);
      expect(without.text).not.toBe('');
      expect(prepared?.evaluatedTokens).toBeGreaterThan(200);
      // The prepared tokens are the request's prefix: it evaluates what is left, a few tokens.
      expect(without.evaluatedTokens).toBeGreaterThan(prepared?.evaluatedTokens ?? Infinity);
      expect(withPrefix.evaluatedTokens).toBeLessThan(without.evaluatedTokens - 200);
      // Asked again, the sequence holds the prefix already (the request left it there): nothing is evaluated.
      expect((await rt.prepare('operational', { system: SYSTEM }))?.evaluatedTokens).toBe(0);
    }
  });

  it('without a system prompt only wakes the runtime, and leaves the sequence as it is', async () => {
    await rt.prepare('operational', { system: SYSTEM });
    const woken = await rt.prepare('operational');
    expect(woken).toMatchObject({ evaluatedTokens: 0 });
    expect((await rt.prepare('operational', { system: SYSTEM }))?.evaluatedTokens).toBe(0);
  });

  it('a planner warms a loaded model with its plan system prompt, and leaves an unloaded one alone', async () => {
    const registry = createBuiltinRegistry({ timeoutMs: 5000, outputCapBytes: 65536 });
    await rt.generate('operational', { input: { prompt: OTHER }, maxTokens: 2, temperature: 0 });
    const planner = new LocalPlanner(rt, 'operational', registry);
    expect((await planner.warm())?.evaluatedTokens).toBeGreaterThan(100);
    // The same system prompt again: the sequence holds it.
    expect((await planner.warm())?.evaluatedTokens).toBe(0);
    expect(await new LocalPlanner(rt, 'tactical', registry).warm()).toBeNull();
    expect(rt.status().models.find((m) => m.key === 'tactical')?.state).toBe('configured');
  });

  it('loads an unloaded model once when a request follows at once, and the request is served', async () => {
    const state = (): string | undefined => rt.status().models.find((m) => m.key === 'tactical')?.state;
    expect(state()).toBe('configured');
    const prepared = rt.prepare('tactical', { system: SYSTEM });
    const answer = rt.generate('tactical', plan('Make a plan.'));
    const [p, a] = await Promise.all([prepared, answer]);
    expect(p).not.toBeNull();
    expect(a.tokens).toBeGreaterThan(0);
    expect(state()).toBe('loaded');
    expect(log.filter((l) => l.startsWith('loaded tactical model')).length).toBe(1);
  });

  it('is skipped while the model is busy, and leaves its queue alone', async () => {
    const first = rt.generate('operational', { input: { prompt: 'Once upon a time' }, maxTokens: 48, temperature: 0 });
    const second = rt.generate('operational', { input: { prompt: 'Once upon a time' }, maxTokens: 48, temperature: 0 });
    expect(await rt.prepare('operational', { system: SYSTEM })).toBeNull();
    expect(rt.status().models.find((m) => m.key === 'operational')).toMatchObject({ running: 1, queued: 1 });
    const [a, b] = await Promise.all([first, second]);
    expect(b.text).toBe(a.text);
  });

  it('a request cancelled while a prepare runs ahead of it stops, and the next one is served as before', async () => {
    const expected = await rt.generate('operational', plan('Tell a story.'));
    await rt.generate('operational', { input: { prompt: OTHER }, maxTokens: 2, temperature: 0 });
    const ac = new AbortController();
    const prepared = rt.prepare('operational', { system: SYSTEM });
    const cancelled = rt.generate('operational', plan('Tell a story.'), { signal: ac.signal });
    ac.abort(new Error('the person pressed Esc'));
    await expect(cancelled).rejects.toThrow('the person pressed Esc');
    await prepared;
    expect((await rt.generate('operational', plan('Tell a story.'))).text).toBe(expected.text);
  });

  it('a prepare cancelled by its signal answers null and the model keeps serving', async () => {
    await rt.generate('operational', { input: { prompt: OTHER }, maxTokens: 2, temperature: 0 });
    const ac = new AbortController();
    ac.abort(new Error('goal cancelled'));
    expect(await rt.prepare('operational', { system: SYSTEM, signal: ac.signal })).toBeNull();
    const r = await rt.generate('operational', plan('Make a plan.'));
    expect(r.tokens).toBeGreaterThan(0);
  });
});
