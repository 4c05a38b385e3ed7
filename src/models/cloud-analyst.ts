// The analyse task in the cloud: the gateway (budget, rate limit, retries, fallback between
// providers, cost line) asked for a submit_diagnosis tool call instead of a plan.
import { GatewayUnavailable, type ApiGateway } from './gateway/api-gateway.js';
import type { AnalysisContext, AnalystAnswer, ModelAnalyst } from './model-analyst.js';
import { checkDiagnosis, DIAGNOSIS_TOOL, diagnosisJsonSchema, diagnosisPrompt, type FailedStep } from './step-diagnosis.js';

export class CloudAnalyst implements ModelAnalyst {
  readonly name = 'cloud';

  constructor(private readonly gateway: ApiGateway) {}

  async analyse(step: FailedStep, ctx: AnalysisContext): Promise<AnalystAnswer> {
    const prompt = diagnosisPrompt(step);
    try {
      const r = await this.gateway.plan({
        goalId: ctx.goalId, system: prompt.system, user: prompt.user, schema: diagnosisJsonSchema(), tool: DIAGNOSIS_TOOL,
        accept: (value) => checkDiagnosis(value).ok,
        ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
      });
      ctx.onCost?.({ usd: r.usd, tokens: r.tokens, via: `${r.provider} (${r.model}${r.cached ? ', cached' : ''})` });
      const checked = checkDiagnosis(r.value);
      return checked.ok ? checked : { ok: false, reason: `${r.provider}: ${checked.reason}` };
    } catch (err) {
      if (err instanceof GatewayUnavailable) return { ok: false, reason: `the cloud tier is unavailable: ${err.reasons.join('; ')}` };
      throw err;
    }
  }
}
