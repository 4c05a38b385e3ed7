// The benchmark's synthetic model must be a GGUF that llama.cpp really loads and runs with the
// shape asked for; otherwise its timings would describe nothing.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, LlamaCompletion, LlamaLogLevel, readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSyntheticLlama } from '../../bench/fixtures/synthetic-llama.js';
import { storiesMissing, storiesPath } from '../models/helpers/stories-model.js';

describe.skipIf(storiesMissing !== null)('synthetic Llama for the model benchmark', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aios-synthetic-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const shape = { embedding: 128, feedForward: 256, layers: 3, heads: 4, kvHeads: 2 };

  it('writes the shape asked for, with the template tokenizer, and every tensor F16 or F32 and counted', async () => {
    const out = join(dir, 'small.gguf');
    const params = writeSyntheticLlama(storiesPath, out, shape);
    const info = await readGgufFileInfo(out);
    const llama = info.metadata.llama as Record<string, unknown> & { attention: Record<string, unknown> };
    expect(llama['embedding_length']).toBe(128);
    expect(llama['block_count']).toBe(3);
    expect(llama['feed_forward_length']).toBe(256);
    expect(llama.attention['head_count']).toBe(4);
    expect(llama.attention['head_count_kv']).toBe(2);
    expect(info.metadata.tokenizer.ggml.tokens).toHaveLength(512);
    expect(info.tensorInfo).toHaveLength(3 + 9 * 3);
    const counted = (info.tensorInfo ?? []).reduce(
      (n, t) => n + t.dimensions.reduce<number>((a, d) => a * Number(d), 1),
      0,
    );
    expect(counted).toBe(params);
    // 2 bytes per F16 weight dominate the file.
    expect(statSync(out).size).toBeGreaterThan(params * 2 - 1);
  });

  it('loads in llama.cpp and generates tokens', async () => {
    const out = join(dir, 'run.gguf');
    writeSyntheticLlama(storiesPath, out, shape);
    const llama = await getLlama({ build: 'never', gpu: false, logLevel: LlamaLogLevel.error });
    try {
      const model = await llama.loadModel({ modelPath: out });
      expect(model.trainContextSize).toBe(2048);
      const context = await model.createContext({ contextSize: 256, threads: 1 });
      let tokens = 0;
      await new LlamaCompletion({ contextSequence: context.getSequence() }).generateCompletion('Once upon a time', {
        maxTokens: 8,
        temperature: 0,
        onToken: (t) => {
          tokens += t.length;
        },
      });
      expect(tokens).toBe(8);
    } finally {
      await llama.dispose();
    }
  }, 60_000);
});
