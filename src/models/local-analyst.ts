// The analyse task on a local tier: the diagnosis is written under a grammar made from its
// schema, as plans are, so it always parses; the end of the output it reads is cut to what
// the model's context holds beside the prompt and the answer.
import { Priority } from './local/inference-queue.js';
import type { LocalRuntime } from './local/local-runtime.js';
import type { ModelKey } from './local/model-settings.js';
import type { AnalysisContext, AnalystAnswer, ModelAnalyst } from './model-analyst.js';
import { checkDiagnosis, DIAGNOSIS_OUTPUT_BYTES, diagnosisGrammarSchema, diagnosisPrompt, type FailedStep } from './step-diagnosis.js';

export class LocalAnalyst implements ModelAnalyst {
  constructor(private readonly runtime: LocalRuntime, readonly name: ModelKey) {}

  async analyse(step: FailedStep, ctx: AnalysisContext): Promise<AnalystAnswer> {
    const settings = this.runtime.settings(this.name);
    if (settings === undefined) return { ok: false, reason: `no [models.${this.name}] is configured` };
    const contextSize = this.runtime.status().models.find((m) => m.key === this.name)?.contextSize ?? settings.contextSize ?? 8192;
    // Prose estimated at 2 characters a token (small vocabularies split finely), output at a byte a token.
    const bare = diagnosisPrompt(step, 0);
    const room = Math.floor(contextSize - settings.maxTokens - (bare.system.length + bare.user.length) / 2 - 64);
    const r = await this.runtime.generate(this.name, {
      input: diagnosisPrompt(step, Math.max(0, Math.min(DIAGNOSIS_OUTPUT_BYTES, room))),
      maxTokens: settings.maxTokens, temperature: settings.temperature,
      // Three strings within about half of max_tokens: the answer ends before it is cut off.
      jsonSchema: diagnosisGrammarSchema(Math.floor(settings.maxTokens / 6)),
    }, {
      // Nobody waits on a diagnosis: plans a person waits for go first.
      priority: Priority.background,
      ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
    });
    ctx.onCost?.({ usd: 0, tokens: r.tokens, via: `local ${settings.name}` });
    if (r.stopReason === 'maxTokens') return { ok: false, reason: `the diagnosis was cut off at max_tokens = ${settings.maxTokens}` };
    let value: unknown;
    try {
      value = JSON.parse(r.text);
    } catch (err) {
      return { ok: false, reason: `the diagnosis is not JSON (${err instanceof Error ? err.message : String(err)})` };
    }
    const checked = checkDiagnosis(value);
    return checked.ok ? checked : { ok: false, reason: checked.reason };
  }
}
