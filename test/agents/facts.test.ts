// Facts before a plan: the cloud model may call read-only tools in a bounded loop, through the
// real Anthropic and OpenAI SDKs against the local fakes of both APIs. Mutating tools are refused in code; a model that
// never stops asking is cut at the bound; every call is audited and in the goal's trace.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FactGatherer } from '../../src/agents/facts/fact-gatherer.js';
import { createPolicy } from '../../src/agents/plan-policy.js';
import { ApiConfig } from '../../src/config/models-schema.js';
import { Secret } from '../../src/config/secrets.js';
import { GoalTrace } from '../../src/daemon/ledger-views.js';
import { AuditLedger } from '../../src/memory/audit-ledger.js';
import { GoalStore } from '../../src/memory/goal-store.js';
import { CloudPlanner } from '../../src/models/cloud-planner.js';
import { ApiGateway } from '../../src/models/gateway/api-gateway.js';
import { resolveProviders } from '../../src/models/gateway/provider-settings.js';
import { createBuiltinRegistry } from '../../src/tools/builtin-tools.js';
import { tempDatabase } from '../memory/temp-db.js';
import { FakeProvider, type FakeApi } from '../models/fakes/fake-provider.js';

const registry = createBuiltinRegistry({ timeoutMs: 5000, outputCapBytes: 65536 });
const KEYS = { claude: 'sk-ant-test-0123456789abcdef', openai: 'sk-openai-test-fedcba9876543210' };
let fakes: Partial<Record<FakeApi, FakeProvider>>;
let tdb: ReturnType<typeof tempDatabase>;
let dir: string;
let ledger: AuditLedger;

beforeEach(async () => {
  fakes = {};
  tdb = tempDatabase();
  dir = mkdtempSync(join(tmpdir(), 'aios-facts-'));
  new GoalStore(tdb.db).createGoal({
    id: 'G1',
    text: 'serve the site on the configured port',
    state: 'planning',
    submittedBy: 'tester',
    submittedUid: 0,
  });
  ledger = new AuditLedger(tdb.db);
});
afterEach(async () => {
  for (const f of Object.values(fakes)) await f.close();
  tdb.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A cloud planner with facts over fakes of the given APIs, tried in that order. */
async function plannerOver(apis: Record<string, Record<string, unknown>>): Promise<CloudPlanner> {
  const api: Record<string, Record<string, unknown>> = {};
  for (const [name, extra] of Object.entries(apis)) {
    const kind: FakeApi = name === 'claude' ? 'anthropic' : 'openai';
    const fake = (fakes[kind] ??= await FakeProvider.start(kind));
    api[name] = { model: `${name}-test`, base_url: fake.baseURL, max_retries: 0, ...extra };
  }
  const { providers } = resolveProviders(ApiConfig.parse(api));
  const store = new GoalStore(tdb.db);
  const record = (type: string, goalId: string | null, payload: Record<string, unknown>): void =>
    store.recordEvent(type, goalId, payload);
  const keys = new Map(Object.entries(KEYS).map(([k, v]) => [k, new Secret(v)] as const));
  const gateway = new ApiGateway({
    providers,
    db: tdb.db,
    keys,
    decisionLog: record,
    retry: { baseMs: 10, capMs: 20, maxWaitMs: 100 },
  });
  const facts = new FactGatherer({ registry, policy: createPolicy({ mode: () => 'normal' }), ledger, record });
  return new CloudPlanner(gateway, registry, facts);
}

/** What each API's request looks like, read back from the fake. */
interface Wire {
  offered(fake: FakeProvider, i: number): string[];
  /** The answers to fact calls that request carried, and whether each was flagged an error. */
  toolResults(fake: FakeProvider, i: number): { content: string; error?: boolean }[];
  choose: unknown;
  forcePlan: unknown;
}
type Msg = { role: string; content: unknown };
const messagesOf = (fake: FakeProvider, i: number): Msg[] => (fake.requests[i]?.body['messages'] ?? []) as Msg[];
const WIRE: Record<FakeApi, Wire> = {
  anthropic: {
    offered: (fake, i) => (fake.requests[i]?.body['tools'] as { name: string }[]).map((t) => t.name),
    toolResults: (fake, i) =>
      messagesOf(fake, i)
        .flatMap((m) =>
          Array.isArray(m.content) ? (m.content as { type: string; content: string; is_error?: boolean }[]) : [],
        )
        .filter((b) => b.type === 'tool_result')
        .map((b) => ({ content: b.content, ...(b.is_error === undefined ? {} : { error: b.is_error }) })),
    choose: { type: 'any' },
    forcePlan: { type: 'tool', name: 'submit_plan' },
  },
  openai: {
    offered: (fake, i) =>
      (fake.requests[i]?.body['tools'] as { function: { name: string } }[]).map((t) => t.function.name),
    toolResults: (fake, i) =>
      messagesOf(fake, i)
        .filter((m) => m.role === 'tool')
        .map((m) => ({ content: m.content as string })),
    choose: 'required',
    forcePlan: { type: 'function', function: { name: 'submit_plan' } },
  },
};
const PROVIDER: Record<FakeApi, string> = { anthropic: 'claude', openai: 'openai' };
const audit = (action: string): { subject: string; detail: string }[] =>
  tdb.db.prepare('SELECT subject, detail FROM audit WHERE action = ? ORDER BY seq').all(action) as {
    subject: string;
    detail: string;
  }[];
const portPlan = {
  explanation: 'check the configured port',
  steps: [
    {
      tool: 'net.check_port',
      args: { host: '127.0.0.1', port: 8123 },
      rationale: 'site.conf says port 8123',
      depends_on: [],
    },
  ],
};

describe.each(['anthropic', 'openai'] as const)('facts before a plan (cloud, %s, through the real SDK)', (api) => {
  const wire = WIRE[api];
  const planner = async (): Promise<{ planner: CloudPlanner; fake: FakeProvider }> => {
    const p = await plannerOver({ [PROVIDER[api]]: {} });
    return { planner: p, fake: fakes[api] as FakeProvider };
  };

  it('the model reads a file, gets its content, and plans with it; the call is audited and in the trace', async () => {
    const { planner: cloud, fake } = await planner();
    const conf = join(dir, 'site.conf');
    writeFileSync(conf, 'port=8123\n');
    fake.push({ kind: 'tool', name: 'fs__read', input: { path: conf } }, { kind: 'plan', plan: portPlan });
    const out = await cloud.plan(
      { text: 'serve the site on the configured port', home: dir, goalId: 'G1' },
      { goalId: 'G1' },
    );
    expect(out.kind).toBe('plan');
    expect(out.kind === 'plan' && out.steps[0]?.args).toEqual({ host: '127.0.0.1', port: 8123 });
    expect(out.kind === 'plan' && out.explanation).toMatch(/after 1 read-only fact call/);
    // The first request offered the read-only tools and let the model choose; no mutating tool was offered.
    // Both APIs take only [a-zA-Z0-9_-] in a tool name (the fake refuses others with 400): fs.read goes out as fs__read.
    const offered = wire.offered(fake, 0);
    expect(offered).toContain('fs__read');
    expect(offered).toContain('submit_plan');
    expect(offered).not.toContain('fs__write');
    expect(offered).not.toContain('shell__exec');
    expect(fake.requests[0]?.body['tool_choice']).toEqual(wire.choose);
    // The second carried the file's content back as the tool's result.
    expect(wire.toolResults(fake, 1)).toEqual([
      expect.objectContaining({ content: expect.stringContaining('port=8123') as unknown }),
    ]);
    expect(audit('fact.call').map((a) => a.subject)).toEqual(['fs.read']);
    const trace = new GoalTrace(tdb.db).items('G1').map((i) => `${i.kind} ${i.summary}`);
    expect(trace.some((t) => t.startsWith('fact.call fs.read'))).toBe(true);
    expect(trace.some((t) => t.startsWith('fact.result'))).toBe(true);
  });

  it('a mutating tool is refused in code: the model gets a refusal and nothing changes', async () => {
    const { planner: cloud, fake } = await planner();
    const target = join(dir, 'keep.txt');
    writeFileSync(target, 'original');
    fake.push(
      { kind: 'tool', name: 'fs__write', input: { path: target, content: 'pwned' } },
      // Asked by its dotted name too: the same refusal.
      { kind: 'tool', name: 'shell.exec', input: { command: `rm -f ${target}` } },
      {
        kind: 'plan',
        plan: {
          explanation: 'read it',
          steps: [{ tool: 'fs.read', args: { path: target }, rationale: 'r', depends_on: [] }],
        },
      },
    );
    const out = await cloud.plan({ text: 'overwrite keep.txt', home: dir, goalId: 'G1' }, { goalId: 'G1' });
    expect(out.kind).toBe('plan');
    expect(readFileSync(target, 'utf8')).toBe('original');
    const results = wire.toolResults(fake, 2);
    expect(results).toHaveLength(2);
    for (const r of results) {
      if (api === 'anthropic') expect(r.error).toBe(true);
      expect(r.content).toMatch(/^refused: .* changes the system/);
    }
    expect(audit('fact.refused').map((a) => a.subject)).toEqual(['fs.write', 'shell.exec']);
    expect(audit('fact.call')).toEqual([]);
  });

  it('a model that never stops asking is cut at the bound and plans nothing', async () => {
    const { planner: cloud, fake } = await planner();
    fake.fallback = { kind: 'tool', name: 'fs__stat', input: { path: dir } };
    const out = await cloud.plan({ text: 'look around forever', home: dir, goalId: 'G1' }, { goalId: 'G1' });
    expect(out.kind).toBe('not_understood');
    expect(out.kind === 'not_understood' && out.reason).toMatch(/kept asking for facts after 4 call\(s\)/);
    // 4 fact rounds, then one forced plan request per attempt (2 attempts): bounded.
    expect(fake.requests).toHaveLength(6);
    expect(fake.requests[4]?.body['tool_choice']).toEqual(wire.forcePlan);
    expect(audit('fact.call')).toHaveLength(4);
  });
});

describe('facts before a plan across providers and output modes', () => {
  it('Anthropic answers 429 in the middle of the loop: OpenAI goes on with the facts already gathered, none run twice', async () => {
    const cloud = await plannerOver({ claude: {}, openai: {} });
    const claude = fakes.anthropic as FakeProvider;
    const openai = fakes.openai as FakeProvider;
    const conf = join(dir, 'site.conf');
    writeFileSync(conf, 'port=8123\n');
    claude.push(
      { kind: 'tool', name: 'fs__read', input: { path: conf } },
      { kind: 'status', status: 429, message: 'slow down' },
    );
    openai.push({ kind: 'plan', plan: portPlan });
    const out = await cloud.plan(
      { text: 'serve the site on the configured port', home: dir, goalId: 'G1' },
      { goalId: 'G1' },
    );
    expect(out.kind).toBe('plan');
    expect(out.kind === 'plan' && out.explanation).toMatch(/openai \(openai-test.*after 1 read-only fact call/);
    // OpenAI's one request carried the conversation so far, in its own API's shape: Claude's call, our answer.
    expect(openai.requests).toHaveLength(1);
    const msgs = messagesOf(openai, 0) as {
      role: string;
      content: unknown;
      tool_calls?: { id: string; function: { name: string; arguments: string } }[];
      tool_call_id?: string;
    }[];
    const asked = msgs.find((m) => m.role === 'assistant');
    const answered = msgs.find((m) => m.role === 'tool');
    expect(asked?.tool_calls?.[0]?.function).toEqual({ name: 'fs__read', arguments: JSON.stringify({ path: conf }) });
    expect(answered?.tool_call_id).toBe(asked?.tool_calls?.[0]?.id);
    expect(answered?.content).toContain('port=8123');
    // The bound is the session's, not each provider's: the file was read once.
    expect(audit('fact.call')).toHaveLength(1);
    const errors = tdb.db.prepare(`SELECT payload FROM events WHERE goal_id = 'G1' AND type = 'model.error'`).all() as {
      payload: string;
    }[];
    expect(errors.map((e) => (JSON.parse(e.payload) as { status: number }).status)).toEqual([429]);
  });

  it('an OpenAI-compatible server without plan tools gets the facts as function tools and gives the plan as JSON content', async () => {
    const cloud = await plannerOver({ llama: { kind: 'openai-compatible' } });
    const llama = fakes.openai as FakeProvider;
    const conf = join(dir, 'site.conf');
    writeFileSync(conf, 'port=8123\n');
    llama.push({ kind: 'tool', name: 'fs__read', input: { path: conf } }, { kind: 'plan', plan: portPlan });
    const out = await cloud.plan(
      { text: 'serve the site on the configured port', home: dir, goalId: 'G1' },
      { goalId: 'G1' },
    );
    expect(out.kind === 'plan' && out.steps[0]?.args).toEqual({ host: '127.0.0.1', port: 8123 });
    const first = llama.requests[0]?.body ?? {};
    expect(WIRE.openai.offered(llama, 0)).toContain('fs__read');
    expect(WIRE.openai.offered(llama, 0)).not.toContain('submit_plan');
    expect(first['tool_choice']).toBe('auto');
    expect(first['response_format']).toMatchObject({ type: 'json_schema' });
    expect(WIRE.openai.toolResults(llama, 1)).toEqual([{ content: expect.stringContaining('port=8123') as unknown }]);
    expect(audit('fact.call').map((a) => a.subject)).toEqual(['fs.read']);
  });
});
