// The analyse and answer tasks on a local tier: the reply is written under a grammar made from
// its schema, as plans are, so it always parses; the output it reads is cut to what the model's
// context holds beside the prompt and the reply.
import { answerGrammarSchema, answerPrompt, ANSWER_OUTPUT_BYTES, checkAnswer, type Question } from './goal-answer.js';
import { Priority } from './local/inference-queue.js';
import type { LocalRuntime } from './local/local-runtime.js';
import type { ModelKey } from './local/model-settings.js';
import type { AnalysisContext, AnalystAnswer, ModelAnalyst, Reply } from './model-analyst.js';
import type { JsonSchema } from './plan-schema.js';
import {
  checkDiagnosis,
  DIAGNOSIS_OUTPUT_BYTES,
  diagnosisGrammarSchema,
  diagnosisPrompt,
  type FailedStep,
} from './step-diagnosis.js';

type Prompt = (outputBytes: number) => { system: string; user: string };

export class LocalAnalyst implements ModelAnalyst {
  constructor(
    private readonly runtime: LocalRuntime,
    readonly name: ModelKey,
  ) {}

  async analyse(step: FailedStep, ctx: AnalysisContext): Promise<AnalystAnswer> {
    // Three strings within about half of max_tokens: the answer ends before it is cut off.
    const r = await this.ask(
      'diagnosis',
      (n) => diagnosisPrompt(step, n),
      DIAGNOSIS_OUTPUT_BYTES,
      (max) => diagnosisGrammarSchema(Math.floor(max / 6)),
      checkDiagnosis,
      ctx,
    );
    return r.ok ? { ok: true, diagnosis: r.value.diagnosis } : r;
  }

  async answer(question: Question, ctx: AnalysisContext): Promise<Reply<string>> {
    const r = await this.ask(
      'answer',
      (n) => answerPrompt(question, n),
      ANSWER_OUTPUT_BYTES,
      (max) => answerGrammarSchema(Math.floor(max / 2)),
      checkAnswer,
      ctx,
    );
    return r.ok ? { ok: true, value: r.value.answer } : r;
  }

  private async ask<T extends { ok: true }>(
    what: string,
    prompt: Prompt,
    maxOutputBytes: number,
    grammar: (maxTokens: number) => JsonSchema,
    check: (value: unknown) => T | { ok: false; reason: string },
    ctx: AnalysisContext,
  ): Promise<Reply<T>> {
    const settings = this.runtime.settings(this.name);
    if (settings === undefined) return { ok: false, reason: `no [models.${this.name}] is configured` };
    const contextSize =
      this.runtime.status().models.find((m) => m.key === this.name)?.contextSize ?? settings.contextSize ?? 8192;
    // Prose estimated at 2 characters a token (small vocabularies split finely), output at a byte a token.
    const bare = prompt(0);
    const room = Math.floor(contextSize - settings.maxTokens - (bare.system.length + bare.user.length) / 2 - 64);
    const r = await this.runtime.generate(
      this.name,
      {
        input: prompt(Math.max(0, Math.min(maxOutputBytes, room))),
        maxTokens: settings.maxTokens,
        temperature: settings.temperature,
        jsonSchema: grammar(settings.maxTokens),
      },
      {
        // Nobody waits on a diagnosis or an answer the way they wait on a plan: plans go first.
        priority: Priority.background,
        ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
      },
    );
    ctx.onCost?.({ usd: 0, tokens: r.tokens, via: `local ${settings.name}` });
    if (r.stopReason === 'maxTokens')
      return { ok: false, reason: `the ${what} was cut off at max_tokens = ${settings.maxTokens}` };
    let value: unknown;
    try {
      value = JSON.parse(r.text);
    } catch (err) {
      return { ok: false, reason: `the ${what} is not JSON (${err instanceof Error ? err.message : String(err)})` };
    }
    const checked = check(value);
    return checked.ok ? { ok: true, value: checked as T } : { ok: false, reason: checked.reason };
  }
}
