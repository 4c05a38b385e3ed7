// Facts before a local plan, in two phases under grammars. First the model writes which
// read-only tools it wants called, {"facts": [{"tool", "args"}]} with at most
// FACT_LIMITS.rounds entries, or none: the grammar holds only the read-only tools' names, so it
// cannot ask for one that changes the node (and the FactGatherer would refuse it anyway). The
// calls go through the same FactSession as the cloud's loop: the same refusals, audit, decision
// log and bounds. Then the plan is asked for with the answers in its prompt.
import type { FactSource } from '../agents/facts/fact-gatherer.js';
import { FACT_LIMITS, FactSession } from './fact-loop.js';
import type { FactTurn } from './gateway/provider-client.js';
import { Priority } from './local/inference-queue.js';
import type { LocalRuntime } from './local/local-runtime.js';
import type { ModelKey, ModelSettings } from './local/model-settings.js';
import type { PlanContext } from './model-planner.js';
import { factsSystemPrompt, planUserPrompt } from './plan-prompt.js';
import { dropOptionalNulls, factsGrammarSchema, type JsonSchema } from './plan-schema.js';

/** Below this many bytes of room in the plan's prompt, facts are not worth asking for. */
export const MIN_LOCAL_FACT_ROOM = 256;

export async function gatherLocalFacts(opts: {
  runtime: LocalRuntime;
  key: ModelKey;
  settings: ModelSettings;
  source: FactSource;
  goal: string;
  home: string;
  ctx: PlanContext;
  /** Bytes of answers the plan's prompt has room for. */
  roomBytes: number;
}): Promise<readonly FactTurn[]> {
  const { runtime, settings, source, ctx } = opts;
  const tools = source.tools();
  if (tools.length === 0) return [];
  // Strings short enough that four calls end well within max_tokens.
  const jsonSchema = factsGrammarSchema(tools, {
    maxFacts: FACT_LIMITS.rounds,
    boundStrings: Math.max(64, Math.floor(settings.maxTokens / 8)),
  });
  const r = await runtime.generate(
    opts.key,
    {
      input: { system: factsSystemPrompt(tools, FACT_LIMITS.rounds), user: planUserPrompt(opts.goal, opts.home) },
      maxTokens: settings.maxTokens,
      temperature: settings.temperature,
      jsonSchema,
      seed: 1,
    },
    { priority: Priority.interactive, ...(ctx.signal === undefined ? {} : { signal: ctx.signal }) },
  );
  ctx.onCost?.({ usd: 0, tokens: r.tokens, via: `local ${settings.name}` });
  // Cut off before the list ended: no facts rather than a guess at the last one.
  if (r.stopReason === 'maxTokens') return [];
  return answerAskedFacts(source, r.text, {
    goalId: ctx.goalId,
    roomBytes: opts.roomBytes,
    ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
  });
}

/**
 * Makes the calls the model's first phase asked for, in order, through the source (which
 * refuses and audits), within the fact bounds; text that is not a whole list asks for nothing
 * (a small model can stop halfway, at the grammar's run of newlines).
 */
export async function answerAskedFacts(
  source: FactSource,
  text: string,
  opts: { goalId: string | null; roomBytes: number; signal?: AbortSignal },
): Promise<readonly FactTurn[]> {
  const room = Math.min(FACT_LIMITS.bytes, opts.roomBytes);
  const session = new FactSession(source, {
    ...FACT_LIMITS,
    bytes: room,
    perCallBytes: Math.min(FACT_LIMITS.perCallBytes, room),
  });
  const schemas = new Map<string, JsonSchema>(source.tools().map((t) => [t.name, t.inputSchema]));
  for (const [i, f] of parseAsked(text).entries()) {
    if (session.spent) break;
    // The grammar wrote every key: an optional argument left out is a null, dropped again here.
    await session.answer(
      opts.goalId,
      { id: `local-${i + 1}`, name: f.tool, input: dropOptionalNulls(f.args, schemas.get(f.tool) ?? {}) },
      opts.signal,
    );
  }
  return session.answered;
}

/** What the fact calls answered, as a section of the plan's user prompt ('' for none). */
export function factsPromptSection(turns: readonly FactTurn[]): string {
  if (turns.length === 0) return '';
  return [
    'Facts gathered with read-only tools before this plan:',
    ...turns.map((t) => `- ${t.name} ${JSON.stringify(t.input)}${t.refused ? ' (refused)' : ''}:\n${t.result}`),
  ].join('\n');
}

function parseAsked(text: string): { tool: string; args: unknown }[] {
  try {
    const value = JSON.parse(text) as { facts?: unknown };
    return Array.isArray(value.facts) ? (value.facts as { tool: string; args: unknown }[]) : [];
  } catch {
    return [];
  }
}
