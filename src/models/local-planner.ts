// The local tiers (operational, tactical): a GGUF model in the runtime process, writing
// the plan under a grammar made from the plan's JSON Schema, so its output always parses.
import type { PlanOutcome, PlanRequest } from '../agents/planner.js';
import type { ToolRegistry } from '../tools/registry.js';
import { Priority } from './local/inference-queue.js';
import type { LocalRuntime } from './local/local-runtime.js';
import type { ModelKey } from './local/model-settings.js';
import { planWithRetries, type ModelPlanner, type PlanContext } from './model-planner.js';
import { planGrammarSchema } from './plan-schema.js';
import { planSystemPrompt } from './plan-prompt.js';

export class LocalPlanner implements ModelPlanner {
  readonly tier = 'local' as const;

  constructor(private readonly runtime: LocalRuntime, readonly name: ModelKey, private readonly registry: ToolRegistry) {}

  async plan(request: PlanRequest, ctx: PlanContext): Promise<PlanOutcome> {
    const settings = this.runtime.settings(this.name);
    if (settings === undefined) return { kind: 'not_understood', reason: `no [models.${this.name}] is configured` };
    const tools = this.registry.describe();
    // Strings are bounded so that a plan always ends within max_tokens (a token is at least a character or so).
    const jsonSchema = planGrammarSchema(tools, { boundStrings: Math.max(64, Math.floor(settings.maxTokens / 4)) });
    return planWithRetries({
      tier: 'local', name: `${this.name} (${settings.name})`, registry: this.registry, request, ctx,
      attempts: settings.planAttempts, fromGrammar: true, promptDetail: this.promptDetail(tools, settings.maxTokens),
      ask: async (prompt, attempt, c) => {
        const r = await this.runtime.generate(this.name, {
          input: prompt, maxTokens: settings.maxTokens, temperature: settings.temperature, jsonSchema,
          // A different seed per attempt: the same seed would write the same rejected plan again.
          seed: attempt,
        }, {
          priority: Priority.interactive,
          ...(c.signal === undefined ? {} : { signal: c.signal }),
          ...(c.onDelta === undefined ? {} : { onDelta: c.onDelta }),
        });
        c.onCost?.({ usd: 0, tokens: r.tokens, via: `local ${settings.name}` });
        if (r.stopReason === 'maxTokens') {
          return { problem: `the plan was cut off at max_tokens = ${settings.maxTokens} before it was complete (raise [models.${this.name}] max_tokens)` };
        }
        return { text: r.text };
      },
    });
  }

  /**
   * The full prompt when it and the longest plan fit in the model's context, else the brief
   * one. Tokens are estimated at 2 characters each: small models' vocabularies split text finely.
   */
  private promptDetail(tools: ReturnType<ToolRegistry['describe']>, maxTokens: number): 'full' | 'brief' {
    const context = this.runtime.status().models.find((m) => m.key === this.name)?.contextSize ?? this.runtime.settings(this.name)?.contextSize ?? 8192;
    return planSystemPrompt(tools, 'full').length / 2 + maxTokens + 256 <= context ? 'full' : 'brief';
  }
}
