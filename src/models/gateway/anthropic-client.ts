// Anthropic Messages API: the plan is a forced tool_use whose input_schema is the plan's
// schema; its input streams as input_json_delta events, forwarded as they come.
import Anthropic from '@anthropic-ai/sdk';
import type { Secret } from '../../config/secrets.js';
import { PLAN_TOOL, toProviderError, type PlanCall, type PlanReply, type ProviderClient } from './provider-client.js';
import type { ProviderSettings } from './provider-settings.js';

export class AnthropicClient implements ProviderClient {
  private readonly client: Anthropic;

  constructor(private readonly settings: ProviderSettings, key: Secret, private readonly scrub: (text: string) => string) {
    // Everything explicit: no ANTHROPIC_* variable, profile or config file may redirect the key.
    this.client = new Anthropic({
      apiKey: key.reveal(), authToken: null, baseURL: settings.baseURL ?? 'https://api.anthropic.com',
      // Retries, backoff and fallback are the gateway's, which sees budget and rate limits.
      maxRetries: 0, timeout: settings.timeoutMs, logLevel: 'off',
    });
  }

  async plan(call: PlanCall): Promise<PlanReply> {
    try {
      const stream = await this.client.messages.create({
        model: this.settings.model,
        max_tokens: call.maxTokens,
        ...(call.temperature === null ? {} : { temperature: call.temperature }),
        system: call.system,
        messages: [{ role: 'user', content: call.user }],
        tools: [{ name: PLAN_TOOL.name, description: PLAN_TOOL.description, input_schema: call.schema as Anthropic.Tool.InputSchema }],
        tool_choice: { type: 'tool', name: PLAN_TOOL.name },
        stream: true,
      }, call.signal === undefined ? {} : { signal: call.signal });
      let json = '';
      let inputTokens = 0;
      let outputTokens = 0;
      let model = this.settings.model;
      let complete = false;
      let sawTool = false;
      for await (const ev of stream) {
        switch (ev.type) {
          case 'message_start':
            model = ev.message.model;
            inputTokens = ev.message.usage.input_tokens + (ev.message.usage.cache_read_input_tokens ?? 0) + (ev.message.usage.cache_creation_input_tokens ?? 0);
            outputTokens = ev.message.usage.output_tokens;
            break;
          case 'content_block_start':
            if (ev.content_block.type === 'tool_use' && ev.content_block.name === PLAN_TOOL.name) sawTool = true;
            break;
          case 'content_block_delta':
            if (ev.delta.type === 'input_json_delta' && sawTool) {
              json += ev.delta.partial_json;
              if (ev.delta.partial_json !== '') call.onDelta?.(ev.delta.partial_json);
            }
            break;
          case 'message_delta':
            outputTokens = ev.usage.output_tokens;
            break;
          case 'message_stop':
            complete = true;
            break;
          default:
            break;
        }
      }
      return { json, complete, inputTokens, outputTokens, model };
    } catch (err) {
      throw toProviderError(err, this.scrub, call.signal);
    }
  }
}
