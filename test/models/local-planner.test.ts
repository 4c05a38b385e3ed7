// Plans from the real stories260K model under the plan grammar: the text always parses as a
// plan, whatever nonsense it says; the registry then judges it, with reasons.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelsConfig } from '../../src/config/models-schema.js';
import { LocalRuntime } from '../../src/models/local/local-runtime.js';
import { modelSettings } from '../../src/models/local/model-settings.js';
import { LocalPlanner } from '../../src/models/local-planner.js';
import { checkDraft } from '../../src/models/plan-draft.js';
import { planGrammarSchema, type JsonSchema } from '../../src/models/plan-schema.js';
import { planSystemPrompt, planUserPrompt } from '../../src/models/plan-prompt.js';
import { createBuiltinRegistry } from '../../src/tools/builtin-tools.js';
import { storiesMissing, storiesPath, workerScript } from './helpers/stories-model.js';

const registry = createBuiltinRegistry({ timeoutMs: 5000, outputCapBytes: 65536 });
const toolNames = registry.list().map((t) => t.name);

describe.skipIf(storiesMissing !== null)('local plans with stories260K', () => {
  let rt: LocalRuntime;
  beforeAll(async () => {
    rt = new LocalRuntime({
      settings: modelSettings(
        ModelsConfig.parse({
          operational: { name: 'stories260K', path: storiesPath, max_tokens: 512, temperature: 0.9, plan_attempts: 2 },
        }),
        '/tmp',
      ),
      workerScript,
    });
    await rt.start();
  });
  afterAll(async () => {
    await rt.close();
  });

  it('writes JSON that parses as a plan under the grammar, for every seed tried', async () => {
    // Steps required here, so the tiny model cannot answer with the empty plan it likes.
    // Short strings and at most 3 steps, so that even this model's rambling ends within max_tokens.
    const base = planGrammarSchema(registry.describe(), { boundStrings: 40 });
    const props = base['properties'] as Record<string, JsonSchema>;
    const schema = { ...base, properties: { ...props, steps: { ...props['steps'], minItems: 1, maxItems: 3 } } };
    const prompt = {
      system: planSystemPrompt(registry.describe(), 'brief'),
      user: planUserPrompt('create a file notes.txt containing hello', '/home/ada'),
    };
    for (const seed of [1, 2]) {
      const r = await rt.generate('operational', {
        input: prompt,
        maxTokens: 1024,
        temperature: 0.9,
        jsonSchema: schema,
        seed,
      });
      expect(r.stopReason).not.toBe('maxTokens');
      const plan = JSON.parse(r.text) as {
        explanation: string;
        steps: { tool: string; args: object; rationale: string; depends_on: number[] }[];
      };
      expect(typeof plan.explanation).toBe('string');
      expect(plan.steps.length).toBeGreaterThanOrEqual(1);
      for (const step of plan.steps) {
        expect(toolNames).toContain(step.tool);
        // The grammar writes every key; a step with nothing to verify says "verify": null.
        expect(Object.keys(step).sort()).toEqual(['args', 'depends_on', 'rationale', 'tool', 'verify']);
      }
      // Nonsense arguments are rejected by the registry with reasons a model can act on.
      const draft = checkDraft(plan, registry);
      if (!draft.ok) expect(draft.reasons.join(' ')).toMatch(/step \d+: /);
    }
  }, 120_000); // two generations of up to 1,024 tokens on a shared 2-core machine

  it('goes through the planner: streamed, parsed, and judged (a plan, or the reasons it is not one)', async () => {
    const planner = new LocalPlanner(rt, 'operational', registry);
    let streamed = '';
    const out = await planner.plan(
      { text: 'show me the memory usage', home: '/home/ada' },
      {
        goalId: 'G',
        onDelta: (t) => {
          streamed += t;
        },
      },
    );
    expect(streamed.length).toBeGreaterThan(0);
    if (out.kind === 'plan') {
      expect(out.tier).toBe('local');
      for (const s of out.steps) expect(toolNames).toContain(s.tool);
    } else {
      // Never "not JSON": the grammar made every answer parse.
      expect(out.reason).not.toMatch(/not JSON/);
      expect(out.reason).toMatch(/operational \(stories260K\)/);
    }
  });
});

describe.skipIf(storiesMissing !== null)('a local plan from a model loaded on demand (stories260K)', () => {
  let rt: LocalRuntime;
  beforeAll(() => {
    // Defaults: max_tokens 1024; the context is the file's own (2,048 tokens), known only once it is loaded.
    rt = new LocalRuntime({
      settings: modelSettings(
        ModelsConfig.parse({ tactical: { name: 'stories260K', path: storiesPath, threads: 1, plan_attempts: 1 } }),
        '/tmp',
      ),
      workerScript,
    });
  });
  afterAll(async () => {
    await rt.close();
  });

  it('sizes its prompt by the context of the model as loaded, not a guess made before', async () => {
    expect(rt.loaded('tactical')).toBe(false);
    const planner = new LocalPlanner(rt, 'tactical', registry);
    const out = await planner.plan({ text: 'make the node faster', home: '/home/ada' }, { goalId: null });
    expect(rt.status().models[0]?.contextSize).toBe(2048);
    if (out.kind !== 'plan') expect(out.reason).not.toMatch(/context|too long/i);
  }, 60_000);
});
