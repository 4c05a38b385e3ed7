// A local fake of Anthropic's Messages API and OpenAI's Chat Completions API on 127.0.0.1,
// scripted per request: streamed plans (SSE), errors with Retry-After, 5xx, 529, streams cut
// short, malformed JSON, hangs. The real SDKs talk to it through their baseURL.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export type Script =
  | { kind: 'plan'; plan: unknown; usage?: { input: number; output: number }; chunks?: number; delayMs?: number }
  | { kind: 'status'; status: number; headers?: Record<string, string>; message?: string }
  /** The plan streams, then the connection closes before the end of the message. */
  | { kind: 'truncated'; plan: unknown }
  /** A complete stream whose plan text is not JSON. */
  | { kind: 'malformed' }
  /** 401 whose error text quotes the key the request carried, as a careless proxy might. */
  | { kind: 'echo-key' }
  /** Accepts the request and never answers. */
  | { kind: 'hang' }
  /** The model calls another tool than submit_plan (a fact call), with this input. */
  | { kind: 'tool'; name: string; input: unknown };

export interface SeenRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  at: number;
}

export type FakeApi = 'anthropic' | 'openai';

/** Token counts as the fake reports them; the cache fields only when its prompt cache is on. */
interface Usage {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

export class FakeProvider {
  readonly requests: SeenRequest[] = [];
  private readonly queue: Script[] = [];
  fallback: Script | null = null;
  /** Responses the client closed before they ended (an aborted call). */
  abandoned = 0;
  private readonly open = new Set<ServerResponse>();
  /**
   * When on, a plan script without its own usage is billed from the request itself (4 bytes a
   * token) and a prompt cache is modelled as the real APIs keep one: Anthropic caches the prefix up
   * to the last cache_control mark (tools, then system) and reports it as written, then read;
   * OpenAI caches a repeated prefix of 1,024 tokens or more by itself, in 128-token steps.
   */
  promptCache = false;
  /** Bills a plan script without its own usage from the request (4 bytes a token), with no cache. */
  measureUsage = false;
  /** A model of time to first token: this many ms for each input token not read from the cache. */
  firstTokenMsPerUncachedToken = 0;
  private readonly cachedPrefixes = new Set<string>();

  private constructor(
    readonly api: FakeApi,
    private readonly server: Server,
    private readonly port: number,
  ) {}

  static async start(api: FakeApi): Promise<FakeProvider> {
    const handlers: ((req: IncomingMessage, res: ServerResponse) => void)[] = [];
    const server = createServer((req, res) => handlers[0]?.(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fake = new FakeProvider(api, server, (server.address() as AddressInfo).port);
    handlers.push((req, res) => fake.handle(req, res));
    return fake;
  }

  /** What the SDK's baseURL must be. */
  get baseURL(): string {
    return this.api === 'anthropic' ? `http://127.0.0.1:${this.port}` : `http://127.0.0.1:${this.port}/v1`;
  }

  push(...scripts: Script[]): this {
    this.queue.push(...scripts);
    return this;
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let raw = '';
    req.on('data', (d: Buffer) => {
      raw += d.toString();
    });
    req.on('end', () => {
      const body = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
      this.requests.push({ path: req.url ?? '', headers: req.headers, body, at: Date.now() });
      // As both real APIs do: a tool name outside [a-zA-Z0-9_-] is a 400 before any model runs.
      const badName = toolNames(body).find((n) => !/^[a-zA-Z0-9_-]{1,64}$/.test(n));
      if (badName !== undefined) {
        this.error(res, 400, `tools: name "${badName}" does not match ^[a-zA-Z0-9_-]{1,64}$`);
        return;
      }
      const script = this.queue.shift() ?? this.fallback;
      if (script === null) {
        this.error(res, 500, 'the fake has no script for this request');
        return;
      }
      this.open.add(res);
      res.on('close', () => {
        this.open.delete(res);
        if (!res.writableEnded) this.abandoned++;
      });
      this.respond(script, req, res, body);
    });
  }

  private respond(script: Script, req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): void {
    switch (script.kind) {
      case 'status':
        this.error(res, script.status, script.message ?? `fake ${script.status}`, script.headers);
        return;
      case 'echo-key': {
        const key = String(req.headers['x-api-key'] ?? req.headers['authorization'] ?? '');
        this.error(res, 401, `invalid api key: ${key}`);
        return;
      }
      case 'hang':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.flushHeaders();
        return;
      case 'malformed':
        this.stream(
          res,
          body,
          '{"explanation": "half a plan", "steps": [',
          { input: 10, output: 5 },
          2,
          true,
          0,
          forcedTool(body),
        );
        return;
      case 'truncated':
        this.stream(res, body, JSON.stringify(script.plan), { input: 10, output: 5 }, 3, false, 0);
        return;
      case 'plan':
        this.stream(
          res,
          body,
          JSON.stringify(script.plan),
          script.usage ?? (this.promptCache || this.measureUsage ? this.measured(body) : { input: 1000, output: 200 }),
          script.chunks ?? 4,
          true,
          script.delayMs ?? 0,
          forcedTool(body),
        );
        return;
      case 'tool':
        this.stream(res, body, JSON.stringify(script.input), { input: 500, output: 50 }, 2, true, 0, script.name);
        return;
    }
  }

  private measured(body: Record<string, unknown>): Usage {
    const tokens = (v: unknown): number => Math.ceil(JSON.stringify(v ?? null).length / 4);
    const input = tokens(body['tools']) + tokens(body['system']) + tokens(body['messages']);
    if (!this.promptCache) return { input, output: 200, cacheRead: 0, cacheWrite: 0 };
    let prefix: unknown[];
    if (this.api === 'anthropic') {
      const system = Array.isArray(body['system']) ? (body['system'] as { cache_control?: unknown }[]) : [];
      const mark = system.map((b) => b.cache_control !== undefined).lastIndexOf(true);
      prefix = mark < 0 ? [] : [body['tools'], system.slice(0, mark + 1)];
    } else {
      const messages = Array.isArray(body['messages']) ? (body['messages'] as unknown[]) : [];
      prefix = [body['tools'], messages[0]];
    }
    const prefixTokens = prefix.length === 0 ? 0 : tokens(prefix);
    const hash = createHash('sha256').update(JSON.stringify(prefix)).digest('hex');
    const seen = this.cachedPrefixes.has(hash);
    if (this.api === 'openai') {
      const cached = seen && prefixTokens >= 1024 ? Math.floor(prefixTokens / 128) * 128 : 0;
      if (prefixTokens >= 1024) this.cachedPrefixes.add(hash);
      return { input, output: 200, cacheRead: cached };
    }
    if (prefixTokens === 0) return { input, output: 200, cacheRead: 0, cacheWrite: 0 };
    this.cachedPrefixes.add(hash);
    // Anthropic's input_tokens counts only what was neither read from nor written to the cache.
    return seen
      ? { input: input - prefixTokens, output: 200, cacheRead: prefixTokens, cacheWrite: 0 }
      : { input: input - prefixTokens, output: 200, cacheRead: 0, cacheWrite: prefixTokens };
  }

  private error(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
    const payload =
      this.api === 'anthropic'
        ? {
            type: 'error',
            error: {
              type: status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : 'api_error',
              message,
            },
          }
        : { error: { message, type: 'server_error', code: String(status) } };
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(payload));
  }

  private stream(
    res: ServerResponse,
    body: Record<string, unknown>,
    json: string,
    usage: Usage,
    chunks: number,
    complete: boolean,
    delayMs: number,
    tool = 'submit_plan',
  ): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const size = Math.max(1, Math.ceil(json.length / chunks));
    const parts: string[] = [];
    for (let i = 0; i < json.length; i += size) parts.push(json.slice(i, i + size));
    const frames =
      this.api === 'anthropic'
        ? anthropicFrames(body, parts, usage, complete, tool)
        : openAiFrames(body, parts, usage, complete, tool);
    const write = (i: number): void => {
      if (i >= frames.length) {
        res.end();
        return;
      }
      res.write(frames[i]);
      if (delayMs > 0) setTimeout(() => write(i + 1), delayMs);
      else write(i + 1);
    };
    // Anthropic's input_tokens already leaves out what the cache read or wrote; OpenAI's does not.
    const uncached =
      this.api === 'anthropic' ? usage.input + (usage.cacheWrite ?? 0) : usage.input - (usage.cacheRead ?? 0);
    const firstToken = this.firstTokenMsPerUncachedToken * uncached;
    if (firstToken > 0) setTimeout(() => write(0), firstToken);
    else write(0);
  }
}

/** The tool a request forces (as both real APIs answer with it): submit_plan unless it names another. */
function forcedTool(body: Record<string, unknown>): string {
  const choice = body['tool_choice'] as { name?: string; function?: { name?: string } } | string | undefined;
  const named = typeof choice === 'object' ? (choice.function?.name ?? choice.name) : undefined;
  return named ?? 'submit_plan';
}

/** The tool names a request offers, in either API's shape. */
function toolNames(body: Record<string, unknown>): string[] {
  const tools = Array.isArray(body['tools'])
    ? (body['tools'] as { name?: string; function?: { name?: string } }[])
    : [];
  return tools.map((t) => t.function?.name ?? t.name ?? '');
}

let toolUseIds = 0;
const sse = (event: string | null, data: unknown): string =>
  `${event === null ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`;

function anthropicFrames(
  body: Record<string, unknown>,
  parts: string[],
  usage: Usage,
  complete: boolean,
  tool: string,
): string[] {
  const model = String(body['model'] ?? 'claude-fake');
  const frames = [
    sse('message_start', {
      type: 'message_start',
      message: {
        id: 'msg_fake',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: usage.input,
          output_tokens: 1,
          ...(usage.cacheRead === undefined
            ? {}
            : { cache_read_input_tokens: usage.cacheRead, cache_creation_input_tokens: usage.cacheWrite ?? 0 }),
        },
      },
    }),
    sse('content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'tool_use', id: `toolu_fake_${++toolUseIds}`, name: tool, input: {} },
    }),
    ...parts.map((p) =>
      sse('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'input_json_delta', partial_json: p },
      }),
    ),
  ];
  if (!complete) return frames;
  return [
    ...frames,
    sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sse('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { output_tokens: usage.output },
    }),
    sse('message_stop', { type: 'message_stop' }),
  ];
}

function openAiFrames(
  body: Record<string, unknown>,
  parts: string[],
  usage: Usage,
  complete: boolean,
  tool: string,
): string[] {
  const model = String(body['model'] ?? 'gpt-fake');
  // The plan comes as a submit_plan call when that tool is offered, else as content (json_schema);
  // a fact call is always a tool call.
  const tools = tool !== forcedTool(body) || toolNames(body).includes(tool);
  const chunk = (delta: Record<string, unknown>, finish: string | null): string =>
    sse(null, {
      id: 'chatcmpl-fake',
      object: 'chat.completion.chunk',
      created: 0,
      model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
  const deltas = parts.map((p, i) =>
    tools
      ? chunk(
          {
            ...(i === 0 ? { role: 'assistant' } : {}),
            tool_calls: [
              {
                index: 0,
                ...(i === 0 ? { id: `call_fake_${++toolUseIds}`, type: 'function' } : {}),
                function: { ...(i === 0 ? { name: tool } : {}), arguments: p },
              },
            ],
          },
          null,
        )
      : chunk({ ...(i === 0 ? { role: 'assistant' } : {}), content: p }, null),
  );
  if (!complete) return deltas;
  return [
    ...deltas,
    chunk({}, tools ? 'tool_calls' : 'stop'),
    sse(null, {
      id: 'chatcmpl-fake',
      object: 'chat.completion.chunk',
      created: 0,
      model,
      choices: [],
      usage: {
        prompt_tokens: usage.input,
        completion_tokens: usage.output,
        total_tokens: usage.input + usage.output,
        ...(usage.cacheRead === undefined ? {} : { prompt_tokens_details: { cached_tokens: usage.cacheRead } }),
      },
    }),
    'data: [DONE]\n\n',
  ];
}
