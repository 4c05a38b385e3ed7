// The plan schema built from the registry, its grammar form, and how an answer becomes a plan
// or a list of reasons; the bounded retry loop that feeds the reasons back.
import { describe, expect, it } from 'vitest';
import { checkDraft, parseDraftText } from '../../src/models/plan-draft.js';
import { agentFor } from '../../src/agents/agent-roster.js';
import { planWithRetries } from '../../src/models/model-planner.js';
import { dropOptionalNulls, planGrammarSchema, planJsonSchema, type JsonSchema } from '../../src/models/plan-schema.js';
import { createBuiltinRegistry } from '../../src/tools/builtin-tools.js';

const registry = createBuiltinRegistry({ timeoutMs: 5000, outputCapBytes: 65536 });
const step = (tool: string, args: object, depends_on: number[] = []) => ({
  tool,
  args,
  rationale: 'because',
  depends_on,
});

describe('the plan schema', () => {
  it("offers one step shape per registered tool, each with that tool's own input schema", () => {
    const s = planJsonSchema(registry.describe());
    const items = ((s['properties'] as Record<string, JsonSchema>)['steps'] as JsonSchema)['items'] as {
      oneOf: JsonSchema[];
    };
    const byTool = new Map(
      items.oneOf.map((o) => [((o['properties'] as Record<string, JsonSchema>)['tool'] as { const: string }).const, o]),
    );
    expect([...byTool.keys()].sort()).toEqual(
      // Every tool a planner may use: the ones aiOS plans only itself (housekeeping) are left out.
      registry
        .list()
        .filter((t) => t.plannedBy !== 'aios')
        .map((t) => t.name)
        .sort(),
    );
    expect(byTool.has('clean.temp')).toBe(false);
    const write = byTool.get('fs.write') as JsonSchema;
    const ref = ((write['properties'] as Record<string, JsonSchema>)['args'] as { $ref: string }).$ref;
    const defs = s['$defs'] as Record<string, JsonSchema>;
    expect(defs[ref.replace('#/$defs/', '')]).toMatchObject({ required: ['path', 'content'] });
  });

  it('defines what every step shares once, so the schema stays small and the same from goal to goal', () => {
    const s = planJsonSchema(registry.describe());
    const text = JSON.stringify(s);
    // The verify schema's own wording appears once, however many tools there are.
    expect(text.split('"check"').length - 1).toBeLessThanOrEqual(
      JSON.stringify((s['$defs'] as Record<string, JsonSchema>)['verify']).split('"check"').length - 1,
    );
    expect(text.length).toBeLessThan(40_000);
    expect(JSON.stringify(planJsonSchema(registry.describe()))).toBe(text);
    // Every reference resolves to a definition.
    const defs = s['$defs'] as Record<string, JsonSchema>;
    for (const m of text.matchAll(/"\$ref":"#\/\$defs\/([^"]+)"/g)) expect(defs[m[1] as string], m[1]).toBeDefined();
  });

  it('in grammar form: every key present, optional ones nullable, strings and arrays bounded, no patterns', () => {
    const g = planGrammarSchema(registry.describe(), { boundStrings: 100 });
    const text = JSON.stringify(g);
    expect(text).not.toContain('"pattern"');
    expect(text).not.toContain('"minimum"');
    const items = ((g['properties'] as Record<string, JsonSchema>)['steps'] as JsonSchema)['items'] as {
      oneOf: JsonSchema[];
    };
    const write = items.oneOf.find((o) => JSON.stringify(o).includes('"const":"fs.write"')) as JsonSchema;
    const args = (write['properties'] as Record<string, JsonSchema>)['args'] as {
      properties: Record<string, JsonSchema>;
    };
    expect(args.properties['path']).toMatchObject({ type: 'string', maxLength: 100 });
    expect(args.properties['mode']).toEqual({
      oneOf: [expect.objectContaining({ type: 'string', maxLength: 100 }), { type: 'null' }],
    });
  });

  it('drops the nulls the grammar wrote for optional arguments, and keeps required ones', () => {
    const schema = {
      type: 'object',
      properties: { path: { type: 'string' }, mode: { type: 'string' } },
      required: ['path'],
    };
    expect(dropOptionalNulls({ path: '/x', mode: null }, schema)).toEqual({ path: '/x' });
    expect(dropOptionalNulls({ path: null }, schema)).toEqual({ path: null });
  });
});

describe('checking an answer', () => {
  it("turns a valid answer into plan steps with ids, agents, the tool's risk and dependencies", () => {
    const out = checkDraft(
      {
        explanation: 'write then read',
        steps: [step('fs.write', { path: '/tmp/a', content: 'x' }), step('fs.read', { path: '/tmp/a' }, [1])],
      },
      registry,
    );
    expect(out).toEqual({
      ok: true,
      explanation: 'write then read',
      steps: [
        expect.objectContaining({
          id: 's1',
          agent: 'storage',
          tool: 'fs.write',
          risk: 'medium',
          reversible: true,
          dependsOn: [],
        }),
        expect.objectContaining({ id: 's2', agent: 'storage', tool: 'fs.read', risk: 'low', dependsOn: ['s1'] }),
      ],
    });
  });

  it('gives a reason per bad step: unknown tool, bad arguments, a dependency that is not earlier', () => {
    const out = checkDraft(
      {
        explanation: '',
        steps: [step('fs.nuke', {}), step('fs.read', { path: 'relative' }), step('memory.usage', {}, [3])],
      },
      registry,
    );
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.reasons[0]).toMatch(/^step 1: unknown tool "fs.nuke"; known tools: .*fs.read/);
    expect(out.reasons[1]).toMatch(/^step 2: fs.read: path: /);
    expect(out.reasons[2]).toBe('step 3: depends_on 3 is not an earlier step (use numbers 1 to 2)');
  });

  it("says the answer is not JSON, or not a plan, or an empty plan with the model's reason", () => {
    expect(parseDraftText('{"explanation": "x", "steps": [', registry)).toMatchObject({
      ok: false,
      reasons: [expect.stringContaining('not JSON')],
    });
    expect(checkDraft({ steps: 'all of them' }, registry)).toMatchObject({ ok: false, empty: false });
    expect(checkDraft({ explanation: 'no tool reboots the moon', steps: [] }, registry)).toEqual({
      ok: false,
      empty: true,
      reasons: ['the model proposed no steps: no tool reboots the moon'],
    });
  });

  it('routes each tool to an agent that holds every capability it needs', () => {
    expect(agentFor(['exec'])).toBe('system');
    expect(agentFor(['fs.write'])).toBe('storage');
    expect(agentFor(['net.read'])).toBe('network');
    expect(agentFor(['fs.write', 'exec'])).toBeNull();
  });
});

describe('planWithRetries', () => {
  const request = { text: 'show the hostname', home: '/home/ada' };

  it('asks again with the reasons, and answers with the first valid plan', async () => {
    const prompts: string[] = [];
    const answers = [
      { explanation: 'x', steps: [step('fs.cat', { path: '/etc/hostname' })] },
      { explanation: 'read it', steps: [step('fs.read', { path: '/etc/hostname' })] },
    ];
    let restarts = 0;
    const out = await planWithRetries({
      tier: 'cloud',
      name: 'test',
      registry,
      request,
      attempts: 3,
      fromGrammar: false,
      ctx: {
        goalId: 'g',
        onRestart: () => {
          restarts++;
        },
      },
      ask: (p) => {
        prompts.push(p.user);
        return Promise.resolve({ value: answers[prompts.length - 1] });
      },
    });
    expect(out).toMatchObject({ kind: 'plan', tier: 'cloud', explanation: 'read it (attempt 2 of 3)' });
    expect(prompts[0]).not.toContain('rejected');
    expect(prompts[1]).toContain('Your previous plan was rejected:\n- step 1: unknown tool "fs.cat"');
    expect(restarts).toBe(1);
  });

  it('stops after the bounded number of attempts with every reason', async () => {
    let calls = 0;
    const out = await planWithRetries({
      tier: 'local',
      name: 'operational (tiny)',
      registry,
      request,
      attempts: 2,
      fromGrammar: true,
      ctx: { goalId: null },
      ask: () => {
        calls++;
        return Promise.resolve({ text: JSON.stringify({ explanation: '', steps: [step('fs.read', { path: 'x' })] }) });
      },
    });
    expect(calls).toBe(2);
    expect(out.kind).toBe('not_understood');
    if (out.kind === 'not_understood')
      expect(out.reason).toMatch(
        /^The operational \(tiny\) model proposed no valid plan in 2 attempt\(s\): attempt 1: step 1: fs.read: path: .* \| attempt 2: /,
      );
  });

  it("answers an empty plan at once with the model's reason, ending the sentence once", async () => {
    let calls = 0;
    const out = await planWithRetries({
      tier: 'local',
      name: 'operational (tiny)',
      registry,
      request,
      attempts: 3,
      fromGrammar: true,
      ctx: { goalId: null },
      ask: () => {
        calls++;
        return Promise.resolve({ text: JSON.stringify({ explanation: 'No tool reads the weather.', steps: [] }) });
      },
    });
    expect(calls).toBe(1);
    expect(out).toEqual({
      kind: 'not_understood',
      reason: 'The operational (tiny) model found no plan: the model proposed no steps: No tool reads the weather.',
    });
  });
});
