// Anthropic Messages API: the plan is a forced tool_use whose input_schema is the plan's
// schema; its input streams as input_json_delta events, forwarded as they come.
import Anthropic from '@anthropic-ai/sdk';
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

export class AnthropicClient implements ProviderClient {
  private readonly client: Anthropic;

  constructor(
    private readonly settings: ProviderSettings,
    key: Secret,
    private readonly scrub: (text: string) => string,
  ) {
    // Everything explicit: no ANTHROPIC_* variable, profile or config file may redirect the key.
    this.client = new Anthropic({
      apiKey: key.reveal(),
      authToken: null,
      baseURL: settings.baseURL ?? 'https://api.anthropic.com',
      // Retries, backoff and fallback are the gateway's, which sees budget and rate limits.
      maxRetries: 0,
      timeout: settings.timeoutMs,
      logLevel: 'off',
    });
  }

  async plan(call: PlanCall): Promise<PlanReply> {
    const answer = call.tool ?? PLAN_TOOL;
    try {
      const stream = await this.client.messages.create(
        {
          model: this.settings.model,
          max_tokens: call.maxTokens,
          ...(call.temperature === null ? {} : { temperature: call.temperature }),
          // The stable prefix (the tools, then this system prompt) is cached; the goal comes after it.
          system: [{ type: 'text', text: call.system, cache_control: { type: 'ephemeral' } }],
          messages: [{ role: 'user', content: call.user }, ...factMessages(call.facts)],
          tools: [
            ...(call.facts?.tools ?? []).map((t) => ({
              name: wireToolName(t.name),
              description: t.description,
              input_schema: t.inputSchema as Anthropic.Tool.InputSchema,
            })),
            {
              name: answer.name,
              description: answer.description,
              input_schema: call.schema as Anthropic.Tool.InputSchema,
            },
          ],
          // While gathering facts the model picks a tool (a fact or the plan); after that, the plan.
          tool_choice:
            call.facts !== undefined && !call.facts.final ? { type: 'any' } : { type: 'tool', name: answer.name },
          stream: true,
        },
        call.signal === undefined ? {} : { signal: call.signal },
      );
      let json = '';
      let inputTokens = 0;
      let cacheReadTokens = 0;
      let cacheWriteTokens = 0;
      let outputTokens = 0;
      let model = this.settings.model;
      let complete = false;
      let sawTool = false;
      let factCall: { id: string; name: string } | undefined;
      // Only the first tool_use block counts: the plan, or one fact call.
      let block = -1;
      for await (const ev of stream) {
        switch (ev.type) {
          case 'message_start':
            model = ev.message.model;
            cacheReadTokens = ev.message.usage.cache_read_input_tokens ?? 0;
            cacheWriteTokens = ev.message.usage.cache_creation_input_tokens ?? 0;
            inputTokens = ev.message.usage.input_tokens + cacheReadTokens + cacheWriteTokens;
            outputTokens = ev.message.usage.output_tokens;
            break;
          case 'content_block_start':
            if (ev.content_block.type === 'tool_use' && !sawTool && factCall === undefined) {
              if (ev.content_block.name === answer.name) sawTool = true;
              else if (call.facts !== undefined)
                factCall = { id: ev.content_block.id, name: toolNameFromWire(ev.content_block.name) };
              if (sawTool || factCall !== undefined) block = ev.index;
            }
            break;
          case 'content_block_delta':
            if (ev.delta.type === 'input_json_delta' && ev.index === block) {
              json += ev.delta.partial_json;
              if (ev.delta.partial_json !== '' && sawTool) call.onDelta?.(ev.delta.partial_json);
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
      return {
        json,
        complete,
        inputTokens,
        cacheReadTokens,
        cacheWriteTokens,
        outputTokens,
        model,
        ...(factCall === undefined || sawTool ? {} : { factCall }),
      };
    } catch (err) {
      throw toProviderError(err, this.scrub, call.signal);
    }
  }
}

/** The fact calls so far, as the conversation the model had: its tool_use, our tool_result. */
function factMessages(facts: FactRound | undefined): Anthropic.MessageParam[] {
  return (facts?.turns ?? []).flatMap((t): Anthropic.MessageParam[] => [
    { role: 'assistant', content: [{ type: 'tool_use', id: t.id, name: wireToolName(t.name), input: t.input }] },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: t.id, content: t.result, ...(t.refused ? { is_error: true } : {}) },
      ],
    },
  ]);
}
