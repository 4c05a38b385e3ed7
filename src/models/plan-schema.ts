// The JSON Schema of a plan, built from the tool registry: each step names one tool and
// carries that tool's own input schema. Cloud models get it as a tool or response format;
// local models get it as a GBNF grammar (node-llama-cpp), so their output always parses.
import { z } from 'zod';
import { VerifySpec } from '../protocol/verify.js';
import type { ToolDescription } from '../tools/registry.js';

export type JsonSchema = Record<string, unknown>;

export const PLAN_LIMITS = { steps: 8, explanation: 600, rationale: 300, dependsOn: 8 } as const;

export interface PlanSchemaOptions {
  /** For a grammar: every string and array gets an upper bound, so generation must end. */
  boundStrings?: number;
}

/**
 * The plan schema for cloud models (full JSON Schema, validation after the fact). Everything
 * shared is defined once under $defs and referenced: each step branch is only its tool's name and
 * references, so the request stays small (a branch that repeated the verify schema cost about
 * 3 KB a tool). The tools' descriptions travel once, in the system prompt. The schema depends
 * on the registry alone, so it is byte-identical from goal to goal: the providers' prompt caches
 * (Anthropic's cache_control, OpenAI's automatic prefix cache) hold it.
 */
export function planJsonSchema(tools: readonly ToolDescription[]): JsonSchema {
  const defs: Record<string, JsonSchema> = {
    rationale: { type: 'string', maxLength: PLAN_LIMITS.rationale, description: 'Why this step is needed' },
    depends_on: {
      type: 'array',
      items: { type: 'integer' },
      maxItems: PLAN_LIMITS.dependsOn,
      description: 'Numbers (1-based) of earlier steps that must succeed first',
    },
    verify: verifySchema(),
  };
  const branches = tools.map((t): JsonSchema => {
    const own = t.inputSchema as JsonSchema;
    const key = `args_${wireName(t.name)}`;
    // A tool schema's own $defs move up beside it, renamed so two tools' definitions never meet.
    const inner = defsOf(own);
    for (const [name, def] of Object.entries(inner)) defs[`${key}_${name}`] = renameRefs(def, key, inner);
    defs[key] = renameRefs(stripMeta(own), key, inner);
    return {
      type: 'object',
      properties: {
        tool: { const: t.name },
        args: { $ref: `#/$defs/${key}` },
        rationale: { $ref: '#/$defs/rationale' },
        depends_on: { $ref: '#/$defs/depends_on' },
        verify: { $ref: '#/$defs/verify' },
      },
      required: ['tool', 'args', 'rationale', 'depends_on'],
      additionalProperties: false,
    };
  });
  return { ...planShape(branches), $defs: defs };
}

const wireName = (name: string): string => name.replace(/[^A-Za-z0-9_]/g, '_');

/** Points a tool schema's internal references at the renamed copies of its definitions. */
function renameRefs(schema: JsonSchema, key: string, inner: Record<string, JsonSchema>): JsonSchema {
  if (Object.keys(inner).length === 0) return schema;
  return JSON.parse(JSON.stringify(schema), (k, v: unknown) => {
    if (k === '$ref' && typeof v === 'string') {
      const name = v.replace(/^#\/(?:\$defs|definitions)\//, '');
      return name in inner ? `#/$defs/${key}_${name}` : v;
    }
    return v;
  }) as JsonSchema;
}

/** A step's optional verification: a read-only check whose answer decides whether the step worked. */
function verifySchema(): JsonSchema {
  return {
    ...stripMeta(z.toJSONSchema(VerifySpec, { io: 'input' }) as JsonSchema),
    description:
      'Optional: what must hold after this step for it to count as done (a port open, a service active, a URL answering); checked with read-only tools, retried until withinMs',
  };
}

/**
 * The same plan in the JSON Schema subset node-llama-cpp turns into a grammar: every object
 * key is required there, so an optional argument becomes "value or null" (nulls are dropped
 * again by dropOptionalNulls); bounds the grammar cannot express (patterns, minimum) are left
 * to the registry's validation, which sends the model its reasons on a retry.
 */
export function planGrammarSchema(tools: readonly ToolDescription[], opts: PlanSchemaOptions = {}): JsonSchema {
  const bound = opts.boundStrings ?? 2000;
  const limits = {
    explanation: Math.min(PLAN_LIMITS.explanation, bound),
    rationale: Math.min(PLAN_LIMITS.rationale, bound),
  };
  const verify = verifySchema();
  // Every key is required in a grammar: "no verification" is written as null.
  const verifyGrammar = { oneOf: [toGrammar(verify, bound, {}), { type: 'null' }] };
  return planShape(
    tools.map((t) =>
      stepSchema(
        t.name,
        t.description,
        toGrammar(stripMeta(t.inputSchema as JsonSchema), bound, defsOf(t.inputSchema as JsonSchema)),
        limits.rationale,
        verifyGrammar,
        true,
      ),
    ),
    limits.explanation,
  );
}

/**
 * The first phase of a local plan under facts: which read-only tools to call, at most
 * `maxFacts`, or none ({"facts": []}). Each entry is one of the offered tools, its name a
 * constant and its args that tool's own: the grammar cannot name any other tool.
 */
export function factsGrammarSchema(
  tools: readonly { name: string; inputSchema: JsonSchema }[],
  opts: { maxFacts: number; boundStrings: number },
): JsonSchema {
  const calls = tools.map((t): JsonSchema => ({
    type: 'object',
    properties: {
      tool: { const: t.name },
      args: toGrammar(stripMeta(t.inputSchema), opts.boundStrings, defsOf(t.inputSchema)),
    },
    required: ['tool', 'args'],
    additionalProperties: false,
  }));
  return {
    type: 'object',
    properties: {
      facts: {
        type: 'array',
        minItems: 0,
        maxItems: opts.maxFacts,
        items: calls.length === 1 ? calls[0] : { oneOf: calls },
      },
    },
    required: ['facts'],
    additionalProperties: false,
  };
}

function planShape(steps: JsonSchema[], explanationMax: number = PLAN_LIMITS.explanation): JsonSchema {
  return {
    type: 'object',
    properties: {
      explanation: {
        type: 'string',
        maxLength: explanationMax,
        description: 'One or two sentences: what the plan does, or why no plan is possible',
      },
      steps: {
        type: 'array',
        minItems: 0,
        maxItems: PLAN_LIMITS.steps,
        description: 'The steps in order; empty when the goal cannot be done with these tools',
        items: steps.length === 1 ? steps[0] : { oneOf: steps },
      },
    },
    required: ['explanation', 'steps'],
    additionalProperties: false,
  };
}

function stepSchema(
  name: string,
  description: string,
  args: JsonSchema,
  rationaleMax: number,
  verify: JsonSchema,
  verifyRequired = false,
): JsonSchema {
  return {
    type: 'object',
    description,
    properties: {
      tool: { const: name },
      args,
      rationale: { type: 'string', maxLength: rationaleMax, description: 'Why this step is needed' },
      depends_on: {
        type: 'array',
        items: { type: 'integer' },
        maxItems: PLAN_LIMITS.dependsOn,
        description: 'Numbers (1-based) of earlier steps that must succeed first',
      },
      verify,
    },
    required: ['tool', 'args', 'rationale', 'depends_on', ...(verifyRequired ? ['verify'] : [])],
    additionalProperties: false,
  };
}

function stripMeta(schema: JsonSchema): JsonSchema {
  const { $schema: _s, $defs: _d, definitions: _x, ...rest } = schema;
  return rest;
}

function defsOf(schema: JsonSchema): Record<string, JsonSchema> {
  return {
    ...(schema['definitions'] as Record<string, JsonSchema> | undefined),
    ...(schema['$defs'] as Record<string, JsonSchema> | undefined),
  };
}

const ANY_SCALAR: JsonSchema = { type: ['string', 'number', 'boolean', 'null'] };

function toGrammar(s: JsonSchema, bound: number, defs: Record<string, JsonSchema>, depth = 0): JsonSchema {
  if (depth > 8) return ANY_SCALAR;
  const ref = s['$ref'];
  if (typeof ref === 'string') {
    const target = defs[ref.replace(/^#\/(?:\$defs|definitions)\//, '')];
    return target === undefined ? ANY_SCALAR : toGrammar(target, bound, defs, depth + 1);
  }
  const keep = (out: JsonSchema): JsonSchema =>
    typeof s['description'] === 'string' ? { ...out, description: s['description'] } : out;
  if ('const' in s) return keep({ const: s['const'] });
  if (Array.isArray(s['enum'])) return keep({ enum: s['enum'] });
  const union = (s['anyOf'] ?? s['oneOf']) as JsonSchema[] | undefined;
  if (Array.isArray(union)) return keep({ oneOf: union.map((u) => toGrammar(u, bound, defs, depth + 1)) });
  switch (s['type']) {
    case 'string': {
      const max = typeof s['maxLength'] === 'number' ? Math.min(s['maxLength'], bound) : bound;
      const min = typeof s['minLength'] === 'number' ? Math.min(s['minLength'], max) : undefined;
      return keep({ type: 'string', maxLength: max, ...(min === undefined ? {} : { minLength: min }) });
    }
    case 'integer':
    case 'number':
    case 'boolean':
    case 'null':
      return keep({ type: s['type'] });
    case 'array': {
      const items =
        s['items'] !== undefined && typeof s['items'] === 'object'
          ? toGrammar(s['items'] as JsonSchema, bound, defs, depth + 1)
          : ANY_SCALAR;
      const maxItems = typeof s['maxItems'] === 'number' ? Math.min(s['maxItems'], 64) : 64;
      const minItems = typeof s['minItems'] === 'number' ? Math.min(s['minItems'], maxItems) : 0;
      return keep({ type: 'array', items, minItems, maxItems });
    }
    case 'object': {
      const props = (s['properties'] ?? {}) as Record<string, JsonSchema>;
      const required = new Set((s['required'] ?? []) as string[]);
      const properties = Object.fromEntries(
        Object.entries(props).map(([k, v]) => {
          const g = toGrammar(v, bound, defs, depth + 1);
          return [k, required.has(k) ? g : { oneOf: [g, { type: 'null' }] }];
        }),
      );
      return keep({ type: 'object', properties, additionalProperties: false });
    }
    default:
      // No type (zod's "any"), or a type list: any scalar is the closest the grammar can say.
      return ANY_SCALAR;
  }
}

/** Removes the nulls a grammar put where an optional argument was left out. */
export function dropOptionalNulls(value: unknown, schema: JsonSchema): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || schema['type'] !== 'object') return value;
  const props = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema['required'] ?? []) as string[]);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null && !required.has(k)) continue;
    out[k] = props[k] === undefined ? v : dropOptionalNulls(v, props[k]);
  }
  return out;
}
