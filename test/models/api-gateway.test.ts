// The API gateway and the cloud planner through the real Anthropic and OpenAI SDKs, against
// local fakes of both APIs: plans, streaming, fallback, budgets, cache, rate limits, keys.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { ApiConfig } from '../../src/config/models-schema.js';
import { loadSecrets, Secret } from '../../src/config/secrets.js';
import { GoalStore } from '../../src/memory/goal-store.js';
import { CloudPlanner } from '../../src/models/cloud-planner.js';
import { ApiGateway, GatewayUnavailable } from '../../src/models/gateway/api-gateway.js';
import { resolveProviders } from '../../src/models/gateway/provider-settings.js';
import { planJsonSchema } from '../../src/models/plan-schema.js';
import { createBuiltinRegistry } from '../../src/tools/builtin-tools.js';
import { tempDatabase } from '../memory/temp-db.js';
import { FakeProvider } from './fakes/fake-provider.js';

const ANTHROPIC_KEY = 'sk-ant-test-0123456789abcdef';
const OPENAI_KEY = 'sk-openai-test-fedcba9876543210';
const registry = createBuiltinRegistry({ timeoutMs: 5000, outputCapBytes: 65536 });
const schema = planJsonSchema(registry.describe());
const GOOD_PLAN = {
  explanation: 'read the hostname file',
  steps: [{ tool: 'fs.read', args: { path: '/etc/hostname' }, rationale: 'it holds the name', depends_on: [] }],
};

let anthropic: FakeProvider;
let openai: FakeProvider;
let tdb: ReturnType<typeof tempDatabase>;
let store: GoalStore;

beforeEach(async () => {
  anthropic = await FakeProvider.start('anthropic');
  openai = await FakeProvider.start('openai');
  tdb = tempDatabase();
  store = new GoalStore(tdb.db);
});
afterEach(async () => {
  await anthropic.close();
  await openai.close();
  tdb.close();
});

function gateway(
  extra: { claude?: Record<string, unknown>; openai?: Record<string, unknown> } = {},
  opts: { rateWindowMs?: number; db?: typeof tdb.db } = {},
): ApiGateway {
  const api = ApiConfig.parse({
    claude: {
      model: 'claude-test',
      base_url: anthropic.baseURL,
      max_retries: 1,
      price: { input_per_mtok: 3, output_per_mtok: 15 },
      ...extra.claude,
    },
    openai: {
      model: 'gpt-test',
      base_url: openai.baseURL,
      max_retries: 0,
      price: { input_per_mtok: 1, output_per_mtok: 2 },
      ...extra.openai,
    },
  });
  const { providers, problems } = resolveProviders(api);
  expect(problems).toEqual([]);
  return new ApiGateway({
    providers,
    db: opts.db ?? tdb.db,
    keys: new Map([
      ['claude', new Secret(ANTHROPIC_KEY)],
      ['openai', new Secret(OPENAI_KEY)],
    ]),
    decisionLog: (type, goalId, payload) => store.recordEvent(type, goalId, payload),
    retry: { baseMs: 20, capMs: 100, maxWaitMs: 2000 },
    ...(opts.rateWindowMs === undefined ? {} : { rateWindowMs: opts.rateWindowMs }),
  });
}

const ask = (g: ApiGateway, user = 'Goal: show the hostname', extra: Partial<Parameters<ApiGateway['plan']>[0]> = {}) =>
  g.plan({ goalId: 'G1', system: 'plan', user, schema, ...extra });

function events(type: string): Record<string, unknown>[] {
  return (
    tdb.db.prepare('SELECT payload FROM events WHERE type = ? ORDER BY id').all(type) as { payload: string }[]
  ).map((r) => JSON.parse(r.payload) as Record<string, unknown>);
}

describe('a plan from the cloud', () => {
  it('comes from Anthropic as a forced tool call, streamed, with its cost from real token usage', async () => {
    anthropic.push({ kind: 'plan', plan: GOOD_PLAN, usage: { input: 1000, output: 200 }, chunks: 5 });
    const deltas: string[] = [];
    const planner = new CloudPlanner(gateway(), registry);
    const out = await planner.plan(
      { text: 'show the hostname', home: '/home/ada' },
      { goalId: 'G1', onDelta: (t) => deltas.push(t) },
    );
    expect(out.kind).toBe('plan');
    if (out.kind !== 'plan') return;
    expect(out.tier).toBe('cloud');
    expect(out.steps).toEqual([
      expect.objectContaining({
        id: 's1',
        tool: 'fs.read',
        args: { path: '/etc/hostname' },
        agent: 'storage',
        risk: 'low',
      }),
    ]);
    expect(deltas.length).toBeGreaterThan(1);
    expect(JSON.parse(deltas.join(''))).toEqual(GOOD_PLAN);
    const req = anthropic.requests[0];
    // This SDK version sends the key as a bearer token.
    expect(req?.headers['authorization'] ?? req?.headers['x-api-key']).toMatch(
      new RegExp(`^(Bearer )?${ANTHROPIC_KEY}$`),
    );
    expect(req?.body).toMatchObject({
      model: 'claude-test',
      stream: true,
      tool_choice: { type: 'tool', name: 'submit_plan' },
    });
    expect((req?.body['tools'] as { name: string; input_schema: unknown }[])[0]).toMatchObject({
      name: 'submit_plan',
      input_schema: schema,
    });
    // 1000 × $3/M + 200 × $15/M = $0.006
    expect(events('model.cost')).toEqual([
      expect.objectContaining({
        provider: 'claude',
        cached: false,
        inputTokens: 1000,
        outputTokens: 200,
        usd: 0.006,
        monthUsd: 0.006,
      }),
    ]);
    expect(openai.requests).toHaveLength(0);
  });

  it('comes from OpenAI as a forced function call, and from a compatible server as a json_schema response', async () => {
    openai.push({ kind: 'plan', plan: GOOD_PLAN }, { kind: 'plan', plan: GOOD_PLAN });
    const viaTools = new ApiGateway({
      providers: resolveProviders(ApiConfig.parse({ openai: { model: 'gpt-test', base_url: openai.baseURL } }))
        .providers,
      keys: new Map([['openai', new Secret(OPENAI_KEY)]]),
      db: tdb.db,
      decisionLog: () => undefined,
    });
    expect((await ask(viaTools)).value).toEqual(GOOD_PLAN);
    expect(openai.requests[0]?.headers['authorization']).toBe(`Bearer ${OPENAI_KEY}`);
    expect(openai.requests[0]?.body).toMatchObject({
      tool_choice: { type: 'function', function: { name: 'submit_plan' } },
      max_completion_tokens: 4096,
    });

    const local = new ApiGateway({
      providers: resolveProviders(
        ApiConfig.parse({ llama: { kind: 'openai-compatible', model: 'qwen', base_url: openai.baseURL } }),
      ).providers,
      keys: new Map(),
      db: tdb.db,
      decisionLog: () => undefined,
    });
    expect((await ask(local)).value).toEqual(GOOD_PLAN);
    expect(openai.requests[1]?.body).toMatchObject({ response_format: { type: 'json_schema' }, max_tokens: 4096 });
    expect(openai.requests[1]?.body['tools']).toBeUndefined();
  });
});

describe('retries and fallback', () => {
  it('retries a 500 and a truncated stream on the same provider, then answers', async () => {
    anthropic.push({ kind: 'status', status: 500 }, { kind: 'plan', plan: GOOD_PLAN });
    expect((await ask(gateway())).provider).toBe('claude');
    anthropic.push({ kind: 'truncated', plan: GOOD_PLAN }, { kind: 'plan', plan: GOOD_PLAN });
    const r = await ask(gateway(), 'Goal: another one');
    expect(r.provider).toBe('claude');
    expect(anthropic.requests).toHaveLength(4);
    expect(events('model.error').map((e) => e['kind'])).toEqual(['server', 'bad_response']);
  });

  it('through the OpenAI SDK too: a 429, a stream cut short and malformed JSON are retried', async () => {
    openai.push(
      { kind: 'status', status: 429, headers: { 'retry-after-ms': '50' } },
      { kind: 'truncated', plan: GOOD_PLAN },
      { kind: 'malformed' },
      { kind: 'plan', plan: GOOD_PLAN },
    );
    const g = new ApiGateway({
      providers: resolveProviders(
        ApiConfig.parse({ openai: { model: 'gpt-test', base_url: openai.baseURL, max_retries: 3 } }),
      ).providers,
      keys: new Map([['openai', new Secret(OPENAI_KEY)]]),
      db: tdb.db,
      retry: { baseMs: 10, capMs: 50, maxWaitMs: 1000 },
      decisionLog: (type, goalId, payload) => store.recordEvent(type, goalId, payload),
    });
    const r = await ask(g);
    expect(r).toMatchObject({ provider: 'openai', value: GOOD_PLAN });
    expect(openai.requests).toHaveLength(4);
    expect(events('model.error').map((e) => e['kind'])).toEqual(['rate_limited', 'bad_response', 'bad_response']);
  });

  it('honours Retry-After before asking again', async () => {
    anthropic.push(
      { kind: 'status', status: 429, headers: { 'retry-after-ms': '300' } },
      { kind: 'plan', plan: GOOD_PLAN },
    );
    await ask(gateway());
    const [first, second] = anthropic.requests;
    // A wait the gateway enforces: not shorter than what the provider asked for (less the fake's timestamp skew).
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(280);
  });

  it('falls back to the next provider on 429 with a long Retry-After, on 529, on 5xx and on malformed JSON', async () => {
    const g = gateway();
    anthropic.push({ kind: 'status', status: 429, headers: { 'retry-after': '120' } });
    openai.push({ kind: 'plan', plan: GOOD_PLAN });
    expect((await ask(g, 'Goal: a')).provider).toBe('openai');
    // The provider asked for two minutes: it is left alone, not asked again.
    expect(g.status().find((p) => p.name === 'claude')).toMatchObject({ up: false });
    expect(anthropic.requests).toHaveLength(1);

    for (const script of [
      { kind: 'status', status: 529 },
      { kind: 'status', status: 503 },
      { kind: 'malformed' },
    ] as const) {
      const fresh = gateway();
      anthropic.push(script, script);
      openai.push({ kind: 'plan', plan: GOOD_PLAN });
      expect((await ask(fresh, `Goal: ${script.kind} ${'status' in script ? script.status : ''}`)).provider).toBe(
        'openai',
      );
    }
  });

  it('falls back when a provider does not answer in time', async () => {
    anthropic.push({ kind: 'hang' });
    openai.push({ kind: 'plan', plan: GOOD_PLAN });
    const r = await ask(gateway({ claude: { timeout_ms: 1000, max_retries: 0 } }));
    expect(r.provider).toBe('openai');
    expect(events('model.error')[0]).toMatchObject({ provider: 'claude', kind: 'timeout' });
  });

  it('says why for each provider when none can answer', async () => {
    anthropic.push({ kind: 'status', status: 400, message: 'bad schema' });
    openai.push({ kind: 'status', status: 500 });
    const err = await ask(gateway()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayUnavailable);
    expect((err as GatewayUnavailable).reasons).toEqual([
      expect.stringMatching(/^claude: .*HTTP 400.*bad schema/),
      expect.stringMatching(/^openai: .*HTTP 500/),
    ]);
  });
});

describe('budgets, cache and rate limits', () => {
  it('stops calling a provider once its monthly budget is spent, and remembers the spend across restarts', async () => {
    // 1000 input tokens at $3/M = $0.003, over a $0.002 budget after the first call.
    const budget = { claude: { monthly_budget_usd: 0.002 } };
    anthropic.fallback = { kind: 'plan', plan: GOOD_PLAN, usage: { input: 1000, output: 0 } };
    openai.fallback = { kind: 'plan', plan: GOOD_PLAN };
    expect((await ask(gateway(budget), 'Goal: one')).provider).toBe('claude');
    expect((await ask(gateway(budget), 'Goal: two')).provider).toBe('openai');
    expect(anthropic.requests).toHaveLength(1);
    // A new gateway on the same database file, as after a daemon restart.
    const reopened = gateway(budget);
    expect(reopened.status().find((p) => p.name === 'claude')).toMatchObject({
      up: false,
      spentUsd: 0.003,
      budgetUsd: 0.002,
    });
    expect((await ask(reopened, 'Goal: three')).provider).toBe('openai');
    expect(anthropic.requests).toHaveLength(1);
  });

  it('tells the router how much budget the cloud has left: the most any provider has, none when one has no budget', async () => {
    anthropic.fallback = { kind: 'plan', plan: GOOD_PLAN, usage: { input: 1000, output: 0 } };
    // $0.003 of $0.004 spent: a quarter left.
    const claudeOnly = { claude: { monthly_budget_usd: 0.004 } };
    await ask(gateway(claudeOnly), 'Goal: spend');
    expect(gateway(claudeOnly).budgetLeftFraction()).toBeNull();
    expect(gateway({ ...claudeOnly, openai: { monthly_budget_usd: 1 } }).budgetLeftFraction()).toBe(1);
    const spentElsewhere = gateway({ ...claudeOnly, openai: { monthly_budget_usd: 0 } });
    expect(spentElsewhere.budgetLeftFraction()).toBeCloseTo(0.25);
  });

  it('answers a repeated request from the cache without calling the provider', async () => {
    anthropic.push({ kind: 'plan', plan: GOOD_PLAN });
    const g = gateway();
    const first = await ask(g, 'Goal: show the hostname  ');
    const second = await ask(g, '  Goal: show the hostname');
    expect(first.cached).toBe(false);
    expect(second).toMatchObject({ cached: true, usd: 0, value: GOOD_PLAN });
    expect(anthropic.requests).toHaveLength(1);
    expect(events('model.cost').map((e) => e['cached'])).toEqual([false, true]);
  });

  it('keeps its cache across a restart, and asks every time with cache_ttl = "0s"', async () => {
    anthropic.fallback = { kind: 'plan', plan: GOOD_PLAN };
    await ask(gateway(), 'Goal: cached');
    // A new gateway on the same database, as after a daemon restart.
    expect(await ask(gateway(), 'Goal: cached')).toMatchObject({ cached: true, usd: 0 });
    expect(anthropic.requests).toHaveLength(1);
    const uncached = gateway({ claude: { cache_ttl: '0s' } });
    expect((await ask(uncached, 'Goal: not kept')).cached).toBe(false);
    expect((await ask(uncached, 'Goal: not kept')).cached).toBe(false);
    expect(anthropic.requests).toHaveLength(3);
  });

  it('does not cache an answer the planner rejected', async () => {
    anthropic.fallback = { kind: 'plan', plan: GOOD_PLAN };
    const g = gateway();
    await ask(g, 'Goal: x', { accept: () => false });
    await ask(g, 'Goal: x', { accept: () => false });
    expect(anthropic.requests).toHaveLength(2);
  });

  it('keeps to the requests-per-minute limit: a long wait goes to the next provider, a short one waits', async () => {
    anthropic.fallback = { kind: 'plan', plan: GOOD_PLAN };
    openai.fallback = { kind: 'plan', plan: GOOD_PLAN };
    const g = gateway({ claude: { rate_limit_rpm: 2 } });
    const served = [];
    for (const n of [1, 2, 3]) served.push((await ask(g, `Goal: ${n}`)).provider);
    expect(served).toEqual(['claude', 'claude', 'openai']);
    expect(anthropic.requests).toHaveLength(2);

    // A window short enough to wait for: the third request waits for a slot instead.
    const short = gateway({ claude: { rate_limit_rpm: 2 } }, { rateWindowMs: 400 });
    for (const n of [4, 5, 6]) expect((await ask(short, `Goal: ${n}`)).provider).toBe('claude');
    const [, , fourth, , sixth] = anthropic.requests;
    // The limiter times request starts, the fake their arrival: allow for that skew, not for skipping the wait.
    expect((sixth?.at ?? 0) - (fourth?.at ?? 0)).toBeGreaterThanOrEqual(350);
  });
});

describe('keys', () => {
  it('never keeps a key that an error echoes: not in the error, the decision log or the database', async () => {
    anthropic.push({ kind: 'echo-key' });
    openai.push({ kind: 'echo-key' });
    const err = (await ask(gateway()).catch((e: unknown) => e)) as GatewayUnavailable;
    expect(err).toBeInstanceOf(GatewayUnavailable);
    expect(err.message).toContain('[redacted]');
    expect(err.message).not.toContain(ANTHROPIC_KEY);
    expect(err.message).not.toContain(OPENAI_KEY);
    const logged = JSON.stringify(events('model.error'));
    expect(logged).toContain('invalid api key');
    expect(logged).not.toContain(ANTHROPIC_KEY);
    tdb.db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = readFileSync(tdb.file).toString('latin1');
    expect(bytes).not.toContain(ANTHROPIC_KEY);
    expect(bytes).not.toContain(OPENAI_KEY);
  });

  it('reports a provider without a key as down, saying where to put one', () => {
    const g = new ApiGateway({
      providers: resolveProviders(ApiConfig.parse({ claude: { model: 'm' } })).providers,
      keys: new Map(),
      db: tdb.db,
      decisionLog: () => undefined,
    });
    expect(g.available()).toEqual({
      up: false,
      detail: expect.stringContaining('no API key: set ANTHROPIC_API_KEY') as unknown as string,
    });
  });

  it('says beside the missing key that secrets.toml was refused, and why', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aios-secrets-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'secrets.toml');
    writeFileSync(file, `[api.claude]\napi_key = "${ANTHROPIC_KEY}"\n`, { mode: 0o644 });
    chmodSync(file, 0o644);
    const secrets = loadSecrets({ file, env: {}, requests: [{ provider: 'claude', envVar: 'ANTHROPIC_API_KEY' }] });
    const g = new ApiGateway({
      providers: resolveProviders(ApiConfig.parse({ claude: { model: 'm' } })).providers,
      keys: secrets.keys,
      secretsProblems: secrets.problems,
      db: tdb.db,
      decisionLog: () => undefined,
    });
    const detail = g.status()[0]?.detail ?? '';
    expect(detail).toContain(
      `no API key: set ANTHROPIC_API_KEY in aiosd's environment or [api.claude] api_key in secrets.toml (${file} is readable or writable by group or others (mode 0644); its API keys are not used: run chmod 600 ${file})`,
    );
    expect(detail).not.toContain(ANTHROPIC_KEY);
  });
});
