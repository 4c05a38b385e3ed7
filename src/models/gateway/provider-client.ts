// One provider's API, reduced to what the gateway needs: ask for a plan in a JSON Schema,
// stream its text, and report real token usage. Each SDK's errors become ProviderErrors.
import type { JsonSchema } from '../plan-schema.js';
import { kindForStatus, ProviderError, retryAfterMs } from './provider-error.js';

export interface PlanCall {
  system: string;
  user: string;
  schema: JsonSchema;
  maxTokens: number;
  temperature: number | null;
  signal?: AbortSignal;
  /** Partial JSON of the plan as it streams in. */
  onDelta?: (text: string) => void;
  /** Read-only tools the model may call for facts before it plans, and the calls so far. */
  facts?: FactRound;
  /** The tool whose input is the answer (submit_plan when absent; submit_diagnosis for the analyse task). */
  tool?: AnswerTool;
}

export interface AnswerTool {
  name: string;
  description: string;
}

/** A read-only tool offered to the model while it gathers facts. */
export interface FactTool {
  name: string;
  description: string;
  inputSchema: JsonSchema;
}

/** One fact call the model made and what it was answered. */
export interface FactTurn {
  id: string;
  name: string;
  input: unknown;
  result: string;
  refused: boolean;
}

export interface FactRound {
  tools: FactTool[];
  turns: FactTurn[];
  /** The bound is reached: the model must now submit its plan. */
  final: boolean;
}

/** The answer as it came: the gateway counts its tokens (billed even when cut short), then parses it. */
export interface PlanReply {
  json: string;
  /** The stream reached its end (message_stop, [DONE]); false when it was cut short. */
  complete: boolean;
  /** Every input token, cached or not. */
  inputTokens: number;
  /** Of those, read from the provider's prompt cache (billed at its cache-read rate). */
  cacheReadTokens: number;
  /** Of those, written to the provider's prompt cache (Anthropic bills these above the input rate). */
  cacheWriteTokens: number;
  outputTokens: number;
  /** The model that answered, as the provider names it. */
  model: string;
  /** The model asked for a fact instead of submitting its plan (`json` is that call's input). */
  factCall?: { id: string; name: string };
}

export interface ProviderClient {
  plan(call: PlanCall): Promise<PlanReply>;
}

export const PLAN_TOOL: AnswerTool = {
  name: 'submit_plan',
  description:
    "Submit the plan for the operator's goal: the steps in order, each one tool call. Nothing runs until the operator approves.",
};

/**
 * Both APIs take tool names of letters, digits, `_` and `-` only; ours have dots (`fs.read`),
 * so they go out as `fs__read` and come back through `toolNameFromWire`. No tool name holds `__`.
 */
export const wireToolName = (name: string): string => name.replaceAll('.', '__');
export const toolNameFromWire = (name: string): string => name.replaceAll('__', '.');

/** The shape both SDKs give their HTTP errors (status and headers), without importing either. */
interface SdkApiError {
  status?: number | undefined;
  headers?: { get(name: string): string | null } | undefined;
  message: string;
  name: string;
}

/**
 * Maps an SDK error by its cause. `scrub` removes keys from any text that is kept (an SDK
 * message can quote a response body that echoes a header).
 */
export function toProviderError(err: unknown, scrub: (text: string) => string, signal?: AbortSignal): unknown {
  if (signal?.aborted === true) return signal.reason;
  if (err instanceof ProviderError) return err;
  const e = err as SdkApiError;
  const message = scrub(err instanceof Error ? err.message : String(err));
  if (e.name === 'APIUserAbortError' || e.name === 'AbortError') return err;
  if (e.name === 'APIConnectionTimeoutError')
    return new ProviderError('timeout', 'no answer in time', null, null, { cause: err });
  if (e.name === 'APIConnectionError')
    return new ProviderError('timeout', `cannot connect (${message})`, null, null, { cause: err });
  if (typeof e.status === 'number') {
    return new ProviderError(
      kindForStatus(e.status),
      `HTTP ${e.status}: ${message.slice(0, 500)}`,
      e.status,
      retryAfterMs(e.headers),
      { cause: err },
    );
  }
  if (err instanceof SyntaxError)
    return new ProviderError('bad_response', `malformed response (${message})`, null, null, { cause: err });
  return new ProviderError('bad_response', message.slice(0, 500), null, null, { cause: err });
}

/** The plan's JSON once the stream has ended: it must be whole. */
export function parsePlanJson(text: string, complete: boolean, tool: AnswerTool = PLAN_TOOL): unknown {
  if (!complete) throw new ProviderError('bad_response', 'the response stream ended before the plan was complete');
  if (text.trim() === '')
    throw new ProviderError('bad_response', `the answer held no plan (no ${tool.name} call or JSON content)`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ProviderError('bad_response', `the plan is not valid JSON (${(err as Error).message})`);
  }
}
