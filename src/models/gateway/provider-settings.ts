// [api.<name>] tables as the gateway uses them: the kind decided, the order fixed, and
// what is still missing after every layer was merged said in words.
import type { ApiConfig, ApiProviderConfig } from '../../config/models-schema.js';
import { durationMs } from '../duration.js';

export type ProviderKind = 'anthropic' | 'openai' | 'openai-compatible';

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
  price: { inputPerMtok: number; outputPerMtok: number } | null;
  envVar: string | null;
  output: 'tools' | 'json_schema';
}

export interface ResolvedProviders {
  providers: ProviderSettings[];
  /** Tables that cannot be used, and why (shown as the daemon's problems). */
  problems: string[];
}

const KIND_RANK: Record<ProviderKind, number> = { anthropic: 0, openai: 1, 'openai-compatible': 2 };
const DEFAULT_ENV: Record<ProviderKind, string | null> = { anthropic: 'ANTHROPIC_API_KEY', openai: 'OPENAI_API_KEY', 'openai-compatible': null };

function kindFromName(name: string): ProviderKind | null {
  const n = name.toLowerCase();
  if (n === 'anthropic' || n === 'claude') return 'anthropic';
  if (n === 'openai') return 'openai';
  return null;
}

export function resolveProviders(api: ApiConfig): ResolvedProviders {
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
      name, kind, model: c.model as string, baseURL: c.base_url ?? null, maxTokens: c.max_tokens, temperature: c.temperature ?? null,
      budgetUsd: c.monthly_budget_usd ?? null, rpm: c.rate_limit_rpm ?? null, fallbackOnly: c.fallback_only,
      timeoutMs: c.timeout_ms, maxRetries: c.max_retries, cacheTtlMs: durationMs(c.cache_ttl),
      price: c.price === undefined ? null : { inputPerMtok: c.price.input_per_mtok, outputPerMtok: c.price.output_per_mtok },
      envVar: c.api_key_env ?? DEFAULT_ENV[kind], output: c.output ?? (kind === 'openai-compatible' ? 'json_schema' : 'tools'),
      priority: c.priority ?? 100,
    });
  }
  providers.sort((a, b) => Number(a.fallbackOnly) - Number(b.fallbackOnly) || a.priority - b.priority
    || KIND_RANK[a.kind] - KIND_RANK[b.kind] || a.name.localeCompare(b.name));
  return { providers: providers.map(({ priority: _p, ...p }) => p), problems };
}

function check(name: string, c: ApiProviderConfig): string | null {
  const kind = c.kind ?? kindFromName(name);
  if (kind === null) return `set kind = "anthropic", "openai" or "openai-compatible" (only tables named anthropic, claude or openai have a default kind)`;
  if (c.model === undefined) return 'no model set; add model = "<model name>"';
  if (kind === 'openai-compatible' && c.base_url === undefined) return 'an openai-compatible provider needs base_url (e.g. "http://127.0.0.1:8080/v1" for llama-server)';
  if (c.monthly_budget_usd !== undefined && c.price === undefined) {
    return 'monthly_budget_usd needs a price table to count spend against: add price = { input_per_mtok = 3.0, output_per_mtok = 15.0 } with your model\'s prices';
  }
  return null;
}
