// Planning with a model, local or cloud: ask for a plan in the plan's JSON Schema, check
// every step against the registry, and on a bad plan ask again with the reasons, a bounded
// number of times; after that, "not understood" with every reason.
import type { PlanOutcome, PlanRequest } from '../agents/planner.js';
import type { Tier } from '../protocol/model.js';
import type { ToolRegistry } from '../tools/registry.js';
import { checkDraft, parseDraftText, type DraftOutcome } from './plan-draft.js';
import { planSystemPrompt, planUserPrompt } from './plan-prompt.js';
import { sentence } from '../text/sentence.js';

/** One model call's cost: dollars (0 locally), tokens in and out, and who answered. */
export interface ModelCost {
  usd: number;
  tokens: number;
  via: string;
}

/** What the router hands a model planner besides the request. */
export interface PlanContext {
  goalId: string | null;
  signal?: AbortSignal;
  /** Told after each model call, for the cost line in the decision log. */
  onCost?: (cost: ModelCost) => void;
  /** Text of the plan as the model writes it (partial JSON), for the TUI. */
  onDelta?: (text: string) => void;
  /** A new attempt (retry, next provider) starts: the text streamed so far is void. */
  onRestart?: () => void;
}

export interface ModelPlanner {
  readonly tier: Tier;
  /** "operational", "tactical", "cloud": the name the router and the decision log use. */
  readonly name: string;
  plan(request: PlanRequest, ctx: PlanContext): Promise<PlanOutcome>;
}

/**
 * One attempt: the model's answer as text (local, grammar-constrained), as a parsed value
 * (cloud), or a problem that made the answer unusable (cut off at max_tokens).
 */
export type Ask = (
  prompt: { system: string; user: string },
  attempt: number,
  ctx: PlanContext,
) => Promise<{ text: string } | { value: unknown } | { problem: string }>;

export async function planWithRetries(opts: {
  tier: Tier;
  name: string;
  registry: ToolRegistry;
  request: PlanRequest;
  ctx: PlanContext;
  attempts: number;
  fromGrammar: boolean;
  promptDetail?: 'full' | 'brief';
  /** Answers of read-only fact calls made before planning, for the user prompt. */
  facts?: string;
  ask: Ask;
}): Promise<PlanOutcome> {
  const { registry, request, ctx } = opts;
  const system = planSystemPrompt(registry.describe(), opts.promptDetail);
  let rejected: string[] = [];
  const history: string[] = [];
  for (let attempt = 1; attempt <= opts.attempts; attempt++) {
    ctx.signal?.throwIfAborted();
    if (attempt > 1) ctx.onRestart?.();
    const answer = await opts.ask(
      { system, user: planUserPrompt(request.text, request.home, rejected, opts.facts, request.revision?.context) },
      attempt,
      ctx,
    );
    const draft: DraftOutcome =
      'problem' in answer
        ? { ok: false, empty: false, reasons: [answer.problem] }
        : 'text' in answer
          ? parseDraftText(answer.text, registry, { fromGrammar: opts.fromGrammar })
          : checkDraft(answer.value, registry);
    if (draft.ok) {
      const note = attempt > 1 ? ` (attempt ${attempt} of ${opts.attempts})` : '';
      return {
        kind: 'plan',
        tier: opts.tier,
        steps: draft.steps,
        explanation: `${draft.explanation || `planned by the ${opts.name} model`}${note}`,
      };
    }
    // The model itself says the tools cannot do it: asking again would not help.
    if (draft.empty)
      return {
        kind: 'not_understood',
        reason: sentence(`The ${opts.name} model found no plan: ${draft.reasons.join('; ')}`),
      };
    rejected = draft.reasons;
    history.push(`attempt ${attempt}: ${draft.reasons.join('; ')}`);
  }
  return {
    kind: 'not_understood',
    reason: sentence(
      `The ${opts.name} model proposed no valid plan in ${opts.attempts} attempt(s): ${history.join(' | ')}`,
    ),
  };
}
