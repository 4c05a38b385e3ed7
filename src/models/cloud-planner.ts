// The cloud tier: the API gateway (Anthropic first, then OpenAI and compatible servers),
// asked for the plan as a tool call / JSON-schema output, streamed into the TUI as it is written.
import type { FactSource } from '../agents/facts/fact-gatherer.js';
import type { PlanOutcome, PlanRequest } from '../agents/planner.js';
import type { ToolRegistry } from '../tools/registry.js';
import { GatewayUnavailable, type ApiGateway } from './gateway/api-gateway.js';
import { planWithRetries, type ModelPlanner, type PlanContext } from './model-planner.js';
import { FACT_LIMITS, factCallsNote, FactSession } from './fact-loop.js';
import { checkDraft } from './plan-draft.js';
import { planJsonSchema } from './plan-schema.js';

/** A cloud model that writes an invalid plan gets one more try with the reasons. */
const CLOUD_PLAN_ATTEMPTS = 2;

const FACTS_NOTE = `Before you plan you may call the read-only tools offered to learn facts about this node (at most ${FACT_LIMITS.rounds} calls); anything that changes the node belongs in the plan, submitted with submit_plan.`;

export class CloudPlanner implements ModelPlanner {
  readonly tier = 'cloud' as const;
  readonly name = 'cloud';

  /** `facts`: read-only tools the model may call before it plans (a bounded loop); none when absent. */
  constructor(
    private readonly gateway: ApiGateway,
    private readonly registry: ToolRegistry,
    private readonly facts?: FactSource,
  ) {}

  async plan(request: PlanRequest, ctx: PlanContext): Promise<PlanOutcome> {
    const schema = planJsonSchema(this.registry.describe());
    let via = '';
    const session = this.facts === undefined ? null : new FactSession(this.facts);
    try {
      const out = await planWithRetries({
        tier: 'cloud',
        name: 'cloud',
        registry: this.registry,
        request,
        ctx,
        attempts: CLOUD_PLAN_ATTEMPTS,
        fromGrammar: false,
        ask: async (prompt, _attempt, c) => {
          const req = {
            goalId: c.goalId,
            system: session === null ? prompt.system : `${prompt.system}\n${FACTS_NOTE}`,
            user: prompt.user,
            schema,
            accept: (value: unknown) => checkDraft(value, this.registry).ok,
            ...(c.signal === undefined ? {} : { signal: c.signal }),
            ...(c.onDelta === undefined ? {} : { onDelta: c.onDelta }),
            ...(c.onRestart === undefined ? {} : { onRestart: c.onRestart }),
          };
          const r = session === null ? await this.gateway.plan(req) : await session.ask(this.gateway, req);
          if ('problem' in r) return r;
          via = `${r.provider} (${r.model}${r.cached ? ', cached answer' : `, $${r.usd.toFixed(4)}`})`;
          c.onCost?.({ usd: r.usd, tokens: r.tokens, via: `${r.provider} (${r.model}${r.cached ? ', cached' : ''})` });
          return { value: r.value };
        },
      });
      const note = factCallsNote(session?.calls ?? 0);
      const facts = note === '' ? '' : `, ${note}`;
      return out.kind === 'plan' ? { ...out, explanation: `${out.explanation} [${via}${facts}]` } : out;
    } catch (err) {
      if (err instanceof GatewayUnavailable)
        return { kind: 'not_understood', reason: `The cloud tier is unavailable: ${err.reasons.join('; ')}.` };
      throw err;
    }
  }
}
