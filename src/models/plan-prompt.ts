// What a model is told when it plans: who it is, the rules, the tools (compactly: the
// schema itself travels as the grammar, the tool definition or the response format).
import type { ToolDescription } from '../tools/registry.js';
import type { JsonSchema } from './plan-schema.js';

export interface PlanPrompt {
  system: string;
  user: string;
}

/**
 * `brief` leaves out the tools' descriptions, for a model whose context would not hold them
 * (a small local model); the grammar still holds every tool's exact arguments.
 */
export function planSystemPrompt(tools: readonly ToolDescription[], detail: 'full' | 'brief' = 'full'): string {
  return [
    'You are the planner of aiOS, which administers this Linux node only through typed tools.',
    "Turn the operator's goal into a short plan of tool calls, as JSON:",
    '{"explanation": "...", "steps": [{"tool": "...", "args": {...}, "rationale": "...", "depends_on": [numbers of earlier steps]}]}',
    "Rules: use only these tools, with exactly their arguments. Paths are absolute; relative ones are under the operator's home.",
    'Prefer read-only tools when the goal is a question. If the tools cannot do it, give no steps and say why in explanation.',
    'Nothing runs until the operator approves the plan.',
    // Only in the full prompt: a small model's short context is better spent on the tools.
    ...(detail === 'full'
      ? [
          'A step that starts a service or opens a port should carry "verify": a read-only check that decides whether it worked, e.g. {"check": "port", "host": "127.0.0.1", "port": 8080, "expect": "open"}, {"check": "service", "unit": "nginx", "expect": "active"}, {"check": "http", "url": "...", "status": 200}.',
        ]
      : []),
    'Tools (* = required argument):',
    ...tools.map(
      (t) => `- ${t.name}(${argList(t.inputSchema as JsonSchema)})${detail === 'full' ? `: ${t.description}` : ''}`,
    ),
  ].join('\n');
}

/** The first phase of a local plan with facts: which read-only tools to call, as JSON. */
export function factsSystemPrompt(
  tools: readonly { name: string; inputSchema: JsonSchema }[],
  maxFacts: number,
): string {
  return [
    'You are the planner of aiOS, which administers this Linux node only through typed tools.',
    `Before you plan the operator's goal you may learn facts about this node with up to ${maxFacts} read-only tool calls, as JSON:`,
    '{"facts": [{"tool": "...", "args": {...}}]}, or {"facts": []} when you need none. Nothing here changes the node; the plan comes next.',
    'Read-only tools (* = required argument):',
    ...tools.map((t) => `- ${t.name}(${argList(t.inputSchema)})`),
  ].join('\n');
}

/**
 * `facts`: what read-only tools answered before this plan (a local model's first phase).
 * `revision`: why the previous plan failed, already sanitised and framed as data (revision-context.ts).
 */
export function planUserPrompt(
  goal: string,
  home: string,
  rejected: readonly string[] = [],
  facts = '',
  revision = '',
): string {
  const lines = [`Goal: ${goal}`, `Operator's home directory: ${home}`];
  if (revision !== '') lines.push(revision);
  if (facts !== '') lines.push(facts);
  if (rejected.length > 0) {
    lines.push('Your previous plan was rejected:', ...rejected.map((r) => `- ${r}`), 'Write a corrected plan.');
  }
  return lines.join('\n');
}

function argList(schema: JsonSchema): string {
  const props = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema['required'] ?? []) as string[]);
  return Object.entries(props)
    .map(([k, v]) => `${k}${required.has(k) ? '*' : ''}: ${typeName(v)}`)
    .join(', ');
}

function typeName(s: JsonSchema): string {
  if (Array.isArray(s['enum'])) return s['enum'].map((e) => JSON.stringify(e)).join('|');
  if (s['type'] === 'array') return `${typeName((s['items'] ?? {}) as JsonSchema)}[]`;
  return typeof s['type'] === 'string' ? s['type'] : 'any';
}
