// `aios models recommend`: the table is data that parses and cites its sources, and the choice
// follows the node's memory, cores and GPU; the daemon answers it for the node it runs on.
import { describe, expect, it } from 'vitest';
import { MODEL_TABLE, recommend } from '../../src/models/recommend.js';
import { recommendationText } from '../../src/cli/models-recommend-command.js';
import { daemonForSuite } from '../helpers/daemon.js';
import type { AiosClient } from '../../src/protocol/client.js';

const GB = 1e9;
const nvidia = (totalMiB: number) => [
  {
    card: 'nvidia0',
    vendor: 'NVIDIA',
    device: 'H100',
    driver: 'nvidia',
    detail: `3/${totalMiB} MiB used, 0% busy, 30 °C`,
  },
];

describe('the model table', () => {
  it('cites a source for every model, and every model is a single-file hf: URI with its figures', () => {
    expect(MODEL_TABLE.models.length).toBeGreaterThan(3);
    for (const m of MODEL_TABLE.models) {
      expect(m.uri).toMatch(/^hf:[^/]+\/[^/:]+:Q\d_K_M$/);
      expect(m.ram_bytes).toBeGreaterThan(m.size_bytes);
      const repo = m.uri.slice(3).split(':')[0] ?? '';
      expect(
        MODEL_TABLE.sources.some((s) => s.includes(repo)),
        repo,
      ).toBe(true);
    }
  });
});

describe('recommend', () => {
  it('a small CPU-only node gets a small quick operational model and a larger tactical one beside it', () => {
    const r = recommend({ memoryBytes: 8 * GB, cores: 2, gpus: [] });
    expect(r.operational?.name).toBe('Qwen2.5 0.5B Instruct');
    expect(r.tactical?.name).toBe('Qwen2.5 3B Instruct');
    expect(r.tactical?.why).toMatch(/beside the operational model/);
    expect(recommendationText(r)).toContain(
      'aios models pull hf:bartowski/Qwen2.5-3B-Instruct-GGUF:Q4_K_M --tier tactical',
    );
  });

  it('more cores allow a larger operational model; memory bounds the tactical one', () => {
    const r = recommend({ memoryBytes: 16 * GB, cores: 8, gpus: [] });
    expect(r.operational?.name).toBe('Qwen2.5 3B Instruct');
    expect(r.tactical?.name).toBe('Qwen2.5 7B Instruct');
  });

  it('a GPU holds a tactical model larger than the memory beside the operational one would', () => {
    const r = recommend({ memoryBytes: 16 * GB, cores: 4, gpus: nvidia(81559) });
    expect(r.tactical?.name).toBe('Qwen2.5 32B Instruct');
    expect(r.tactical?.why).toMatch(/into the GPU's/);
    expect(r.node.gpuMemoryBytes).toBe(81559 * 1024 * 1024);
  });

  it('a node too small for any model says so, and proposes the other ways', () => {
    const r = recommend({ memoryBytes: 1 * GB, cores: 1, gpus: [] });
    expect(r.operational).toBeNull();
    expect(r.notes.join(' ')).toMatch(/cloud key, or the built-in rules/);
  });
});

describe('models/recommend in aiosd', () => {
  let client: AiosClient;
  daemonForSuite((_d, c) => {
    client = c;
  });
  it('answers for the node it runs on', async () => {
    const r = await client.call('models/recommend', {});
    expect(r.node.memoryBytes).toBeGreaterThan(0);
    expect(r.node.cores).toBeGreaterThan(0);
    expect(r.operational === null ? r.notes.length : 1).toBeGreaterThan(0);
  });
});
