// [api.<name>] tables as the gateway uses them: the kind decided, the order fixed, and
// what is still missing after every layer was merged said in words.
import type { ApiConfig, ApiProviderConfig } from '../../config/models-schema.js';
import { durationMs } from '../duration.js';
import type { ProviderKind } from '../../protocol/vocabulary.js';

export interface ProviderSettings {
  name: string;
  kind: ProviderKind;
  model: string;
  baseURL: string | null;
  maxTokens: number;
  temperature: number | null;
  budgetUsd: number | null;
  rpm: number | null;
  fallbackOnly: boolean;
  timeoutMs: number;
  maxRetries: number;
  cacheTtlMs: number;
  price: Price | null;
  envVar: string | null;
  output: 'tools' | 'json_schema';
  /**
   * Made from a key alone, with no [api.*] table: ANTHROPIC_API_KEY / OPENAI_API_KEY in the
   * environment, or a key stored with `aios models key set`.
   */
  byDefault: boolean;
}

/** USD per million tokens: uncached input, output, and input written to / read from the prompt cache. */
export interface Price {
  inputPerMtok: number;
  outputPerMtok: number;
  cacheWritePerMtok: number;
  cacheReadPerMtok: number;
}

/**
 * The providers' published cache multipliers: Anthropic bills a 5-minute cache write at 1.25×
 * and a read at 0.1× the input rate; OpenAI's discount depends on the model (0.1×–0.5×), so
 * 0.5× is the cautious default and `cache_read_per_mtok` says the model's own.
 */
function priceOf(kind: ProviderKind, p: NonNullable<ApiProviderConfig['price']>): Price {
  const anthropic = kind === 'anthropic';
  return {
    inputPerMtok: p.input_per_mtok,
    outputPerMtok: p.output_per_mtok,
    cacheWritePerMtok: p.cache_write_per_mtok ?? (anthropic ? p.input_per_mtok * 1.25 : p.input_per_mtok),
    cacheReadPerMtok: p.cache_read_per_mtok ?? p.input_per_mtok * (anthropic ? 0.1 : 0.5),
  };
}

/** What a call cost at this price, from the tokens it really used. */
export function costUsd(
  price: Price,
  usage: { inputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; outputTokens: number },
): number {
  const uncached = Math.max(0, usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens);
  return (
    (uncached * price.inputPerMtok +
      usage.cacheWriteTokens * price.cacheWritePerMtok +
      usage.cacheReadTokens * price.cacheReadPerMtok +
      usage.outputTokens * price.outputPerMtok) /
    1_000_000
  );
}

export interface ResolvedProviders {
  providers: ProviderSettings[];
  /** Tables that cannot be used, and why (shown as the daemon's problems). */
  problems: string[];
}

const KIND_RANK: Record<ProviderKind, number> = { anthropic: 0, openai: 1, 'openai-compatible': 2 };
const DEFAULT_ENV: Record<ProviderKind, string | null> = {
  anthropic: 'ANTHROPIC_API_KEY',
  openai: 'OPENAI_API_KEY',
  'openai-compatible': null,
};

function kindFromName(name: string): ProviderKind | null {
  const n = name.toLowerCase();
  if (n === 'anthropic' || n === 'claude') return 'anthropic';
  if (n === 'openai') return 'openai';
  return null;
}

/**
 * What a node gets from a key alone when config.toml has no [api.*] table, as every peer CLI
 * does: the SDKs' own variables give the key, the base URL (a proxy or a local fake) and the
 * model (`ANTHROPIC_MODEL`, `OPENAI_MODEL`; default below, priced at its list price); a key
 * stored in secrets.toml under the provider's name (`aios models key set`) counts the same.
 */
export const ENVIRONMENT_DEFAULTS = {
  anthropic: {
    keyVar: 'ANTHROPIC_API_KEY',
    baseVar: 'ANTHROPIC_BASE_URL',
    modelVar: 'ANTHROPIC_MODEL',
    model: 'claude-sonnet-4-6',
    price: { input_per_mtok: 3, output_per_mtok: 15 },
  },
  openai: {
    keyVar: 'OPENAI_API_KEY',
    baseVar: 'OPENAI_BASE_URL',
    modelVar: 'OPENAI_MODEL',
    model: 'gpt-5-mini',
    price: { input_per_mtok: 0.25, output_per_mtok: 2, cache_read_per_mtok: 0.025 },
  },
} as const;

/** The variables `providersFromEnvironment` reads, to be kept before the environment is scrubbed. */
export const ENVIRONMENT_VARIABLES: readonly string[] = Object.values(ENVIRONMENT_DEFAULTS).flatMap((d) => [
  d.keyVar,
  d.baseVar,
  d.modelVar,
]);

export function defaultProviders(
  env: NodeJS.ProcessEnv,
  storedKeys: ReadonlySet<string> = new Set(),
): NonNullable<ApiConfig> {
  const out: NonNullable<ApiConfig> = {};
  for (const [name, d] of Object.entries(ENVIRONMENT_DEFAULTS)) {
    const key = env[d.keyVar];
    if ((key === undefined || key.trim() === '') && !storedKeys.has(name)) continue;
    const model = env[d.modelVar]?.trim() || d.model;
    const base = env[d.baseVar]?.trim();
    out[name] = {
      kind: name as 'anthropic' | 'openai',
      model,
      max_tokens: 4096,
      fallback_only: false,
      timeout_ms: 60_000,
      max_retries: 2,
      cache_ttl: '24h',
      ...(base ? { base_url: base } : {}),
      // Only the default model's price is known here; another model is shown as not priced.
      ...(model === d.model ? { price: d.price } : {}),
    };
  }
  return out;
}

/** [api.*] tables when there are any; otherwise the providers a key alone gives (`defaultProviders`). */
export function resolveProviders(
  api: ApiConfig,
  keys?: { env: NodeJS.ProcessEnv; stored?: ReadonlySet<string> },
): ResolvedProviders {
  const tables = Object.keys(api ?? {}).length > 0;
  return tables || keys === undefined
    ? resolveTables(api, false)
    : resolveTables(defaultProviders(keys.env, keys.stored), true);
}

/** The default providers' names, to look for stored keys under. */
export const DEFAULT_PROVIDER_KEYS = Object.entries(ENVIRONMENT_DEFAULTS).map(([provider, d]) => ({
  provider,
  envVar: d.keyVar,
}));

function resolveTables(api: ApiConfig, byDefault: boolean): ResolvedProviders {
  const providers: (ProviderSettings & { priority: number })[] = [];
  const problems: string[] = [];
  for (const [name, c] of Object.entries(api ?? {})) {
    const problem = check(name, c);
    if (problem !== null) {
      problems.push(`api.${name}: ${problem}`);
      continue;
    }
    const kind = (c.kind ?? kindFromName(name)) as ProviderKind;
    providers.push({
      name,
      kind,
      model: c.model as string,
      baseURL: c.base_url ?? null,
      maxTokens: c.max_tokens,
      temperature: c.temperature ?? null,
      budgetUsd: c.monthly_budget_usd ?? null,
      rpm: c.rate_limit_rpm ?? null,
      fallbackOnly: c.fallback_only,
      timeoutMs: c.timeout_ms,
      maxRetries: c.max_retries,
      cacheTtlMs: durationMs(c.cache_ttl),
      price: c.price === undefined ? null : priceOf(kind, c.price),
      envVar: c.api_key_env ?? DEFAULT_ENV[kind],
      output: c.output ?? (kind === 'openai-compatible' ? 'json_schema' : 'tools'),
      priority: c.priority ?? 100,
      byDefault,
    });
  }
  providers.sort(
    (a, b) =>
      Number(a.fallbackOnly) - Number(b.fallbackOnly) ||
      a.priority - b.priority ||
      KIND_RANK[a.kind] - KIND_RANK[b.kind] ||
      a.name.localeCompare(b.name),
  );
  return { providers: providers.map(({ priority: _p, ...p }) => p), problems };
}

function check(name: string, c: ApiProviderConfig): string | null {
  const kind = c.kind ?? kindFromName(name);
  if (kind === null)
    return `set kind = "anthropic", "openai" or "openai-compatible" (only tables named anthropic, claude or openai have a default kind)`;
  if (c.model === undefined) return 'no model set; add model = "<model name>"';
  if (kind === 'openai-compatible' && c.base_url === undefined)
    return 'an openai-compatible provider needs base_url (e.g. "http://127.0.0.1:8080/v1" for llama-server)';
  if (c.monthly_budget_usd !== undefined && c.price === undefined) {
    return "monthly_budget_usd needs a price table to count spend against: add price = { input_per_mtok = 3.0, output_per_mtok = 15.0 } with your model's prices";
  }
  return null;
}
