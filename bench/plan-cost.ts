// What a cloud plan request costs: bytes and input tokens per request for 20 typical goals,
// dollars per request at Claude Sonnet's list prices with a warm prompt cache, and planning
// latency against a fake whose time to first token grows with the uncached input. The baseline,
// measured in the same run, is the request as it was before: the inline plan schema (each tool's
// branch repeating the shared schemas) and no cache mark. Token counts are the fake's estimate
// (4 bytes a token): no provider tokenizer is available offline.
import { ApiConfig } from '../src/config/models-schema.js';
import { Secret } from '../src/config/secrets.js';
import { ApiGateway } from '../src/models/gateway/api-gateway.js';
import { resolveProviders } from '../src/models/gateway/provider-settings.js';
import { planJsonSchema, type JsonSchema } from '../src/models/plan-schema.js';
import { planSystemPrompt, planUserPrompt } from '../src/models/plan-prompt.js';
import { createBuiltinRegistry } from '../src/tools/builtin-tools.js';
import { tempDatabase } from '../test/memory/temp-db.js';
import { FakeProvider } from '../test/models/fakes/fake-provider.js';
import { inlinePlanSchema } from './fixtures/inline-plan-schema.js';
import { fmt, median, type Row } from './stats.js';

const GOALS = [
  'why is my disk full?',
  'show the hostname',
  'how much memory is free?',
  'restart nginx',
  'install htop',
  'open port 8080 for the web app',
  'create a file /srv/notes.txt containing hello',
  'what is listening on port 22?',
  'list the failed services',
  'show the last 50 lines of the syslog',
  'who is logged in?',
  'stop the cups service',
  'remove the package telnet',
  'what uses the most CPU?',
  'change the permissions of /srv/app to 750',
  'show the firewall rules',
  'is the time synchronised?',
  'kill the process using port 3000',
  'upgrade openssl',
  'make a backup copy of /etc/ssh/sshd_config',
];
const PLAN = {
  explanation: 'read the hostname file',
  steps: [{ tool: 'fs.read', args: { path: '/etc/hostname' }, rationale: 'it holds the name', depends_on: [] }],
};
const SONNET = { input_per_mtok: 3, output_per_mtok: 15 };
/** About 20k tokens a second of prefill: a model of first-token time proportional to uncached input. */
const MS_PER_UNCACHED_TOKEN = 0.05;

interface Side {
  bytes: number[];
  tokens: number[];
  usd: number[];
  ms: number[];
}

async function measure(schema: JsonSchema, cache: boolean): Promise<Side> {
  const registry = createBuiltinRegistry({ timeoutMs: 5000, outputCapBytes: 65536 });
  const fake = await FakeProvider.start('anthropic');
  fake.promptCache = cache;
  fake.measureUsage = true;
  fake.firstTokenMsPerUncachedToken = MS_PER_UNCACHED_TOKEN;
  fake.fallback = { kind: 'plan', plan: PLAN };
  const { providers } = resolveProviders(
    ApiConfig.parse({ claude: { model: 'claude-sonnet-4-6', base_url: fake.baseURL, price: SONNET, cache_ttl: '0s' } }),
  );
  const costs: Record<string, number>[] = [];
  const tdb = tempDatabase();
  const gateway = new ApiGateway({
    providers,
    keys: new Map([['claude', new Secret('sk-bench-0123456789')]]),
    db: tdb.db,
    decisionLog: (type, _goal, payload) => {
      if (type === 'model.cost') costs.push(payload as Record<string, number>);
    },
  });
  const system = planSystemPrompt(registry.describe());
  const side: Side = { bytes: [], tokens: [], usd: [], ms: [] };
  try {
    // One request first warms the cache, as the node's previous goal would have.
    for (const goal of [GOALS[0] as string, ...GOALS]) {
      const t0 = performance.now();
      await gateway.plan({ goalId: null, system, user: planUserPrompt(goal, '/root'), schema });
      side.ms.push(performance.now() - t0);
    }
    side.ms.shift();
    for (const r of fake.requests.slice(1)) side.bytes.push(JSON.stringify(r.body).length);
    for (const c of costs.slice(1)) {
      side.tokens.push(c['inputTokens'] as number);
      side.usd.push(c['usd'] as number);
    }
  } finally {
    await fake.close();
    tdb.close();
  }
  return side;
}

export async function planCostBenchmarks(rows: Row[], results: Record<string, unknown>): Promise<void> {
  const registry = createBuiltinRegistry({ timeoutMs: 5000, outputCapBytes: 65536 });
  const before = await measure(inlinePlanSchema(registry.describe()), false);
  const after = await measure(planJsonSchema(registry.describe()), true);
  results['planCost'] = { before, after };
  const ratio = (a: number[], b: number[]): string => `${fmt(median(a) / median(b), 3)}×`;
  rows.push({
    name: 'cloud plan request, bytes (median of 20 goals)',
    value: fmt(median(after.bytes), 0),
    baseline: `inline schema: ${fmt(median(before.bytes), 0)}`,
    ratio: ratio(after.bytes, before.bytes),
    goal: '≤ 48,000 bytes',
  });
  rows.push({
    name: "cloud plan request, input tokens (fake's estimate, 4 bytes a token)",
    value: fmt(median(after.tokens), 0),
    baseline: `inline schema: ${fmt(median(before.tokens), 0)}`,
    ratio: ratio(after.tokens, before.tokens),
    goal: '≤ 12,000 tokens',
  });
  rows.push({
    name: 'cloud plan request, $ at Sonnet list prices, warm cache, output included',
    value: `$${fmt(median(after.usd), 4)}`,
    baseline: `no cache, inline: $${fmt(median(before.usd), 4)}`,
    ratio: ratio(after.usd, before.usd),
    goal: '≤ $0.01',
  });
  rows.push({
    name: `cloud planning latency, fake with first token ∝ uncached input (${MS_PER_UNCACHED_TOKEN} ms/token), median ms`,
    value: fmt(median(after.ms)),
    baseline: `no cache, inline: ${fmt(median(before.ms))}`,
    ratio: ratio(after.ms, before.ms),
    goal: 'lower',
  });
}
