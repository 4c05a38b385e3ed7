// Facts before a plan: the cloud model may call read-only tools in a bounded loop, through the
// real Anthropic SDK against the local fake. Mutating tools are refused in code; a model that
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
import { FakeProvider } from '../models/fakes/fake-provider.js';

const registry = createBuiltinRegistry({ timeoutMs: 5000, outputCapBytes: 65536 });
let fake: FakeProvider;
let tdb: ReturnType<typeof tempDatabase>;
let dir: string;
let planner: CloudPlanner;
let ledger: AuditLedger;

beforeEach(async () => {
  fake = await FakeProvider.start('anthropic');
  tdb = tempDatabase();
  dir = mkdtempSync(join(tmpdir(), 'aios-facts-'));
  const store = new GoalStore(tdb.db);
  store.createGoal({ id: 'G1', text: 'serve the site on the configured port', state: 'planning', submittedBy: 'tester', submittedUid: 0 });
  ledger = new AuditLedger(tdb.db);
  const { providers } = resolveProviders(ApiConfig.parse({ claude: { model: 'claude-test', base_url: fake.baseURL, max_retries: 0 } }));
  const record = (type: string, goalId: string | null, payload: Record<string, unknown>): void => store.recordEvent(type, goalId, payload);
  const gateway = new ApiGateway({ providers, db: tdb.db, keys: new Map([['claude', new Secret('sk-ant-test-0123456789abcdef')]]), decisionLog: record, retry: { baseMs: 10, capMs: 20, maxWaitMs: 100 } });
  const facts = new FactGatherer({ registry, policy: createPolicy({ mode: () => 'normal' }), ledger, record });
  planner = new CloudPlanner(gateway, registry, facts);
});
afterEach(async () => {
  await fake.close();
  tdb.close();
  rmSync(dir, { recursive: true, force: true });
});

type Msg = { role: string; content: unknown };
const messagesOf = (i: number): Msg[] => (fake.requests[i]?.body['messages'] ?? []) as Msg[];
const toolResults = (i: number): { content: string; is_error?: boolean }[] => messagesOf(i).flatMap((m) => (Array.isArray(m.content) ? m.content as { type: string; content: string; is_error?: boolean }[] : [])).filter((b) => b.type === 'tool_result');
const audit = (action: string): { subject: string; detail: string }[] => tdb.db.prepare('SELECT subject, detail FROM audit WHERE action = ? ORDER BY seq').all(action) as { subject: string; detail: string }[];

describe('facts before a plan (cloud, through the real SDK)', () => {
  it('the model reads a file, gets its content, and plans with it; the call is audited and in the trace', async () => {
    const conf = join(dir, 'site.conf');
    writeFileSync(conf, 'port=8123\n');
    const plan = { explanation: 'check the configured port', steps: [{ tool: 'net.check_port', args: { host: '127.0.0.1', port: 8123 }, rationale: 'site.conf says port 8123', depends_on: [] }] };
    fake.push({ kind: 'tool', name: 'fs.read', input: { path: conf } }, { kind: 'plan', plan });
    const out = await planner.plan({ text: 'serve the site on the configured port', home: dir, goalId: 'G1' }, { goalId: 'G1' });
    expect(out.kind).toBe('plan');
    expect(out.kind === 'plan' && out.steps[0]?.args).toEqual({ host: '127.0.0.1', port: 8123 });
    expect(out.kind === 'plan' && out.explanation).toMatch(/after 1 read-only fact call/);
    // The first request offered the read-only tools and let the model choose; no mutating tool was offered.
    const offered = (fake.requests[0]?.body['tools'] as { name: string }[]).map((t) => t.name);
    expect(offered).toContain('fs.read');
    expect(offered).toContain('submit_plan');
    expect(offered).not.toContain('fs.write');
    expect(offered).not.toContain('shell.exec');
    expect(fake.requests[0]?.body['tool_choice']).toEqual({ type: 'any' });
    // The second carried the file's content back as the tool's result.
    expect(toolResults(1)).toEqual([expect.objectContaining({ content: expect.stringContaining('port=8123') as unknown })]);
    expect(audit('fact.call').map((a) => a.subject)).toEqual(['fs.read']);
    const trace = new GoalTrace(tdb.db).items('G1').map((i) => `${i.kind} ${i.summary}`);
    expect(trace.some((t) => t.startsWith('fact.call fs.read'))).toBe(true);
    expect(trace.some((t) => t.startsWith('fact.result'))).toBe(true);
  });

  it('a mutating tool is refused in code: the model gets a refusal and nothing changes', async () => {
    const target = join(dir, 'keep.txt');
    writeFileSync(target, 'original');
    fake.push(
      { kind: 'tool', name: 'fs.write', input: { path: target, content: 'pwned' } },
      { kind: 'tool', name: 'shell.exec', input: { command: `rm -f ${target}` } },
      { kind: 'plan', plan: { explanation: 'read it', steps: [{ tool: 'fs.read', args: { path: target }, rationale: 'r', depends_on: [] }] } },
    );
    const out = await planner.plan({ text: 'overwrite keep.txt', home: dir, goalId: 'G1' }, { goalId: 'G1' });
    expect(out.kind).toBe('plan');
    expect(readFileSync(target, 'utf8')).toBe('original');
    const results = toolResults(2);
    expect(results).toHaveLength(2);
    for (const r of results) {
      expect(r.is_error).toBe(true);
      expect(r.content).toMatch(/^refused: .* changes the system/);
    }
    expect(audit('fact.refused').map((a) => a.subject)).toEqual(['fs.write', 'shell.exec']);
    expect(audit('fact.call')).toEqual([]);
  });

  it('a model that never stops asking is cut at the bound and plans nothing', async () => {
    fake.fallback = { kind: 'tool', name: 'fs.stat', input: { path: dir } };
    const out = await planner.plan({ text: 'look around forever', home: dir, goalId: 'G1' }, { goalId: 'G1' });
    expect(out.kind).toBe('not_understood');
    expect(out.kind === 'not_understood' && out.reason).toMatch(/kept asking for facts after 4 call\(s\)/);
    // 4 fact rounds, then one forced plan request per attempt (2 attempts): bounded.
    expect(fake.requests).toHaveLength(6);
    expect(fake.requests[4]?.body['tool_choice']).toEqual({ type: 'tool', name: 'submit_plan' });
    expect(audit('fact.call')).toHaveLength(4);
  });
});
