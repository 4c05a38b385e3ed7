// The analyse and answer tasks in the cloud: the gateway (budget, rate limit, retries, fallback
// between providers, cost line) asked for a submit_diagnosis or submit_answer tool call.
import { ANSWER_TOOL, answerJsonSchema, answerPrompt, checkAnswer, type Question } from './goal-answer.js';
import { GatewayUnavailable, type ApiGateway } from './gateway/api-gateway.js';
import type { AnswerTool } from './gateway/provider-client.js';
import type { AnalysisContext, AnalystAnswer, ModelAnalyst, Reply } from './model-analyst.js';
import type { JsonSchema } from './plan-schema.js';
import {
  checkDiagnosis,
  DIAGNOSIS_TOOL,
  diagnosisJsonSchema,
  diagnosisPrompt,
  type FailedStep,
} from './step-diagnosis.js';

export class CloudAnalyst implements ModelAnalyst {
  readonly name = 'cloud';

  constructor(private readonly gateway: ApiGateway) {}

  async analyse(step: FailedStep, ctx: AnalysisContext): Promise<AnalystAnswer> {
    const r = await this.ask(diagnosisPrompt(step), diagnosisJsonSchema(), DIAGNOSIS_TOOL, checkDiagnosis, ctx);
    return r.ok ? { ok: true, diagnosis: r.value.diagnosis } : r;
  }

  async answer(question: Question, ctx: AnalysisContext): Promise<Reply<string>> {
    const r = await this.ask(answerPrompt(question), answerJsonSchema(), ANSWER_TOOL, checkAnswer, ctx);
    return r.ok ? { ok: true, value: r.value.answer } : r;
  }

  private async ask<T extends { ok: true }>(
    prompt: { system: string; user: string },
    schema: JsonSchema,
    tool: AnswerTool,
    check: (value: unknown) => T | { ok: false; reason: string },
    ctx: AnalysisContext,
  ): Promise<Reply<T>> {
    try {
      const r = await this.gateway.plan({
        goalId: ctx.goalId,
        system: prompt.system,
        user: prompt.user,
        schema,
        tool,
        accept: (value) => check(value).ok,
        ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
      });
      ctx.onCost?.({ usd: r.usd, tokens: r.tokens, via: `${r.provider} (${r.model}${r.cached ? ', cached' : ''})` });
      const checked = check(r.value);
      return checked.ok ? { ok: true, value: checked as T } : { ok: false, reason: `${r.provider}: ${checked.reason}` };
    } catch (err) {
      if (err instanceof GatewayUnavailable)
        return { ok: false, reason: `the cloud tier is unavailable: ${err.reasons.join('; ')}` };
      throw err;
    }
  }
}
