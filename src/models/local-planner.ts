// The local tiers (operational, tactical): a GGUF model in the runtime process, writing
// the plan under a grammar made from the plan's JSON Schema, so its output always parses.
// With `facts = true`, a grammar-bound round of read-only fact calls comes first.
import type { FactSource } from '../agents/facts/fact-gatherer.js';
import type { PlanOutcome, PlanRequest } from '../agents/planner.js';
import type { ToolRegistry } from '../tools/registry.js';
import { factCallsNote } from './fact-loop.js';
import { factsPromptSection, gatherLocalFacts, MIN_LOCAL_FACT_ROOM } from './local-facts.js';
import { Priority } from './local/inference-queue.js';
import type { LocalRuntime } from './local/local-runtime.js';
import type { ModelKey } from './local/model-settings.js';
import type { PreparedInfo } from './local/worker-protocol.js';
import { planWithRetries, type ModelPlanner, type PlanContext } from './model-planner.js';
import { planGrammarSchema } from './plan-schema.js';
import { planSystemPrompt, planUserPrompt } from './plan-prompt.js';

/** The plan prompts' lengths in tokens: the full and brief system prompts, and the goal's user prompt. */
interface PromptSizes {
  full: number;
  brief: number;
  user: number;
}

export class LocalPlanner implements ModelPlanner {
  readonly tier = 'local' as const;

  /** `facts`: read-only tools the model may ask for before it plans, when its settings say so. */
  constructor(
    private readonly runtime: LocalRuntime,
    readonly name: ModelKey,
    private readonly registry: ToolRegistry,
    private readonly facts?: FactSource,
  ) {}

  async plan(request: PlanRequest, ctx: PlanContext): Promise<PlanOutcome> {
    const settings = this.runtime.settings(this.name);
    if (settings === undefined) return { kind: 'not_understood', reason: `no [models.${this.name}] is configured` };
    // The prompt is sized by the model's context, which an on-demand model's file says only once it is
    // loaded: guessed before, the full prompt overflowed a small model's context.
    if (!this.runtime.loaded(this.name)) await this.runtime.loadNow(this.name);
    ctx.signal?.throwIfAborted();
    const tools = this.registry.describe();
    const sizes = await this.promptSizes(tools, request);
    const room = this.factRoom(sizes, settings.maxTokens);
    const withFacts = this.facts !== undefined && settings.facts && room >= MIN_LOCAL_FACT_ROOM;
    // Strings are bounded so that a plan always ends within max_tokens (a token is at least a character or so).
    const jsonSchema = planGrammarSchema(tools, { boundStrings: Math.max(64, Math.floor(settings.maxTokens / 4)) });
    const turns = withFacts
      ? await gatherLocalFacts({
          runtime: this.runtime,
          key: this.name,
          settings,
          source: this.facts,
          goal: request.text,
          home: request.home,
          ctx,
          roomBytes: room,
        })
      : [];
    const facts = factsPromptSection(turns);
    const out = await planWithRetries({
      tier: 'local',
      name: `${this.name} (${settings.name})`,
      registry: this.registry,
      request,
      ctx,
      facts,
      attempts: settings.planAttempts,
      fromGrammar: true,
      promptDetail: this.promptDetail(sizes, settings.maxTokens, facts.length),
      ask: async (prompt, attempt, c) => {
        const r = await this.runtime.generate(
          this.name,
          {
            input: prompt,
            maxTokens: settings.maxTokens,
            temperature: settings.temperature,
            jsonSchema,
            // A different seed per attempt: the same seed would write the same rejected plan again.
            seed: attempt,
          },
          {
            priority: Priority.interactive,
            ...(c.signal === undefined ? {} : { signal: c.signal }),
            ...(c.onDelta === undefined ? {} : { onDelta: c.onDelta }),
          },
        );
        c.onCost?.({ usd: 0, tokens: r.tokens, via: `local ${settings.name}` });
        if (r.stopReason === 'maxTokens') {
          return {
            problem: `the plan was cut off at max_tokens = ${settings.maxTokens} before it was complete (raise [models.${this.name}] max_tokens)`,
          };
        }
        return { text: r.text };
      },
    });
    const note = factCallsNote(turns.length);
    return out.kind === 'plan' && note !== '' ? { ...out, explanation: `${out.explanation} [${note}]` } : out;
  }

  /**
   * Evaluates the plan's system prompt into the loaded model's sequence while nothing waits (after
   * start), so that the first plan evaluates only its own goal. Sent just before a request instead,
   * it saved nothing: building the request takes under a millisecond, and evaluating in two parts
   * cost more than in one (bench/models.ts). Not for a model that is not loaded, nor with facts on
   * (a facts prompt comes first then).
   */
  async warm(): Promise<PreparedInfo | null> {
    const settings = this.runtime.settings(this.name);
    if (settings === undefined || !this.runtime.loaded(this.name) || (this.facts !== undefined && settings.facts))
      return null;
    const tools = this.registry.describe();
    const sizes = await this.promptSizes(tools, null);
    return this.runtime.prepare(this.name, {
      system: planSystemPrompt(tools, this.promptDetail(sizes, settings.maxTokens, 0)),
    });
  }

  /**
   * The prompts' lengths in the loaded model's own tokens (its tokenizer, in the runtime). Only
   * when it is not loaded are they estimated, at 2 characters a token: small models'
   * vocabularies split text finely.
   */
  private async promptSizes(
    tools: ReturnType<ToolRegistry['describe']>,
    request: PlanRequest | null,
  ): Promise<PromptSizes> {
    const texts = [
      planSystemPrompt(tools, 'full'),
      planSystemPrompt(tools, 'brief'),
      request === null ? '' : planUserPrompt(request.text, request.home, [], '', request.revision?.context),
    ];
    const counted = await this.runtime.countTokens(this.name, texts).catch(() => null);
    const [full, brief, user] = counted ?? texts.map((t) => Math.ceil(t.length / 2));
    return { full: full ?? 0, brief: brief ?? 0, user: user ?? 0 };
  }

  /** The full prompt when it and the longest plan fit in the model's context, else the brief one. */
  private promptDetail(sizes: PromptSizes, maxTokens: number, factChars: number): 'full' | 'brief' {
    return sizes.full + sizes.user + factChars + maxTokens + 256 <= this.contextSize() ? 'full' : 'brief';
  }

  /**
   * Bytes of fact answers the plan's prompt has room for beside the brief prompt and the
   * longest plan. Answers (file text, JSON) are counted a token a byte: they split worse than prose.
   */
  private factRoom(sizes: PromptSizes, maxTokens: number): number {
    // Room is also kept for the reasons a retry quotes (a few hundred characters).
    return Math.max(0, Math.floor(this.contextSize() - maxTokens - 256 - sizes.brief - sizes.user - 300));
  }

  private contextSize(): number {
    return (
      this.runtime.status().models.find((m) => m.key === this.name)?.contextSize ??
      this.runtime.settings(this.name)?.contextSize ??
      8192
    );
  }
}
