// A GPU backend that takes the runtime down before it ever answers is set aside under
// gpu = "auto", and the runtime comes back on the next backend. Seen for real on an H100: the
// prebuilt CUDA binary aborted on the first decode while the Vulkan one worked (README, "GPU").
// The crash is played by a stand-in runtime (test/models/fixtures/cuda-crash-worker.mjs); after
// it, the real runtime runs the real stories260K.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelsConfig } from '../../src/config/models-schema.js';
import { LocalRuntime } from '../../src/models/local/local-runtime.js';
import { modelSettings } from '../../src/models/local/model-settings.js';
import { meaningfulTail } from '../../src/models/local/worker-host.js';
import { storiesMissing, storiesPath } from './helpers/stories-model.js';

const dir = mkdtempSync(join(tmpdir(), 'aios-gpu-fallback-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const crashingWorker = join(import.meta.dirname, 'fixtures', 'cuda-crash-worker.mjs');

function runtime(gpu: string, logs: string[]): LocalRuntime {
  const settings = modelSettings(
    ModelsConfig.parse({ gpu, operational: { name: 'stories260K', path: storiesPath, threads: 1 } }),
    dir,
  );
  return new LocalRuntime({ settings, workerScript: crashingWorker, log: (l) => logs.push(l) });
}

describe('meaningfulTail', () => {
  it('keeps the cause and drops the backtrace frames that follow it', () => {
    const stderr =
      'loading\nCUDA error: bad PTX\n  cudaFuncGetAttributes(&attr, kernel)\n/a/libggml.so(+0x1c8eb)[0x7f44e30348eb]\nnode[0x18a7b40]\n';
    expect(meaningfulTail(stderr)).toBe('loading | CUDA error: bad PTX | cudaFuncGetAttributes(&attr, kernel)');
  });
});

describe.skipIf(storiesMissing !== null)('a GPU backend that crashes the runtime', () => {
  it('is set aside under gpu = "auto": the runtime restarts without it and the model answers', async () => {
    const logs: string[] = [];
    const rt = runtime('auto', logs);
    try {
      await rt.start();
      const { runtime: view, models } = rt.status();
      expect(models[0]?.state).toBe('loaded');
      expect(view.device).toMatch(
        /^cpu \(cuda crashed: signal SIGABRT; last output: CUDA error: the provided PTX was compiled with an unsupported toolchain\./,
      );
      expect(logs.join('\n')).toMatch(/the cuda backend stopped the model runtime before it answered/);
      const r = await rt.generate('operational', {
        input: { prompt: 'Once upon a time' },
        maxTokens: 8,
        temperature: 0,
      });
      expect(r.tokens).toBeGreaterThan(0);
    } finally {
      await rt.close();
    }
  }, 60_000);

  it('is not second-guessed when the backend was named (gpu = "cuda"): the model fails, saying why', async () => {
    const logs: string[] = [];
    const rt = runtime('cuda', logs);
    try {
      await rt.start();
      const { models } = rt.status();
      expect(models[0]?.state).toBe('failed');
      expect(models[0]?.problem).toMatch(/CUDA error: the provided PTX/);
      expect(logs.join('\n')).not.toMatch(/restarting without it/);
    } finally {
      await rt.close();
    }
  }, 60_000);
});
