// OpenAI Chat Completions, and any server that speaks it (llama-server, vLLM, Ollama): the
// plan is a forced function call, or, for servers without tool calls, a json_schema
// response format. Arguments or content stream as deltas, forwarded as they come. While the
// model gathers facts, the read-only tools are offered as function tools beside the plan.
import OpenAI from 'openai';
import type { Secret } from '../../config/secrets.js';
import {
  PLAN_TOOL,
  toolNameFromWire,
  toProviderError,
  wireToolName,
  type FactRound,
  type PlanCall,
  type PlanReply,
  type ProviderClient,
} from './provider-client.js';
import type { ProviderSettings } from './provider-settings.js';

export class OpenAiClient implements ProviderClient {
  private readonly client: OpenAI;

  constructor(
    private readonly settings: ProviderSettings,
    key: Secret | null,
    private readonly scrub: (text: string) => string,
  ) {
    // Everything explicit: no OPENAI_* variable may redirect the key, organisation or host.
    this.client = new OpenAI({
      // A local server usually needs no key, but the SDK wants a string.
      apiKey: key?.reveal() ?? 'no-key',
      adminAPIKey: null,
      organization: null,
      project: null,
      webhookSecret: null,
      baseURL: settings.baseURL ?? 'https://api.openai.com/v1',
      maxRetries: 0,
      timeout: settings.timeoutMs,
      logLevel: 'off',
    });
  }

  async plan(call: PlanCall): Promise<PlanReply> {
    const { kind } = this.settings;
    const answer = call.tool ?? PLAN_TOOL;
    const body: OpenAI.ChatCompletionCreateParamsStreaming = {
      model: this.settings.model,
      messages: [
        { role: 'system', content: call.system },
        { role: 'user', content: call.user },
        ...factMessages(call.facts),
      ],
      stream: true,
      stream_options: { include_usage: true },
      // OpenAI's newer models refuse max_tokens; most compatible servers know only max_tokens.
      ...(kind === 'openai' ? { max_completion_tokens: call.maxTokens } : { max_tokens: call.maxTokens }),
      ...(call.temperature === null ? {} : { temperature: call.temperature }),
      ...this.planOutput(call),
    };
    try {
      const stream = await this.client.chat.completions.create(
        body,
        call.signal === undefined ? {} : { signal: call.signal },
      );
      let content = '';
      let args = '';
      // Only the first tool call counts (index 0): the plan, or one fact call (a server may leave out its id).
      let toolId = '';
      let toolName = '';
      let inputTokens = 0;
      let cacheReadTokens = 0;
      let outputTokens = 0;
      let model = this.settings.model;
      let finished = false;
      for await (const chunk of stream) {
        if (chunk.model) model = chunk.model;
        if (chunk.usage) {
          inputTokens = chunk.usage.prompt_tokens;
          // OpenAI caches a repeated prefix by itself; the request keeps ours byte-identical.
          cacheReadTokens = chunk.usage.prompt_tokens_details?.cached_tokens ?? 0;
          outputTokens = chunk.usage.completion_tokens;
        }
        const choice = chunk.choices[0];
        if (choice === undefined) continue;
        for (const t of choice.delta.tool_calls ?? []) {
          if (t.index !== 0) continue;
          if (t.id) toolId = t.id;
          if (t.function?.name) toolName = t.function.name;
          const text = t.function?.arguments ?? '';
          args += text;
          // A fact call's arguments are not the plan: only the plan streams to the screen.
          if (text !== '' && toolName === answer.name) call.onDelta?.(text);
        }
        const text = choice.delta.content ?? '';
        if (text !== '' && this.settings.output === 'json_schema') {
          content += text;
          call.onDelta?.(text);
        }
        if (choice.finish_reason !== null && choice.finish_reason !== undefined)
          finished = choice.finish_reason !== 'length';
      }
      const asked = call.facts !== undefined && toolName !== '' && toolName !== answer.name;
      const json = asked || this.settings.output === 'tools' ? args : content;
      return {
        json,
        complete: finished,
        inputTokens,
        cacheReadTokens,
        cacheWriteTokens: 0,
        outputTokens,
        model,
        ...(asked
          ? {
              factCall: {
                id: toolId || `call_${(call.facts?.turns.length ?? 0) + 1}`,
                name: toolNameFromWire(toolName),
              },
            }
          : {}),
      };
    } catch (err) {
      throw toProviderError(err, this.scrub, call.signal);
    }
  }

  /**
   * How the plan is asked for: a forced submit_plan call, or a json_schema response format.
   * While facts may be gathered the model chooses between a read-only tool and the plan; at
   * the bound it must give the plan (the tools stay listed: the conversation names them).
   */
  private planOutput(call: PlanCall): Partial<OpenAI.ChatCompletionCreateParamsStreaming> {
    const facts = call.facts;
    const answer = call.tool ?? PLAN_TOOL;
    const gathering = facts !== undefined && !facts.final;
    const factTools: OpenAI.ChatCompletionTool[] = (facts?.tools ?? []).map((t) => ({
      type: 'function',
      function: { name: wireToolName(t.name), description: t.description, parameters: t.inputSchema },
    }));
    // One call a turn: the loop answers one fact at a time, and counts them against the bound.
    const oneAtATime = factTools.length > 0 && this.settings.kind === 'openai' ? { parallel_tool_calls: false } : {};
    if (this.settings.output === 'tools') {
      return {
        tools: [
          ...factTools,
          {
            type: 'function',
            function: { name: answer.name, description: answer.description, parameters: call.schema },
          },
        ],
        tool_choice: gathering ? 'required' : { type: 'function', function: { name: answer.name } },
        ...oneAtATime,
      };
    }
    return {
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: answer === PLAN_TOOL ? 'plan' : answer.name.replace(/^submit_/, ''),
          schema: call.schema,
          strict: false,
        },
      },
      ...(factTools.length === 0 ? {} : { tools: factTools, tool_choice: gathering ? 'auto' : 'none', ...oneAtATime }),
    };
  }
}

/** The fact calls so far, as the conversation the model had: its tool call, our `tool` answer. */
function factMessages(facts: FactRound | undefined): OpenAI.ChatCompletionMessageParam[] {
  return (facts?.turns ?? []).flatMap((t): OpenAI.ChatCompletionMessageParam[] => [
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          id: t.id,
          type: 'function',
          function: { name: wireToolName(t.name), arguments: JSON.stringify(t.input ?? {}) },
        },
      ],
    },
    // Chat Completions has no error flag on a tool's answer: a refusal says so in its text ("refused: ...").
    { role: 'tool', tool_call_id: t.id, content: t.result },
  ]);
}
