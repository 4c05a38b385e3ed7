// The cloud tier: the API gateway (Anthropic first, then OpenAI and compatible servers),
// asked for the plan as a tool call / JSON-schema output, streamed into the TUI as it is written.
import type { PlanOutcome, PlanRequest } from '../agents/planner.js';
import type { ToolRegistry } from '../tools/registry.js';
import { GatewayUnavailable, type ApiGateway } from './gateway/api-gateway.js';
import { planWithRetries, type ModelPlanner, type PlanContext } from './model-planner.js';
import { checkDraft } from './plan-draft.js';
import { planJsonSchema } from './plan-schema.js';

/** A cloud model that writes an invalid plan gets one more try with the reasons. */
const CLOUD_PLAN_ATTEMPTS = 2;

export class CloudPlanner implements ModelPlanner {
  readonly tier = 'cloud' as const;
  readonly name = 'cloud';

  constructor(private readonly gateway: ApiGateway, private readonly registry: ToolRegistry) {}

  async plan(request: PlanRequest, ctx: PlanContext): Promise<PlanOutcome> {
    const schema = planJsonSchema(this.registry.describe());
    let via = '';
    try {
      const out = await planWithRetries({
        tier: 'cloud', name: 'cloud', registry: this.registry, request, ctx, attempts: CLOUD_PLAN_ATTEMPTS, fromGrammar: false,
        ask: async (prompt, _attempt, c) => {
          const r = await this.gateway.plan({
            goalId: c.goalId, system: prompt.system, user: prompt.user, schema,
            accept: (value) => checkDraft(value, this.registry).ok,
            ...(c.signal === undefined ? {} : { signal: c.signal }),
            ...(c.onDelta === undefined ? {} : { onDelta: c.onDelta }),
            ...(c.onRestart === undefined ? {} : { onRestart: c.onRestart }),
          });
          via = `${r.provider} (${r.model}${r.cached ? ', cached answer' : `, $${r.usd.toFixed(4)}`})`;
          c.onCost?.({ usd: r.usd, tokens: r.tokens, via: `${r.provider} (${r.model}${r.cached ? ', cached' : ''})` });
          return { value: r.value };
        },
      });
      return out.kind === 'plan' ? { ...out, explanation: `${out.explanation} [${via}]` } : out;
    } catch (err) {
      if (err instanceof GatewayUnavailable) return { kind: 'not_understood', reason: `The cloud tier is unavailable: ${err.reasons.join('; ')}.` };
      throw err;
    }
  }
}
