// Facts before a local plan, with the real stories260K: the first phase's grammar holds only
// read-only tool names, so whatever the tiny model writes asks for nothing that changes the
// node; every call it asks for goes through the FactGatherer and is audited.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FactGatherer, type FactSource } from '../../src/agents/facts/fact-gatherer.js';
import { createPolicy } from '../../src/agents/plan-policy.js';
import { ModelsConfig } from '../../src/config/models-schema.js';
import { AuditLedger } from '../../src/memory/audit-ledger.js';
import { GoalStore } from '../../src/memory/goal-store.js';
import { FACT_LIMITS } from '../../src/models/fact-loop.js';
import { LocalRuntime } from '../../src/models/local/local-runtime.js';
import { modelSettings } from '../../src/models/local/model-settings.js';
import { answerAskedFacts } from '../../src/models/local-facts.js';
import { LocalPlanner } from '../../src/models/local-planner.js';
import { factsSystemPrompt, planUserPrompt } from '../../src/models/plan-prompt.js';
import { factsGrammarSchema, type JsonSchema } from '../../src/models/plan-schema.js';
import { createBuiltinRegistry } from '../../src/tools/builtin-tools.js';
import { tempDatabase } from '../memory/temp-db.js';
import { storiesMissing, storiesPath, workerScript } from './helpers/stories-model.js';

const registry = createBuiltinRegistry({ timeoutMs: 5000, outputCapBytes: 65536 });
const readOnly = new Set(
  registry
    .describe()
    .filter((t) => !t.mutates)
    .map((t) => t.name),
);

describe.skipIf(storiesMissing !== null)('facts before a local plan (stories260K)', () => {
  let rt: LocalRuntime;
  let tdb: ReturnType<typeof tempDatabase>;
  let dir: string;
  let gatherer: FactGatherer;
  beforeAll(async () => {
    tdb = tempDatabase();
    dir = mkdtempSync(join(tmpdir(), 'aios-local-facts-'));
    const store = new GoalStore(tdb.db);
    for (const id of ['G1', 'G2', 'G3'])
      store.createGoal({ id, text: 'look around', state: 'planning', submittedBy: 'tester', submittedUid: 0 });
    gatherer = new FactGatherer({
      registry,
      policy: createPolicy({ mode: () => 'normal' }),
      ledger: new AuditLedger(tdb.db),
      record: (type, goalId, payload) => store.recordEvent(type, goalId, payload),
    });
    rt = new LocalRuntime({
      settings: modelSettings(
        ModelsConfig.parse({
          operational: {
            name: 'stories260K',
            path: storiesPath,
            max_tokens: 128,
            temperature: 0.9,
            plan_attempts: 1,
            threads: 1,
            context_size: 3072,
            facts: true,
          },
        }),
        '/tmp',
      ),
      workerScript,
    });
    await rt.start();
  }, 60_000);
  afterAll(async () => {
    await rt.close();
    tdb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const auditedSince = (seq: number): string[] =>
    (
      tdb.db
        .prepare(`SELECT subject FROM audit WHERE action IN ('fact.call', 'fact.refused') AND seq > ? ORDER BY seq`)
        .all(seq) as { subject: string }[]
    ).map((a) => a.subject);
  const lastSeq = (): number =>
    (tdb.db.prepare('SELECT COALESCE(MAX(seq), 0) AS n FROM audit').get() as { n: number }).n;

  it("the first phase's grammar names only read-only tools, for every seed tried; what it asks for is made by the gatherer and audited", async () => {
    const tools = gatherer.tools();
    expect(tools.every((t) => readOnly.has(t.name))).toBe(true);
    // At least one call required here, so the tiny model cannot answer with the empty list it may like.
    const base = factsGrammarSchema(tools, { maxFacts: FACT_LIMITS.rounds, boundStrings: 32 });
    const facts = (base['properties'] as Record<string, JsonSchema>)['facts'] as JsonSchema;
    const schema = { ...base, properties: { facts: { ...facts, minItems: 2 } } };
    const input = {
      system: factsSystemPrompt(tools, FACT_LIMITS.rounds),
      user: planUserPrompt('delete every file and restart the network', dir),
    };
    for (const seed of [1, 2, 3]) {
      const r = await rt.generate('operational', { input, maxTokens: 512, temperature: 0.9, jsonSchema: schema, seed });
      expect(r.stopReason).not.toBe('maxTokens');
      const asked = (JSON.parse(r.text) as { facts: { tool: string; args: unknown }[] }).facts;
      expect(asked.length).toBeGreaterThanOrEqual(2);
      expect(asked.length).toBeLessThanOrEqual(FACT_LIMITS.rounds);
      for (const a of asked) expect(readOnly).toContain(a.tool);
      // The model's own text, through the same code the planner uses: each call audited, in order.
      const before = lastSeq();
      const turns = await answerAskedFacts(gatherer, r.text, { goalId: 'G1', roomBytes: 4096 });
      expect(turns.map((t) => t.name)).toEqual(asked.map((a) => a.tool));
      expect(auditedSince(before)).toEqual(asked.map((a) => a.tool));
    }
  }, 120_000);

  // stories260K mostly writes newlines after `[` until the JSON grammar's stop trigger (four of
  // them) ends it: an unfinished list asks for nothing. What this proves is the two phases.
  it('through the planner: a facts phase, then the plan; whatever it asks for is read-only and audited', async () => {
    const before = lastSeq();
    const asked: string[] = [];
    const spy: FactSource = {
      tools: () => gatherer.tools(),
      call: async (goalId, name, input, signal) => {
        asked.push(name);
        return gatherer.call(goalId, name, input, signal);
      },
    };
    const planner = new LocalPlanner(rt, 'operational', registry, spy);
    const costs: number[] = [];
    for (const [goalId, text] of [
      ['G1', 'what is using the disk'],
      ['G2', 'is the web server running'],
      ['G3', 'show the memory usage'],
    ] as const) {
      const out = await planner.plan({ text, home: dir, goalId }, { goalId, onCost: (c) => costs.push(c.tokens) });
      expect(out.kind === 'not_understood' && out.reason).not.toMatch(/not JSON/);
    }
    // Two generations a goal: the facts, then the plan (one attempt).
    expect(costs).toHaveLength(6);
    expect(asked.length).toBeLessThanOrEqual(3 * FACT_LIMITS.rounds);
    for (const name of asked) expect(readOnly).toContain(name);
    expect(auditedSince(before)).toEqual(asked);
  }, 120_000);
});
