// OpenAI Chat Completions, and any server that speaks it (llama-server, vLLM, Ollama): the
// plan is a forced function call, or, for servers without tool calls, a json_schema
// response format. Arguments or content stream as deltas, forwarded as they come.
import OpenAI from 'openai';
import type { Secret } from '../../config/secrets.js';
import { PLAN_TOOL, toProviderError, type PlanCall, type PlanReply, type ProviderClient } from './provider-client.js';
import type { ProviderSettings } from './provider-settings.js';

export class OpenAiClient implements ProviderClient {
  private readonly client: OpenAI;

  constructor(private readonly settings: ProviderSettings, key: Secret | null, private readonly scrub: (text: string) => string) {
    // Everything explicit: no OPENAI_* variable may redirect the key, organisation or host.
    this.client = new OpenAI({
      // A local server usually needs no key, but the SDK wants a string.
      apiKey: key?.reveal() ?? 'no-key', adminAPIKey: null, organization: null, project: null, webhookSecret: null,
      baseURL: settings.baseURL ?? 'https://api.openai.com/v1',
      maxRetries: 0, timeout: settings.timeoutMs, logLevel: 'off',
    });
  }

  async plan(call: PlanCall): Promise<PlanReply> {
    const { kind, output } = this.settings;
    const body: OpenAI.ChatCompletionCreateParamsStreaming = {
      model: this.settings.model,
      messages: [{ role: 'system', content: call.system }, { role: 'user', content: call.user }],
      stream: true,
      stream_options: { include_usage: true },
      // OpenAI's newer models refuse max_tokens; most compatible servers know only max_tokens.
      ...(kind === 'openai' ? { max_completion_tokens: call.maxTokens } : { max_tokens: call.maxTokens }),
      ...(call.temperature === null ? {} : { temperature: call.temperature }),
      ...(output === 'tools'
        ? {
          tools: [{ type: 'function' as const, function: { name: PLAN_TOOL.name, description: PLAN_TOOL.description, parameters: call.schema } }],
          tool_choice: { type: 'function' as const, function: { name: PLAN_TOOL.name } },
        }
        : { response_format: { type: 'json_schema' as const, json_schema: { name: 'plan', schema: call.schema, strict: false } } }),
    };
    try {
      const stream = await this.client.chat.completions.create(body, call.signal === undefined ? {} : { signal: call.signal });
      let json = '';
      let inputTokens = 0;
      let outputTokens = 0;
      let model = this.settings.model;
      let finished = false;
      for await (const chunk of stream) {
        if (chunk.model) model = chunk.model;
        if (chunk.usage) {
          inputTokens = chunk.usage.prompt_tokens;
          outputTokens = chunk.usage.completion_tokens;
        }
        const choice = chunk.choices[0];
        if (choice === undefined) continue;
        const text = output === 'tools'
          ? (choice.delta.tool_calls ?? []).filter((t) => t.index === 0).map((t) => t.function?.arguments ?? '').join('')
          : choice.delta.content ?? '';
        if (text !== '') {
          json += text;
          call.onDelta?.(text);
        }
        if (choice.finish_reason !== null && choice.finish_reason !== undefined) finished = choice.finish_reason !== 'length';
      }
      return { json, complete: finished, inputTokens, outputTokens, model };
    } catch (err) {
      throw toProviderError(err, this.scrub, call.signal);
    }
  }
}
