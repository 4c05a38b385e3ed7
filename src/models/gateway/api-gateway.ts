// The cloud tier's front door. For each provider in order: a cached answer, else the budget,
// the rate limit, the call with retries (jitter, Retry-After), and its cost; on 429, 5xx, 529,
// timeouts, a bad answer or an exhausted budget, the next provider. Keys never leave here
// except into an SDK client, and every text kept passes through scrubSecrets first.
import type { Db } from '../../memory/database.js';
import { scrubSecrets, type Secret } from '../../config/secrets.js';
import type { ProviderView } from '../../protocol/intelligence.js';
import type { JsonSchema } from '../plan-schema.js';
import {
  parsePlanJson,
  type AnswerTool,
  type FactRound,
  type PlanReply,
  type ProviderClient,
} from './provider-client.js';
import { ProviderError } from './provider-error.js';
import { costUsd, type ProviderSettings } from './provider-settings.js';
import { RateLimiter } from './rate-limiter.js';
import { cacheKey, ResponseCache } from './response-cache.js';
import { backoffMs, DEFAULT_RETRY, sleep, type RetryPolicy } from './retry-policy.js';
import { SpendStore } from './spend-store.js';

export type DecisionLog = (type: string, goalId: string | null, payload: Record<string, unknown>) => void;

export interface GatewayRequest {
  goalId: string | null;
  system: string;
  user: string;
  schema: JsonSchema;
  signal?: AbortSignal;
  onDelta?: (text: string) => void;
  /** A new attempt starts: text streamed so far is void. */
  onRestart?: () => void;
  /** Whether the answer is usable (a valid plan); only usable answers are cached. */
  accept?: (value: unknown) => boolean;
  /** Read-only tools offered for facts before the plan, and the calls so far. */
  facts?: FactRound;
  /** The tool whose input is the answer: submit_plan when absent (the analyse task names its own). */
  tool?: AnswerTool;
}

export interface GatewayReply {
  value: unknown;
  provider: string;
  model: string;
  cached: boolean;
  usd: number;
  /** The model asked for a fact (its input is `value`) instead of submitting a plan. */
  factCall?: { id: string; name: string };
  /** Tokens in and out that this answer cost (0 when cached). */
  tokens: number;
}

/** Every provider was tried or skipped; `reasons` says why for each. */
export class GatewayUnavailable extends Error {
  override readonly name = 'GatewayUnavailable';
  constructor(readonly reasons: string[]) {
    super(
      reasons.length === 0
        ? 'no cloud provider is configured'
        : `no cloud provider could answer: ${reasons.join('; ')}`,
    );
  }
}

interface Provider {
  s: ProviderSettings;
  client: ProviderClient | null;
  problem: string | null;
  keySource: string | null;
  limiter: RateLimiter | null;
  coolUntil: number;
  lastError: string | null;
}

export type ClientFactory = (s: ProviderSettings, key: Secret | null, scrub: (t: string) => string) => ProviderClient;

/**
 * The SDKs load at the first request, not at start: a daemon with keys configured but no
 * goal yet for the cloud starts as fast as one without.
 */
const defaultClient: ClientFactory = (s, key, scrub) => {
  let client: Promise<ProviderClient> | null = null;
  const load = async (): Promise<ProviderClient> =>
    s.kind === 'anthropic'
      ? new (await import('./anthropic-client.js')).AnthropicClient(s, key as Secret, scrub)
      : new (await import('./openai-client.js')).OpenAiClient(s, key, scrub);
  return { plan: async (call) => (await (client ??= load())).plan(call) };
};

export class ApiGateway {
  private readonly providers: Provider[];
  private readonly spend: SpendStore;
  private readonly cache: ResponseCache;
  private readonly secrets: Secret[];
  private readonly now: () => number;
  private readonly retry: RetryPolicy;

  constructor(
    private readonly deps: {
      providers: readonly ProviderSettings[];
      keys: ReadonlyMap<string, Secret>;
      keySources?: ReadonlyMap<string, string>;
      /** Why secrets.toml was not read (readable by others, unparsable), told beside a missing key. */
      secretsProblems?: readonly string[];
      db: Db;
      decisionLog: DecisionLog;
      clientFactory?: ClientFactory;
      now?: () => number;
      retry?: Partial<RetryPolicy>;
      /** The rate limit's window; a minute unless a test shortens it. */
      rateWindowMs?: number;
    },
  ) {
    this.now = deps.now ?? Date.now;
    this.retry = { ...DEFAULT_RETRY, ...deps.retry };
    this.spend = new SpendStore(deps.db, this.now);
    this.cache = new ResponseCache(deps.db, this.now);
    this.secrets = [...deps.keys.values()];
    const factory = deps.clientFactory ?? defaultClient;
    // A key may be in a secrets.toml that was refused: the provider's reason says so, not only the daemon's problems.
    const secretsNote = (deps.secretsProblems ?? []).map((p) => ` (${p})`).join('');
    this.providers = deps.providers.map((s) => {
      const key = deps.keys.get(s.name) ?? null;
      const needsKey = s.kind !== 'openai-compatible';
      const problem =
        needsKey && key === null
          ? `no API key: set ${s.envVar ?? 'the key'} in aiosd's environment or [api.${s.name}] api_key in secrets.toml${secretsNote}`
          : null;
      return {
        s,
        problem,
        keySource: deps.keySources?.get(s.name) ?? null,
        coolUntil: 0,
        lastError: null,
        client: problem === null ? factory(s, key, this.scrub) : null,
        limiter: s.rpm === null ? null : new RateLimiter(s.rpm, deps.rateWindowMs ?? 60_000, this.now),
      };
    });
  }

  readonly scrub = (text: string): string => scrubSecrets(text, this.secrets);

  get configured(): boolean {
    return this.providers.length > 0;
  }

  /** Up when some provider could take a request now. */
  available(): { up: boolean; detail: string } {
    if (this.providers.length === 0) return { up: false, detail: 'no [api.*] provider configured' };
    const views = this.status();
    const up = views.find((v) => v.up);
    if (up !== undefined)
      return {
        up: true,
        detail: `${up.name} (${up.model ?? '?'})${up.budgetUsd === null ? '' : `, $${up.spentUsd.toFixed(2)} of $${up.budgetUsd.toFixed(2)}`}`,
      };
    return { up: false, detail: views.map((v) => `${v.name}: ${v.detail}`).join('; ') };
  }

  /**
   * How much of a monthly budget the cloud tier has left: the largest share across providers with a
   * key, since the gateway goes on to the next one when one is spent. Null when there is no budget to
   * run short of: no provider has one, or one that could answer has none (it is never short).
   */
  budgetLeftFraction(): number | null {
    const usable = this.providers.filter((p) => p.client !== null);
    if (usable.some((p) => p.s.budgetUsd === null)) return null;
    const left = usable
      .filter((p) => (p.s.budgetUsd as number) > 0)
      .map((p) => Math.max(0, 1 - this.spend.get(p.s.name).usd / (p.s.budgetUsd as number)));
    return left.length === 0 ? null : Math.max(...left);
  }

  /**
   * This month's spend across providers, and the sum of their budgets: null when any provider has
   * none, since its spend has no limit to be measured against.
   */
  totals(): { spentUsd: number; budgetUsd: number | null } {
    const spentUsd = this.providers.reduce((a, p) => a + this.spend.get(p.s.name).usd, 0);
    const budgets = this.providers.map((p) => p.s.budgetUsd);
    const unbounded = budgets.length === 0 || budgets.some((b) => b === null);
    return { spentUsd, budgetUsd: unbounded ? null : budgets.reduce<number>((a, b) => a + (b ?? 0), 0) };
  }

  status(): ProviderView[] {
    return this.providers.map((p) => {
      const m = this.spend.get(p.s.name);
      const skip = this.skipReason(p);
      return {
        name: p.s.name,
        kind: p.s.kind,
        model: p.s.model,
        up: skip === null,
        detail: skip ?? (p.lastError === null ? 'ready' : `ready (last error: ${p.lastError})`),
        keySource: p.keySource,
        spentUsd: m.usd,
        budgetUsd: p.s.budgetUsd,
        requestsThisMonth: m.requests,
        rateLimitRpm: p.s.rpm,
        inputTokensThisMonth: m.inputTokens,
        cachedInputTokensThisMonth: m.cachedInputTokens,
        byDefault: p.s.byDefault,
      };
    });
  }

  async plan(req: GatewayRequest): Promise<GatewayReply> {
    const reasons: string[] = [];
    for (const p of this.providers) {
      req.signal?.throwIfAborted();
      const key = this.keyFor(p, req);
      const hit = this.cache.get(key);
      if (hit !== null) {
        const value: unknown = JSON.parse(hit);
        if (req.accept === undefined || req.accept(value)) {
          this.deps.decisionLog('model.cost', req.goalId, {
            provider: p.s.name,
            model: p.s.model,
            cached: true,
            usd: 0,
            inputTokens: 0,
            outputTokens: 0,
          });
          return { value, provider: p.s.name, model: p.s.model, cached: true, usd: 0, tokens: 0 };
        }
      }
      const skip = this.skipReason(p);
      if (skip !== null) {
        reasons.push(`${p.s.name}: ${skip}`);
        continue;
      }
      const out = await this.tryProvider(p, req, key);
      if ('reply' in out) return out.reply;
      reasons.push(`${p.s.name}: ${out.reason}`);
    }
    throw new GatewayUnavailable(reasons);
  }

  private keyFor(p: Provider, req: GatewayRequest): string {
    return cacheKey({
      kind: p.s.kind,
      base: p.s.baseURL,
      model: p.s.model,
      system: req.system,
      user: req.user,
      schema: req.schema,
      maxTokens: p.s.maxTokens,
      temperature: p.s.temperature,
      output: p.s.output,
      ...(req.facts === undefined ? {} : { facts: req.facts }),
      ...(req.tool === undefined ? {} : { tool: req.tool.name }),
    });
  }

  private skipReason(p: Provider): string | null {
    if (p.client === null) return p.problem ?? 'unusable';
    const budget = p.s.budgetUsd;
    if (budget !== null) {
      const spent = this.spend.get(p.s.name).usd;
      if (spent >= budget)
        return `monthly budget exhausted ($${spent.toFixed(4)} of $${budget.toFixed(2)} spent this month)`;
    }
    const cool = p.coolUntil - this.now();
    if (cool > 0) return `asked to wait ${Math.ceil(cool / 1000)} s more (${p.lastError ?? 'Retry-After'})`;
    const wait = p.limiter?.waitMs() ?? 0;
    if (wait > this.retry.maxWaitMs)
      return `rate limit of ${p.s.rpm} requests/min reached; next slot in ${Math.ceil(wait / 1000)} s`;
    return null;
  }

  private async tryProvider(
    p: Provider,
    req: GatewayRequest,
    key: string,
  ): Promise<{ reply: GatewayReply } | { reason: string }> {
    const client = p.client as ProviderClient;
    let lastReason = 'not tried';
    for (let attempt = 0; attempt <= p.s.maxRetries; attempt++) {
      const skip = this.skipReason(p);
      if (skip !== null) return { reason: attempt === 0 ? skip : `${lastReason}; then ${skip}` };
      const wait = p.limiter?.waitMs() ?? 0;
      if (wait > 0) await sleep(wait, req.signal);
      p.limiter?.take();
      req.onRestart?.();
      const began = performance.now();
      // The SDKs' timeouts end at the response headers; a stream that stalls after them is cut here.
      const deadline = new AbortController();
      const timer = setTimeout(
        () => deadline.abort(new ProviderError('timeout', `no complete answer within ${p.s.timeoutMs} ms`)),
        p.s.timeoutMs,
      );
      const signal = req.signal === undefined ? deadline.signal : AbortSignal.any([req.signal, deadline.signal]);
      let reply: PlanReply | null = null;
      try {
        reply = await client.plan({
          system: req.system,
          user: req.user,
          schema: req.schema,
          maxTokens: p.s.maxTokens,
          temperature: p.s.temperature,
          signal,
          ...(req.onDelta === undefined ? {} : { onDelta: req.onDelta }),
          ...(req.facts === undefined ? {} : { facts: req.facts }),
          ...(req.tool === undefined ? {} : { tool: req.tool }),
        });
        const usd = this.charge(p, reply, req.goalId, Math.round(performance.now() - began), attempt);
        // A fact call is a step of the conversation, not an answer: never cached.
        if (reply.factCall !== undefined)
          return {
            reply: {
              value: parseFactInput(reply.json, reply.complete),
              provider: p.s.name,
              model: reply.model,
              cached: false,
              usd,
              tokens: reply.inputTokens + reply.outputTokens,
              factCall: reply.factCall,
            },
          };
        const value = parsePlanJson(reply.json, reply.complete, req.tool);
        if (req.accept === undefined || req.accept(value))
          this.cache.put(key, p.s.name, JSON.stringify(value), p.s.cacheTtlMs);
        p.lastError = null;
        return {
          reply: {
            value,
            provider: p.s.name,
            model: reply.model,
            cached: false,
            usd,
            tokens: reply.inputTokens + reply.outputTokens,
          },
        };
      } catch (caught) {
        if (req.signal?.aborted === true) throw req.signal.reason;
        const err: unknown = deadline.signal.aborted ? deadline.signal.reason : caught;
        if (!(err instanceof ProviderError)) throw err;
        lastReason = this.scrub(err.message);
        p.lastError = err.status === null ? err.kind : `HTTP ${err.status}`;
        const retry = err.retryable && attempt < p.s.maxRetries;
        const delay = retry ? backoffMs(attempt, err.retryAfterMs, this.retry) : 0;
        this.deps.decisionLog('model.error', req.goalId, {
          provider: p.s.name,
          kind: err.kind,
          status: err.status,
          message: lastReason,
          attempt: attempt + 1,
          retryAfterMs: err.retryAfterMs,
          next: retry && delay <= this.retry.maxWaitMs ? `retry in ${delay} ms` : 'next provider',
        });
        if (!retry) return { reason: lastReason };
        if (delay > this.retry.maxWaitMs) {
          p.coolUntil = this.now() + delay;
          return { reason: `${lastReason} (asked to wait ${Math.ceil(delay / 1000)} s)` };
        }
        await sleep(delay, req.signal);
      } finally {
        clearTimeout(timer);
      }
    }
    return { reason: lastReason };
  }

  /** Counts what a call cost from the tokens it really used, and writes the cost line. */
  private charge(p: Provider, reply: PlanReply, goalId: string | null, ms: number, attempt: number): number {
    const price = p.s.price;
    const usd = price === null ? 0 : costUsd(price, reply);
    const cachedInputTokens = reply.cacheReadTokens;
    const month = this.spend.add(p.s.name, {
      usd,
      inputTokens: reply.inputTokens,
      cachedInputTokens,
      outputTokens: reply.outputTokens,
    });
    this.deps.decisionLog('model.cost', goalId, {
      provider: p.s.name,
      model: reply.model,
      cached: false,
      inputTokens: reply.inputTokens,
      cachedInputTokens,
      cacheWriteTokens: reply.cacheWriteTokens,
      outputTokens: reply.outputTokens,
      usd: round6(usd),
      priced: price !== null,
      ms,
      attempt: attempt + 1,
      monthUsd: round6(month.usd),
      budgetUsd: p.s.budgetUsd,
    });
    return usd;
  }
}

function parseFactInput(json: string, complete: boolean): unknown {
  if (!complete) throw new ProviderError('bad_response', 'the response stream ended before the tool call was complete');
  try {
    return json.trim() === '' ? {} : JSON.parse(json);
  } catch (err) {
    throw new ProviderError('bad_response', `the tool call's input is not valid JSON (${(err as Error).message})`);
  }
}

const round6 = (n: number): number => Math.round(n * 1e6) / 1e6;
