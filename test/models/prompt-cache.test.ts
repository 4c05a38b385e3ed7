// What a plan request costs: its size, the prompt-cache marks on its stable prefix, cached
// tokens priced as cached, and a provider made from the SDKs' own environment variables. The
// real Anthropic and OpenAI SDKs talk to local fakes that model each API's prompt cache.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiConfig } from '../../src/config/models-schema.js';
import { Secret } from '../../src/config/secrets.js';
import { GoalStore } from '../../src/memory/goal-store.js';
import { CloudPlanner } from '../../src/models/cloud-planner.js';
import { ApiGateway } from '../../src/models/gateway/api-gateway.js';
import { resolveProviders } from '../../src/models/gateway/provider-settings.js';
import { createBuiltinRegistry } from '../../src/tools/builtin-tools.js';
import { aiosBin, disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';
import { tempDatabase } from '../memory/temp-db.js';
import { FakeProvider, type FakeApi } from './fakes/fake-provider.js';

const KEY = 'sk-test-prompt-cache-0123456789';
const registry = createBuiltinRegistry({ timeoutMs: 5000, outputCapBytes: 65536 });
const PLAN = {
  explanation: 'read the hostname file',
  steps: [{ tool: 'fs.read', args: { path: '/etc/hostname' }, rationale: 'it holds the name', depends_on: [] }],
};
/** The goal for a typical plan request: 12,000 tokens, about 48,000 bytes. */
const MAX_REQUEST_BYTES = 48_000;

let fake: FakeProvider;
let tdb: ReturnType<typeof tempDatabase>;
let store: GoalStore;
/** What planner() opened, closed after each test that made one. */
const opened: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of opened.splice(0)) await close();
});

async function planner(api: FakeApi): Promise<CloudPlanner> {
  fake = await FakeProvider.start(api);
  const thisFake = fake;
  opened.push(() => thisFake.close());
  fake.promptCache = true;
  fake.fallback = { kind: 'plan', plan: PLAN };
  tdb = tempDatabase();
  const thisDb = tdb;
  opened.push(() => thisDb.close());
  store = new GoalStore(tdb.db);
  const price = { input_per_mtok: 3, output_per_mtok: 15 };
  const { providers } = resolveProviders(
    ApiConfig.parse({ [api]: { model: `${api}-test`, base_url: fake.baseURL, price } }),
  );
  const gateway = new ApiGateway({
    providers,
    db: tdb.db,
    keys: new Map([[api, new Secret(KEY)]]),
    decisionLog: (type, goalId, payload) => store.recordEvent(type, goalId, payload),
  });
  return new CloudPlanner(gateway, registry);
}

const costs = (): Record<string, number>[] =>
  (
    tdb.db.prepare("SELECT payload FROM events WHERE type = 'model.cost' ORDER BY id").all() as { payload: string }[]
  ).map((r) => JSON.parse(r.payload) as Record<string, number>);

describe('a plan request to Anthropic', () => {
  it('is small, marks its stable prefix for the cache, and the next goal reads that prefix at the cached price', async () => {
    const p = await planner('anthropic');
    await p.plan({ text: 'show the hostname', home: '/home/ada' }, { goalId: 'G1' });
    await p.plan({ text: 'how much memory is free?', home: '/home/ada' }, { goalId: 'G2' });
    const [first, second] = fake.requests;
    for (const r of [first, second]) expect(JSON.stringify(r?.body).length).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
    // The cache mark ends the system prompt: tools and system are the prefix, the goal comes after it.
    const system = first?.body['system'] as { text: string; cache_control?: unknown }[];
    expect(system.at(-1)?.cache_control).toEqual({ type: 'ephemeral' });
    expect(JSON.stringify(system)).not.toContain('show the hostname');
    expect(JSON.stringify(first?.body['messages'])).toContain('show the hostname');
    // Two goals in a row send the same prefix byte for byte.
    expect(JSON.stringify(second?.body['tools'])).toBe(JSON.stringify(first?.body['tools']));
    expect(JSON.stringify(second?.body['system'])).toBe(JSON.stringify(first?.body['system']));
    const [c1, c2] = costs();
    expect(c1).toMatchObject({ cachedInputTokens: 0 });
    expect(c1?.['cacheWriteTokens']).toBeGreaterThan(5000);
    expect(c2?.['cachedInputTokens']).toBe(c1?.['cacheWriteTokens']);
    // Priced at Anthropic's rates: a write at 1.25× and a read at 0.1× the input price.
    const usd = (c: Record<string, number> | undefined, write: number, read: number): number => {
      const x = c as Record<string, number>;
      const uncached =
        (x['inputTokens'] as number) - (x['cachedInputTokens'] as number) - (x['cacheWriteTokens'] as number);
      return Math.round(uncached * 3 + write * 3.75 + read * 0.3 + (x['outputTokens'] as number) * 15) / 1e6;
    };
    expect(c1?.['usd']).toBeCloseTo(usd(c1, c1?.['cacheWriteTokens'] as number, 0), 6);
    expect(c2?.['usd']).toBeCloseTo(usd(c2, 0, c2?.['cachedInputTokens'] as number), 6);
    // A warm cache: the typical plan request costs under a cent at Sonnet's list price.
    expect(c2?.['usd']).toBeLessThan(0.01);
    expect(c2?.['usd']).toBeLessThan(c1?.['usd'] as number);
  });
});

describe('a plan request to OpenAI', () => {
  it('keeps its prefix byte-identical, so the cached tokens the API reports are priced as cached', async () => {
    const p = await planner('openai');
    await p.plan({ text: 'show the hostname', home: '/home/ada' }, { goalId: 'G1' });
    await p.plan({ text: 'list the services', home: '/home/ada' }, { goalId: 'G2' });
    const [first, second] = fake.requests;
    expect(JSON.stringify(first?.body).length).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
    expect(JSON.stringify((second?.body['messages'] as unknown[])[0])).toBe(
      JSON.stringify((first?.body['messages'] as unknown[])[0]),
    );
    const [c1, c2] = costs();
    expect(c1).toMatchObject({ cachedInputTokens: 0 });
    expect(c2?.['cachedInputTokens']).toBeGreaterThan(5000);
    const cached = c2?.['cachedInputTokens'] as number;
    const expected =
      (((c2?.['inputTokens'] as number) - cached) * 3 + cached * 1.5 + (c2?.['outputTokens'] as number) * 15) / 1e6;
    expect(c2?.['usd']).toBeCloseTo(expected, 6);
  });
});

describe('keys from the environment', () => {
  it('with no [api.*] table, ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL make the default provider; a table overrides them', () => {
    const env = {
      ANTHROPIC_API_KEY: KEY,
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9/',
      OPENAI_API_KEY: KEY,
      OPENAI_MODEL: 'gpt-custom',
    };
    const { providers } = resolveProviders(undefined, { env });
    expect(providers.map((p) => [p.name, p.kind, p.model, p.baseURL, p.byDefault, p.envVar])).toEqual([
      ['anthropic', 'anthropic', 'claude-sonnet-4-6', 'http://127.0.0.1:9/', true, 'ANTHROPIC_API_KEY'],
      ['openai', 'openai', 'gpt-custom', null, true, 'OPENAI_API_KEY'],
    ]);
    // The default model has its list price; a model chosen by name has none we could know.
    expect(providers[0]?.price).toMatchObject({ inputPerMtok: 3, outputPerMtok: 15 });
    expect(providers[1]?.price).toBeNull();
    const tables = resolveProviders(ApiConfig.parse({ claude: { model: 'claude-x' } }), { env }).providers;
    expect(tables.map((p) => [p.name, p.byDefault])).toEqual([['claude', false]]);
  });

  describe('in a running aiosd', () => {
    let d: TestDaemon | undefined;
    let envFake: FakeProvider;
    beforeAll(async () => {
      envFake = await FakeProvider.start('anthropic');
      envFake.fallback = { kind: 'plan', plan: PLAN };
      const dir = mkdtempSync(join(tmpdir(), 'aios-test-'));
      writeFileSync(join(dir, 'config.toml'), '');
      d = await startTestDaemon({ dir, env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: envFake.baseURL } });
    });
    afterAll(async () => {
      await disposeTestDaemon(d);
      await envFake.close();
    });

    it('plans through the provider the environment gave, and aios models says where it came from', async () => {
      const c = await (d as TestDaemon).client();
      const models = await c.call('models/list', {});
      expect(models.providers).toEqual([
        expect.objectContaining({
          name: 'anthropic',
          model: 'claude-sonnet-4-6',
          byDefault: true,
          keySource: 'ANTHROPIC_API_KEY',
        }),
      ]);
      // No rule understands this goal: only the cloud can plan it.
      const g = await c.call('goal/submit', { text: 'tell me the name this machine answers to on the network' });
      const done = await until(
        'the plan',
        () => c.call('goal/get', { goalId: g.id }),
        (x) => x.plan !== null,
        10_000,
      );
      expect(done.plan?.steps.map((s) => s.tool)).toEqual(['fs.read']);
      expect(envFake.requests).toHaveLength(1);
      const auth = envFake.requests[0]?.headers['authorization'] ?? envFake.requests[0]?.headers['x-api-key'];
      expect(String(auth)).toContain(KEY);
      c.close();
    });
  });
});

/** Runs `aios models key set anthropic` with `input` piped to it, as a script would. */
function keySet(
  daemon: TestDaemon,
  input: string,
  extra: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [aiosBin, 'models', 'key', 'set', 'anthropic', ...extra],
      { env: daemon.env },
      (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? 1), stdout, stderr });
      },
    );
    child.stdin?.end(input);
  });
}

describe('aios models key set', () => {
  let d: TestDaemon | undefined;
  let keyFake: FakeProvider;
  beforeAll(async () => {
    keyFake = await FakeProvider.start('anthropic');
    keyFake.fallback = { kind: 'plan', plan: PLAN };
    const dir = mkdtempSync(join(tmpdir(), 'aios-test-'));
    writeFileSync(join(dir, 'config.toml'), '');
    // No key anywhere: only where a default provider would send its requests.
    d = await startTestDaemon({ dir, env: { ANTHROPIC_BASE_URL: keyFake.baseURL } });
  });
  afterAll(async () => {
    await disposeTestDaemon(d);
    await keyFake.close();
  });

  it('stores a piped key in a 0600 secrets.toml, reloads, plans with it, and audits only its fingerprint', async () => {
    const daemon = d as TestDaemon;
    const c = await daemon.client();
    expect((await c.call('models/list', {})).providers).toEqual([]);
    const r = await keySet(daemon, `${KEY}\n`, ['--json']);
    expect(r.code, r.stderr).toBe(0);
    const answer = JSON.parse(r.stdout) as { fingerprint: string; reloaded: boolean };
    expect(answer).toMatchObject({
      provider: 'anthropic',
      reloaded: true,
      fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{8}$/),
    });
    const secrets = join(daemon.dir, '.config', 'aios', 'secrets.toml');
    expect(statSync(secrets).mode & 0o777).toBe(0o600);
    expect(readFileSync(secrets, 'utf8')).toContain(KEY);
    expect((await c.call('models/list', {})).providers).toEqual([
      expect.objectContaining({ name: 'anthropic', keySource: 'secrets.toml', byDefault: true }),
    ]);
    const g = await c.call('goal/submit', { text: 'tell me the name this machine answers to on the network' });
    await until(
      'the plan',
      () => c.call('goal/get', { goalId: g.id }),
      (x) => x.plan !== null,
      10_000,
    );
    expect(
      String(keyFake.requests[0]?.headers['authorization'] ?? keyFake.requests[0]?.headers['x-api-key']),
    ).toContain(KEY);
    const audit = await c.call('audit/list', { limit: 50 });
    const entry = audit.entries.find((e) => e.action === 'models.key-set');
    expect(entry).toBeDefined();
    expect(JSON.stringify(audit)).not.toContain(KEY);
    expect(JSON.stringify(entry)).toContain(answer.fingerprint);
    c.close();
  });

  it('refuses an empty key without calling aiosd', async () => {
    const daemon = d as TestDaemon;
    const r = await keySet(daemon, '');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no key given/);
  });
});
