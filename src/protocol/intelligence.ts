// What crosses the socket about the intelligence hierarchy: the planning tiers and whether
// each is up, the local models and their measured speed, the cloud providers and their spend.
import { z } from 'zod';

/** One tier of the hierarchy as the status bar shows it. */
export const TierStatus = z.object({
  name: z.string(),
  up: z.boolean(),
  /** Why it is down, or what serves it ("stories260K on cpu, 1,480 tok/s"). */
  detail: z.string(),
});
export type TierStatus = z.infer<typeof TierStatus>;

export const LocalModelView = z.object({
  key: z.string(),
  name: z.string(),
  path: z.string(),
  policy: z.enum(['always_loaded', 'load_on_demand']),
  state: z.enum(['configured', 'loading', 'loaded', 'unloaded', 'failed']),
  problem: z.string().nullable(),
  sizeBytes: z.number().nullable(),
  /** RAM + VRAM of weights and context, as llama.cpp accounts them. */
  memoryBytes: z.number().nullable(),
  threads: z.number().nullable(),
  /** The measurement behind an automatic thread count. */
  threadTrials: z.array(z.object({ threads: z.number(), tokensPerS: z.number() })),
  contextSize: z.number().nullable(),
  /** Measured: the health probe, then the latest generation. */
  tokensPerS: z.number().nullable(),
  ttftMs: z.number().nullable(),
  loadMs: z.number().nullable(),
  queued: z.number(),
  running: z.number(),
  /** The last health probe (the router's `probe` task): whether it answered, and what, or why not. */
  probe: z.object({ ok: z.boolean(), detail: z.string(), at: z.string() }).nullable().optional(),
});
export type LocalModelView = z.infer<typeof LocalModelView>;

export const RuntimeView = z.object({
  state: z.enum(['off', 'starting', 'up', 'down']),
  /** "cpu", or the GPU backend and device: "cuda: NVIDIA H100 80GB HBM3". */
  device: z.string(),
  cores: z.number(),
  pid: z.number().nullable(),
  rssBytes: z.number().nullable(),
  problem: z.string().nullable(),
});
export type RuntimeView = z.infer<typeof RuntimeView>;

export const ProviderView = z.object({
  name: z.string(),
  kind: z.string(),
  model: z.string().nullable(),
  up: z.boolean(),
  detail: z.string(),
  /** Where the key came from (a variable's name or "secrets.toml"), never the key. */
  keySource: z.string().nullable(),
  spentUsd: z.number(),
  budgetUsd: z.number().nullable(),
  requestsThisMonth: z.number(),
  rateLimitRpm: z.number().nullable(),
  /** Input tokens this month, and how many of them the provider's prompt cache served. */
  inputTokensThisMonth: z.number().optional(),
  cachedInputTokensThisMonth: z.number().optional(),
  /** Made from a key alone (the environment's or `aios models key set`), with no [api.*] table. */
  byDefault: z.boolean().optional(),
});
export type ProviderView = z.infer<typeof ProviderView>;

export const ModelsListResult = z.object({
  runtime: RuntimeView,
  models: z.array(LocalModelView),
  providers: z.array(ProviderView),
  tiers: z.array(TierStatus),
});
export type ModelsListResult = z.infer<typeof ModelsListResult>;
