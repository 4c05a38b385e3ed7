// The [models] and [api.*] tables of config.toml: local GGUF models and cloud providers.
// Each layer (system file, user file) is checked alone before merging, so nothing here may
// require a key that another layer could supply; what a provider still lacks after merging
// (a model name, a price for its budget) is reported by the gateway when it starts.
import { z } from 'zod';
import { ProviderKind } from '../protocol/vocabulary.js';

/** "500ms", "30s", "5m", "1h"; "0s" means never (no idle unload, no caching). */
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;
const Duration = z.string().regex(DURATION_PATTERN, 'expected a duration such as "30s", "5m" or "1h"');

const LocalModel = z.strictObject({
  /** A label; also the file name (under model_dir) when `path` is not given, as in the seed config. */
  name: z.string().min(1).max(200).optional(),
  /** The GGUF file: absolute, or relative to model_dir. */
  path: z.string().min(1).optional(),
  /** When set, the file's sha256 is checked before it is loaded. */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits')
    .optional(),
  /** Loaded at start and kept (the operational model's default). */
  always_loaded: z.boolean().optional(),
  /** Loaded at first use and unloaded after `unload_after_idle` (the tactical model's default). */
  load_on_demand: z.boolean().optional(),
  unload_after_idle: Duration.default('5m'),
  max_tokens: z.number().int().min(16).max(32_768).default(1024),
  temperature: z.number().min(0).max(2).default(0.2),
  /** "auto" measures 1 thread against every usable core at load and keeps the faster. */
  threads: z.union([z.literal('auto'), z.number().int().min(1).max(256)]).default('auto'),
  /** Tokens of context; default: the model's training context, at most 8192. */
  context_size: z.number().int().min(256).max(262_144).optional(),
  /** Attempts at a valid plan before the goal is answered "not understood" with the reasons. */
  plan_attempts: z.number().int().min(1).max(5).default(3),
  /** Before planning, one grammar-bound round of read-only fact calls (an extra generation). */
  facts: z.boolean().default(false),
});
export type LocalModelConfig = z.output<typeof LocalModel>;

export const ModelsConfig = z
  .strictObject({
    model_dir: z.string().min(1).optional(),
    /** auto: CUDA or Vulkan when a usable GPU is found, else CPU. off: always CPU. */
    gpu: z.enum(['auto', 'off', 'cuda', 'vulkan']).optional(),
    operational: LocalModel.optional(),
    tactical: LocalModel.optional(),
    /**
     * Learned procedures: a goal whose words match no stored one is compared by the local model's
     * embedding (operational, else tactical) and reuses a procedure at or above this cosine similarity.
     * Optional so configs written before it compare unchanged; absent means 0.92.
     */
    procedure_similarity: z.number().min(0).max(1).optional(),
    /**
     * How many failed steps of a failed goal a model is asked to diagnose (the analyse task: one
     * call each, local tiers first); 0 asks none. Absent means 3.
     */
    diagnose_failures: z.number().int().min(0).max(10).optional(),
    /** `aios models pull`: hf: URIs are fetched from this Hugging Face mirror instead of huggingface.co. */
    mirror: z.url({ protocol: /^https?$/ }).optional(),
  })
  .prefault({});
export type ModelsConfig = z.output<typeof ModelsConfig>;

const Price = z.strictObject({
  /** USD per million input tokens. */
  input_per_mtok: z.number().min(0),
  /** USD per million output tokens. */
  output_per_mtok: z.number().min(0),
  /** USD per million input tokens written to the prompt cache (default: 1.25 × input for anthropic, the input rate otherwise). */
  cache_write_per_mtok: z.number().min(0).optional(),
  /** USD per million input tokens read from the prompt cache (default: 0.1 × input for anthropic, 0.5 × input otherwise). */
  cache_read_per_mtok: z.number().min(0).optional(),
});

const ApiProvider = z.strictObject({
  /** Default from the table's name: anthropic/claude → anthropic, openai → openai. */
  kind: ProviderKind.optional(),
  model: z.string().min(1).optional(),
  /** For openai-compatible servers (llama-server, vLLM, Ollama), or a proxy. */
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  max_tokens: z.number().int().min(64).max(200_000).default(4096),
  temperature: z.number().min(0).max(2).optional(),
  monthly_budget_usd: z.number().min(0).optional(),
  rate_limit_rpm: z.number().int().min(1).max(100_000).optional(),
  /** Used only when every provider without this flag is unavailable. */
  fallback_only: z.boolean().default(false),
  /** Lower goes first; ties: anthropic, openai, then compatible servers, then by name. */
  priority: z.number().int().min(0).max(1000).optional(),
  timeout_ms: z.number().int().min(1000).max(600_000).default(60_000),
  /** Retries of one request (429, 5xx, 529, timeouts) before falling back to the next provider. */
  max_retries: z.number().int().min(0).max(10).default(2),
  cache_ttl: Duration.default('24h'),
  price: Price.optional(),
  /** Environment variable holding the key (default ANTHROPIC_API_KEY or OPENAI_API_KEY by kind). */
  api_key_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name')
    .optional(),
  /** How a plan is asked for from an OpenAI-style API: a tool call, or a json_schema response format. */
  output: z.enum(['tools', 'json_schema']).optional(),
});
export type ApiProviderConfig = z.output<typeof ApiProvider>;

export const ApiConfig = z
  .record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected a name of letters, digits, _ or -'), ApiProvider)
  .optional();
export type ApiConfig = z.output<typeof ApiConfig>;
