// A model's answer → typed plan steps, or the reasons it is not a plan. The reasons are
// written for two readers: the model on its next attempt, and the person if all attempts fail.
import { z } from 'zod';
import { agentFor } from '../agents/agent-roster.js';
import type { PlanStepSpec } from '../protocol/model.js';
import { VerifySpec } from '../protocol/verify.js';
import type { ToolRegistry } from '../tools/registry.js';
import { dropOptionalNulls, PLAN_LIMITS, type JsonSchema } from './plan-schema.js';

const Draft = z.object({
  explanation: z.string().max(PLAN_LIMITS.explanation * 2),
  steps: z
    .array(
      z.object({
        tool: z.string().min(1),
        args: z.record(z.string(), z.unknown()).default({}),
        rationale: z
          .string()
          .max(PLAN_LIMITS.rationale * 2)
          .default(''),
        depends_on: z.array(z.number().int()).max(PLAN_LIMITS.dependsOn).default([]),
        // A grammar writes null for "none", and null for each optional field it leaves out.
        verify: z.preprocess(withoutNulls, VerifySpec.nullable().optional()),
      }),
    )
    .max(PLAN_LIMITS.steps),
});

function withoutNulls(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
}

/** "step 2: depends_on.0: …", numbered as the model and the person count steps (from 1). */
function issueReason(issue: z.core.$ZodIssue): string {
  const [head, index, ...rest] = issue.path.map(String);
  if (head === 'steps' && index !== undefined && /^\d+$/.test(index)) {
    return `step ${Number(index) + 1}: ${rest.length === 0 ? '' : `${rest.join('.')}: `}${issue.message}`;
  }
  return `${issue.path.map(String).join('.') || '(plan)'}: ${issue.message}`;
}

export type DraftOutcome =
  | { ok: true; steps: PlanStepSpec[]; explanation: string }
  /** `empty`: the model said the goal cannot be planned (no steps), with its explanation. */
  | { ok: false; reasons: string[]; empty: boolean };

/** Parses JSON text (a local model's output) and checks it as a draft. */
export function parseDraftText(
  text: string,
  registry: ToolRegistry,
  opts: { fromGrammar?: boolean } = {},
): DraftOutcome {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    return {
      ok: false,
      empty: false,
      reasons: [`the answer is not JSON (${(err as Error).message}): ${JSON.stringify(shown)}`],
    };
  }
  return checkDraft(value, registry, opts);
}

export function checkDraft(value: unknown, registry: ToolRegistry, opts: { fromGrammar?: boolean } = {}): DraftOutcome {
  const parsed = Draft.safeParse(value);
  if (!parsed.success) {
    return { ok: false, empty: false, reasons: parsed.error.issues.slice(0, 5).map(issueReason) };
  }
  const { explanation, steps } = parsed.data;
  if (steps.length === 0)
    return {
      ok: false,
      empty: true,
      reasons: [
        explanation.trim() === ''
          ? 'the model proposed no steps'
          : `the model proposed no steps: ${explanation.trim()}`,
      ],
    };
  const reasons: string[] = [];
  const out: PlanStepSpec[] = [];
  const schemas = new Map(registry.describe().map((d) => [d.name, d.inputSchema as JsonSchema]));
  steps.forEach((step, i) => {
    const n = i + 1;
    const schema = schemas.get(step.tool);
    const args = opts.fromGrammar === true && schema !== undefined ? dropOptionalNulls(step.args, schema) : step.args;
    const v = registry.validate(step.tool, args);
    if (!v.ok) {
      reasons.push(`step ${n}: ${v.error}`);
      return;
    }
    const later = step.depends_on.find((d) => d < 1 || d >= n);
    if (later !== undefined)
      reasons.push(`step ${n}: depends_on ${later} is not an earlier step (use numbers 1 to ${n - 1})`);
    const agent = agentFor(v.tool.capabilities);
    if (agent === null) {
      reasons.push(`step ${n}: no agent may use ${step.tool}`);
      return;
    }
    // Risk and reversibility are the tool's; the goal engine sets them again from the registry.
    out.push({
      id: `s${n}`,
      agent,
      tool: step.tool,
      args: args as Record<string, unknown>,
      rationale: step.rationale.slice(0, 2000),
      risk: v.tool.risk,
      reversible: v.tool.reversible || !v.tool.mutates,
      dependsOn: [...new Set(step.depends_on)].map((d) => `s${d}`),
      ...(step.verify === null || step.verify === undefined ? {} : { verify: step.verify }),
    });
  });
  if (reasons.length > 0) return { ok: false, empty: false, reasons };
  return { ok: true, steps: out, explanation: explanation.trim() };
}
