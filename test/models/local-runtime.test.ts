// The local runtime with the real stories260K model in a real runtime process.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planSystemPrompt } from '../../src/models/plan-prompt.js';
import { createBuiltinRegistry } from '../../src/tools/builtin-tools.js';
import { Priority } from '../../src/models/local/inference-queue.js';
import { LocalRuntime } from '../../src/models/local/local-runtime.js';
import { modelSettings } from '../../src/models/local/model-settings.js';
import { ModelsConfig } from '../../src/config/models-schema.js';
import { STORIES_SHA256, storiesMissing, storiesPath, storiesSha256, workerScript } from './helpers/stories-model.js';
import { eventually } from '../helpers/until.js';

const dir = mkdtempSync(join(tmpdir(), 'aios-models-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runtime(models: unknown): LocalRuntime {
  const settings = modelSettings(ModelsConfig.parse(models), dir);
  return new LocalRuntime({ settings, workerScript });
}

const until = (what: string, check: () => boolean, timeoutMs = 10_000): Promise<boolean> =>
  eventually(what, check, timeoutMs);

describe.skipIf(storiesSha256 === null)('the shared test model', () => {
  it('is the stories260K file whose sha256 the tests expect', () => {
    expect(storiesSha256).toBe(STORIES_SHA256);
  });
});

describe.skipIf(storiesMissing !== null)('LocalRuntime with stories260K', () => {
  let rt: LocalRuntime;
  beforeAll(async () => {
    rt = runtime({
      operational: { name: 'stories260K', path: storiesPath, sha256: STORIES_SHA256, max_tokens: 64 },
      tactical: { name: 'stories-tactical', path: storiesPath, unload_after_idle: '300ms', threads: 1 },
    });
    await rt.start();
  });
  afterAll(async () => {
    await rt.close();
  });

  it('loads the always-loaded model at start, probes it and reports device, threads and speed', () => {
    const { runtime: r, models } = rt.status();
    expect(r.state).toBe('up');
    expect(r.device === 'cpu' || /^(cuda|vulkan|metal): /.test(r.device)).toBe(true);
    expect(r.pid).toBeGreaterThan(0);
    const op = models.find((m) => m.key === 'operational');
    expect(op).toMatchObject({ state: 'loaded', policy: 'always_loaded', problem: null });
    expect(op?.tokensPerS).toBeGreaterThan(0);
    expect(op?.threads).toBeGreaterThanOrEqual(1);
    // "auto" threads were measured, at 1 and at every usable core when there is more than one.
    expect(op?.threadTrials.map((t) => t.threads)).toEqual(rt.cores > 1 ? [1, rt.cores] : [1]);
    // The on-demand model is not loaded until it is used.
    expect(models.find((m) => m.key === 'tactical')?.state).toBe('configured');
  });

  it('streams text and counts tokens', async () => {
    const deltas: string[] = [];
    const r = await rt.generate(
      'operational',
      { input: { prompt: 'Once upon a time' }, maxTokens: 32, temperature: 0 },
      { onDelta: (t) => deltas.push(t) },
    );
    expect(r.tokens).toBeGreaterThan(0);
    expect(deltas.join('')).toBe(r.text);
    expect(r.ttftMs).toBeLessThanOrEqual(r.totalMs);
  });

  it("counts a prompt in the model's own tokens, and says nothing for a model not loaded", async () => {
    const system = planSystemPrompt(
      createBuiltinRegistry({ timeoutMs: 1000, outputCapBytes: 1000 }).describe(),
      'full',
    );
    const [words, prompt] = (await rt.countTokens('operational', ['Once upon a time', system])) ?? [];
    expect(words).toBeGreaterThanOrEqual(4);
    // stories260K's 512-token vocabulary splits a tool list far finer than 2 characters a token.
    expect(prompt).toBeGreaterThan(system.length / 2);
    expect(await rt.countTokens('tactical', ['Once upon a time'])).toBeNull();
  });

  it('queues two concurrent requests: the second starts when the first has finished', async () => {
    const events: string[] = [];
    const spec = { input: { prompt: 'Tom had a red ball' }, maxTokens: 48, temperature: 0 };
    const first = rt
      .generate('operational', spec, {
        onDelta: () => {
          if (!events.includes('a')) events.push('a');
        },
      })
      .then((r) => {
        events.push('a done');
        return r;
      });
    const second = rt
      .generate('operational', spec, {
        onDelta: () => {
          if (!events.includes('b')) events.push('b');
        },
      })
      .then((r) => {
        events.push('b done');
        return r;
      });
    const op = rt.status().models.find((m) => m.key === 'operational');
    expect(op).toMatchObject({ running: 1, queued: 1 });
    const [ra, rb] = await Promise.all([first, second]);
    expect(events).toEqual(['a', 'a done', 'b', 'b done']);
    // Same prompt, temperature 0: the same text, so neither request saw the other's state.
    expect(rb.text).toBe(ra.text);
  });

  it('runs a more urgent request before an earlier, less urgent one', async () => {
    const order: string[] = [];
    const spec = { input: { prompt: 'Lily' }, maxTokens: 8, temperature: 0 };
    const blocker = rt.generate('operational', spec).then(() => order.push('blocker'));
    const low = rt
      .generate('operational', spec, { priority: Priority.background })
      .then(() => order.push('background'));
    const high = rt
      .generate('operational', spec, { priority: Priority.interactive })
      .then(() => order.push('interactive'));
    await Promise.all([blocker, low, high]);
    expect(order).toEqual(['blocker', 'interactive', 'background']);
  });

  it('cancels a running generation, drops a queued one, and keeps serving', async () => {
    const running = new AbortController();
    const queued = new AbortController();
    let queuedRan = false;
    const long = rt.generate(
      'operational',
      { input: { prompt: 'Once upon a time' }, maxTokens: 100_000, temperature: 1 },
      {
        signal: running.signal,
        onDelta: () => running.abort(new Error('stop: the person pressed Esc')),
      },
    );
    const waiting = rt.generate(
      'operational',
      { input: { prompt: 'x' }, maxTokens: 8, temperature: 0 },
      {
        signal: queued.signal,
        onDelta: () => {
          queuedRan = true;
        },
      },
    );
    queued.abort(new Error('no longer needed'));
    await expect(waiting).rejects.toThrow('no longer needed');
    await expect(long).rejects.toThrow('stop: the person pressed Esc');
    expect(queuedRan).toBe(false);
    const after = await rt.generate('operational', { input: { prompt: 'Once' }, maxTokens: 4, temperature: 0 });
    expect(after.tokens).toBeGreaterThan(0);
  });

  it("says a prompt too long for the context in the config's terms, and keeps serving", async () => {
    const tooLong = rt.generate('operational', {
      input: { system: 'Tom and Lily went to the park. '.repeat(400), user: 'Once' },
      maxTokens: 16,
      temperature: 0,
    });
    await expect(tooLong).rejects.toThrow(
      /^the prompt \(about \d+ tokens\) and up to max_tokens = 16 of answer do not fit the model's context of 2048 tokens: raise \[models\.operational\] context_size or lower its max_tokens$/,
    );
    const after = await rt.generate('operational', { input: { prompt: 'Once' }, maxTokens: 4, temperature: 0 });
    expect(after.tokens).toBeGreaterThan(0);
  });

  it('loads an on-demand model at first use and unloads it after its idle time', async () => {
    await rt.generate('tactical', { input: { prompt: 'Once' }, maxTokens: 4, temperature: 0 });
    const state = (): string | undefined => rt.status().models.find((m) => m.key === 'tactical')?.state;
    expect(state()).toBe('loaded');
    await until('the tactical model to unload', () => state() === 'unloaded');
    // And it comes back on the next use.
    await rt.generate('tactical', { input: { prompt: 'Once' }, maxTokens: 4, temperature: 0 });
    expect(state()).toBe('loaded');
  });

  it('measures threads at the first load of an on-demand model, and reuses the choice when it loads it again', async () => {
    const log: string[] = [];
    const settings = modelSettings(
      ModelsConfig.parse({ tactical: { name: 'auto-threads', path: storiesPath, unload_after_idle: '200ms' } }),
      dir,
    );
    const own = new LocalRuntime({ settings, workerScript, log: (l) => log.push(l) });
    try {
      const tactical = () => own.status().models.find((m) => m.key === 'tactical');
      await own.generate('tactical', { input: { prompt: 'Once' }, maxTokens: 4, temperature: 0 });
      const first = tactical();
      expect(first?.threadTrials.map((t) => t.threads)).toEqual(own.cores > 1 ? [1, own.cores] : [1]);
      await until('the model to unload', () => tactical()?.state === 'unloaded');
      await own.generate('tactical', { input: { prompt: 'Once' }, maxTokens: 4, temperature: 0 });
      // Same threads and the same trials shown, and the log says they were not run again.
      expect(tactical()).toMatchObject({ state: 'loaded', threads: first?.threads, threadTrials: first?.threadTrials });
      const loads = log.filter((l) => l.startsWith('loaded tactical'));
      expect(loads).toHaveLength(2);
      expect(loads[0]).toMatch(/\(measured 1: \d+ tok\/s/);
      expect(loads[1]).toMatch(/\(measured at an earlier load 1: \d+ tok\/s/);
    } finally {
      await own.close();
    }
  });

  it('reports memory for loaded models', async () => {
    await rt.refreshMemory();
    const { runtime: r, models } = rt.status();
    expect(r.rssBytes).toBeGreaterThan(0);
    expect(models.find((m) => m.key === 'operational')?.memoryBytes).toBeGreaterThan(0);
  });
});

describe.skipIf(storiesMissing !== null)('LocalRuntime with a bad model file', () => {
  it('marks a non-GGUF file failed with a clear reason, without starting to load it', async () => {
    const bogus = join(dir, 'not-a-model.gguf');
    writeFileSync(bogus, 'this is a text file\n');
    const rt = runtime({ operational: { name: 'bogus', path: bogus } });
    await rt.start();
    const m = rt.status().models[0];
    expect(m?.state).toBe('failed');
    expect(m?.problem).toContain('is not a GGUF model');
    expect(rt.usable('operational').up).toBe(false);
    expect(rt.status().runtime.state).toBe('off');
    await rt.close();
  });

  it('refuses a file whose sha256 differs from the configured one', async () => {
    const rt = runtime({ operational: { name: 'stories', path: storiesPath, sha256: '0'.repeat(64) } });
    await rt.start();
    expect(rt.status().models[0]?.problem).toContain(`has sha256 ${STORIES_SHA256}`);
    await rt.close();
  });
});

describe.skipIf(storiesMissing !== null)('LocalRuntime when the runtime process dies', () => {
  it('fails the request in flight, reports the tier down with the reason, and restarts on a later request', async () => {
    const settings = modelSettings(
      ModelsConfig.parse({ operational: { name: 'stories', path: storiesPath, threads: 1 } }),
      dir,
    );
    const rt = new LocalRuntime({ settings, workerScript, restartBackoffMs: 300 });
    await rt.start();
    const pid = rt.status().runtime.pid as number;
    // As llama.cpp aborting on a failed assertion would: the process is gone, mid-generation.
    let killed = false;
    const inFlight = rt.generate(
      'operational',
      { input: { prompt: 'Once upon a time' }, maxTokens: 100_000, temperature: 1 },
      {
        onDelta: () => {
          if (!killed) process.kill(pid, 'SIGKILL');
          killed = true;
        },
      },
    );
    await expect(inFlight).rejects.toThrow(/the model runtime stopped \(signal SIGKILL/);
    expect(rt.status().runtime).toMatchObject({
      state: 'down',
      problem: expect.stringContaining('SIGKILL') as unknown as string,
    });
    expect(rt.usable('operational')).toEqual({
      up: false,
      detail: expect.stringContaining('runtime stopped: signal SIGKILL') as unknown as string,
    });
    await expect(
      rt.generate('operational', { input: { prompt: 'Once' }, maxTokens: 4, temperature: 0 }),
    ).rejects.toThrow(/it is retried after 0.3 s/);
    await new Promise((r) => setTimeout(r, 350));
    const again = await rt.generate('operational', { input: { prompt: 'Once' }, maxTokens: 4, temperature: 0 });
    expect(again.tokens).toBeGreaterThan(0);
    expect(rt.status().runtime.pid).not.toBe(pid);
    await rt.close();
  });
});

describe.skipIf(storiesMissing !== null)('LocalRuntime closed while its runtime is starting', () => {
  const runtimeChildren = (): string[] => {
    const r = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
    return r.stdout.split('\n').filter((l) => l.includes(workerScript));
  };

  it('kills the runtime process being started instead of leaving it to hold aiosd up', async () => {
    const rt = runtime({ operational: { name: 'stories260K', path: storiesPath, max_tokens: 16 } });
    // start() never throws: a runtime that could not start leaves the probe failed with why.
    const starting = rt.start();
    await until('the runtime process to be forked', () => runtimeChildren().length > 0);
    await rt.close();
    await starting;
    await until('the runtime process to be gone', () => runtimeChildren().length === 0, 5_000);
    expect(rt.status().runtime.state).not.toBe('up');
    expect(rt.status().models[0]?.state).not.toBe('loaded');
  });
});
