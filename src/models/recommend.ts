// `aios models recommend`: the node's memory, cores and GPUs against the table of models kept as
// data (model-table.json): the largest operational model its tier's share of memory holds, then
// the largest tactical one that fits beside it (or in the GPU's memory), each with its cost.
import { availableParallelism, totalmem } from 'node:os';
import { z } from 'zod';
import type { ModelRecommendation, PullTier, RecommendedModel } from '../protocol/model-pull.js';
import type { Gpu } from '../tools/hw-tools.js';
import { gb, TIER_SHARE } from './pull-sizing.js';
import tableData from './model-table.json' with { type: 'json' };

const Entry = z.object({
  name: z.string(),
  uri: z.string(),
  quant: z.string(),
  size_bytes: z.number(),
  ram_bytes: z.number(),
  context: z.number(),
  tiers: z.array(z.enum(['operational', 'tactical'])),
});
const Table = z.object({ sources: z.array(z.string()), models: z.array(Entry) });
type Entry = z.infer<typeof Entry>;

export const MODEL_TABLE = Table.parse(tableData);

export interface NodeShape {
  memoryBytes: number;
  cores: number;
  gpus: Gpu[];
}

/** "3012/81559 MiB used, …" as nvidia-smi reports it through hw.gpus: the card's total, in bytes. */
export function gpuMemoryBytes(gpus: Gpu[]): number | null {
  const totals = gpus
    .map((g) => /\/\s*(\d+)\s*MiB/.exec(g.detail ?? '')?.[1])
    .filter((t): t is string => t !== undefined)
    .map((t) => Number(t) * 1024 * 1024);
  return totals.length === 0 ? null : Math.max(...totals);
}

function pick(tier: PullTier, budget: number, larger: number, models: readonly Entry[]): Entry | null {
  const fits = models.filter((m) => m.tiers.includes(tier) && m.ram_bytes <= budget && m.ram_bytes > larger);
  return fits.sort((a, b) => b.ram_bytes - a.ram_bytes)[0] ?? null;
}

const view = (tier: PullTier, m: Entry, why: string): RecommendedModel => ({
  tier,
  name: m.name,
  uri: m.uri,
  quant: m.quant,
  sizeBytes: m.size_bytes,
  ramBytes: m.ram_bytes,
  context: m.context,
  source: MODEL_TABLE.sources.find((s) => s.includes(m.uri.split(':')[1]?.split('/')[1] ?? '\0')) ?? '',
  why,
});

type Recommendation = Omit<ModelRecommendation, 'plannerConfigured' | 'rules'>;

export function recommend(node: NodeShape, models: readonly Entry[] = MODEL_TABLE.models): Recommendation {
  const notes: string[] = [];
  const mem = node.memoryBytes;
  const vram = gpuMemoryBytes(node.gpus);
  // The operational model answers every low-risk goal, so it must be quick: on a CPU alone a
  // 4-bit model generates at a few tokens per second per GB of weights and core, so it is held
  // to about 500 MB (loaded) per core; a GPU lifts that limit.
  const cpuOnly = vram === null;
  const opBudget = Math.min(mem * TIER_SHARE.operational, cpuOnly ? node.cores * 500e6 : Infinity);
  const op = pick('operational', opBudget, 0, models);
  if (op === null)
    notes.push(
      `no model in the table fits the operational tier (${gb(opBudget)} of ${gb(mem)}): use a cloud key, or the built-in rules`,
    );
  // The tactical model is loaded beside the operational one: both within three quarters of memory,
  // unless a GPU holds it.
  const ramLeft = mem * TIER_SHARE.tactical - (op?.ram_bytes ?? 0);
  const tacBudget = Math.max(ramLeft, vram === null ? 0 : vram * 0.9);
  const tac = pick('tactical', tacBudget, op?.ram_bytes ?? 0, models);
  if (tac === null)
    notes.push(
      `no model larger than the operational one fits beside it (${gb(Math.max(0, tacBudget))} left): leave the tactical tier empty, or use a cloud key for harder goals`,
    );
  const share = (m: Entry): string => `${Math.round((m.ram_bytes / mem) * 100)}% of this node's ${gb(mem)}`;
  return {
    node: {
      memoryBytes: mem,
      cores: node.cores,
      gpus: node.gpus.map((g) => `${g.vendor} ${g.device}`.trim()),
      gpuMemoryBytes: vram,
    },
    operational:
      op === null
        ? null
        : view(
            'operational',
            op,
            `always loaded: about ${gb(op.ram_bytes)} (${share(op)}); the largest in the table within ${cpuOnly ? `what ${node.cores} CPU core(s) answer quickly with` : 'the operational share'} (${gb(opBudget)})`,
          ),
    tactical:
      tac === null
        ? null
        : view(
            'tactical',
            tac,
            vram !== null && tac.ram_bytes > ramLeft
              ? `loaded on demand into the GPU's ${gb(vram)}: about ${gb(tac.ram_bytes)}`
              : `loaded on demand: about ${gb(tac.ram_bytes)} (${share(tac)}) while it answers, beside the operational model`,
          ),
    notes,
  };
}

export async function recommendForThisNode(
  gpus: () => Promise<Gpu[]>,
  planners: { plannerConfigured: boolean; rules: string[] },
): Promise<ModelRecommendation> {
  return { ...recommend({ memoryBytes: totalmem(), cores: availableParallelism(), gpus: await gpus() }), ...planners };
}
