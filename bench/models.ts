// The intelligence hierarchy's figures, each against a baseline from the same run:
// - our local runtime (a child process; also as a worker thread) against node-llama-cpp called
//   directly in this process, same model, prompt, threads and settings, runs interleaved;
// - how long the daemon's event loop stalls while a model loads and generates, in-process vs ours;
// - the API gateway's added latency over a direct SDK call to the same local fake.
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { getLlama, LlamaChatSession, LlamaCompletion, LlamaLogLevel, type LlamaGrammar } from 'node-llama-cpp';
import { ApiConfig } from '../src/config/models-schema.js';
import { Secret } from '../src/config/secrets.js';
import { openDatabase } from '../src/memory/database.js';
import { ApiGateway } from '../src/models/gateway/api-gateway.js';
import { resolveProviders } from '../src/models/gateway/provider-settings.js';
import { LocalRuntime } from '../src/models/local/local-runtime.js';
import type { ModelSettings } from '../src/models/local/model-settings.js';
import type { Transport } from '../src/models/local/worker-host.js';
import { planGrammarSchema } from '../src/models/plan-schema.js';
import { planSystemPrompt, planUserPrompt } from '../src/models/plan-prompt.js';
import { createBuiltinRegistry } from '../src/tools/builtin-tools.js';
import { FakeProvider } from '../test/models/fakes/fake-provider.js';
import { SMALL_MODEL, writeSyntheticLlama } from './fixtures/synthetic-llama.js';
import { fmt, median, percentile, type Row } from './stats.js';

const PROMPT = 'Once upon a time, there was a little girl named Lily. She';
/** A longer prompt, different in its first words each run so that no evaluated prefix is reused. */
const longPrompt = (i: number): string =>
  `Story ${i}. ${'Tom and his dog went to the park to play with a big red ball. '.repeat(12)}Then`;
const TOKENS = Number(process.env['BENCH_MODEL_TOKENS'] ?? 256);
const RUNS = Number(process.env['BENCH_MODEL_RUNS'] ?? 7);
/** How long everything idles before an "idle" sample. */
const IDLE_MS = 200;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** A plan's first tokens are what is timed; the rest of the plan is the tokens/s figure's business. */
const PLAN_TOKENS = 8;

interface PlanBuild {
  system: string;
  user: string;
  schema: object;
}
/**
 * What the local planner builds between the router's choice and its request: the tools'
 * descriptions, the grammar's schema, the system and user prompts (local-planner.ts). A few file
 * tools keep the system prompt near 500 tokens, within stories260K's context with the plan.
 */
function planBuilder(): (goal: number, onSystem?: (system: string) => void) => PlanBuild {
  const registry = createBuiltinRegistry({ timeoutMs: 5000, outputCapBytes: 65536 });
  return (goal, onSystem) => {
    const tools = registry
      .describe()
      .filter((t) => t.name.startsWith('fs.'))
      .slice(0, 4);
    const system = planSystemPrompt(tools, 'brief');
    onSystem?.(system);
    const schema = planGrammarSchema(tools, { boundStrings: 64 });
    return {
      system,
      user: planUserPrompt(`show me the files of project ${goal}`, '/home/op', [], '', undefined),
      schema,
    };
  };
}

interface Sample {
  tokensPerS: number;
  ttftMs: number;
  /** Ours only: measured inside the runtime, from the request's arrival to the first text. */ innerTtftMs?: number;
}

/**
 * Largest gap between 1 ms ticks while `work` runs: how long the event loop was blocked. The
 * ticks cost CPU of their own, so speed is measured in other runs, without them.
 */
async function loopStall<T>(work: () => Promise<T>, probe = true): Promise<{ value: T; stallMs: number }> {
  if (!probe) return { value: await work(), stallMs: 0 };
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 1);
    last = now;
  }, 1);
  try {
    const value = await work();
    return { value, stallMs: worst };
  } finally {
    clearInterval(timer);
  }
}

async function direct(modelPath: string, threads: number) {
  const began = performance.now();
  const { value: llama, stallMs: startStall } = await loopStall(() =>
    getLlama({ build: 'never', gpu: 'auto', logLevel: LlamaLogLevel.error }),
  );
  const { value: model, stallMs: loadStall } = await loopStall(() => llama.loadModel({ modelPath }));
  const context = await model.createContext({ contextSize: 2048, threads, sequences: 1 });
  const sequence = context.getSequence();
  const grammars = new Map<string, LlamaGrammar>();
  const startMs = performance.now() - began;
  return {
    startMs,
    stallMs: Math.max(startStall, loadStall),
    gpu: llama.gpu,
    async sample(probe = false, prompt = PROMPT, maxTokens = TOKENS): Promise<Sample & { stallMs: number }> {
      const completion = new LlamaCompletion({ contextSequence: sequence, autoDisposeSequence: false });
      const t0 = performance.now();
      let first = -1;
      let tokens = 0;
      const { stallMs } = await loopStall(
        () =>
          completion.generateCompletion(prompt, {
            maxTokens,
            temperature: 0,
            onTextChunk: () => {
              if (first < 0) first = performance.now() - t0;
            },
            onToken: (t) => {
              tokens += t.length;
            },
          }),
        probe,
      );
      const total = performance.now() - t0;
      completion.dispose({ disposeSequence: false });
      return { ttftMs: first, tokensPerS: ((tokens - 1) / (total - first)) * 1000, stallMs };
    },
    /** A plan request as the local planner makes it, timed from the planner's start (see planRequest). */
    async plan(build: () => PlanBuild): Promise<number> {
      const t0 = performance.now();
      const b = build();
      const key = JSON.stringify(b.schema);
      let grammar = grammars.get(key);
      if (grammar === undefined) {
        grammar = await llama.createGrammarForJsonSchema(
          b.schema as Parameters<typeof llama.createGrammarForJsonSchema>[0],
        );
        grammars.set(key, grammar);
      }
      const session = new LlamaChatSession({
        contextSequence: sequence,
        systemPrompt: b.system,
        autoDisposeSequence: false,
      });
      let first = -1;
      await session.prompt(b.user, {
        maxTokens: PLAN_TOKENS,
        temperature: 0,
        grammar,
        onTextChunk: () => {
          if (first < 0) first = performance.now() - t0;
        },
      });
      session.dispose({ disposeSequence: false });
      return first;
    },
    tokens: (text: string): number => model.tokenize(text).length,
    dispose: () => llama.dispose(),
  };
}

async function ours(root: string, modelPath: string, threads: number, transport: Transport) {
  const settings: ModelSettings = {
    key: 'operational',
    name: 'bench',
    path: modelPath,
    sha256: null,
    alwaysLoaded: true,
    unloadAfterIdleMs: 0,
    maxTokens: TOKENS,
    temperature: 0,
    threads,
    contextSize: 2048,
    planAttempts: 1,
    facts: false,
  };
  const rt = new LocalRuntime({
    settings: { gpu: 'auto', models: [settings], problems: [] },
    workerScript: join(root, 'dist', 'model-worker.js'),
    transport,
  });
  const began = performance.now();
  const { stallMs } = await loopStall(() => rt.start());
  const startMs = performance.now() - began;
  return {
    startMs,
    stallMs,
    rt,
    async sample(probe = false, prompt = PROMPT, maxTokens = TOKENS): Promise<Sample & { stallMs: number }> {
      const t0 = performance.now();
      let first = -1;
      const { value: r, stallMs: s } = await loopStall(
        () =>
          rt.generate(
            'operational',
            { input: { prompt }, maxTokens, temperature: 0 },
            {
              onDelta: () => {
                if (first < 0) first = performance.now() - t0;
              },
            },
          ),
        probe,
      );
      const total = performance.now() - t0;
      return {
        ttftMs: first,
        innerTtftMs: r.ttftMs,
        tokensPerS: ((r.tokens - 1) / (total - first)) * 1000,
        stallMs: s,
      };
    },
    /** The same plan request through the runtime; with `prepare`, the planner's hint goes first. */
    async plan(build: (onSystem?: (system: string) => void) => PlanBuild, prepare: boolean): Promise<number> {
      const t0 = performance.now();
      // As local-planner.ts does: the hint goes as soon as the system prompt is known, before the rest is built.
      const b = build(
        prepare
          ? (system) => {
              void rt.prepare('operational', { system });
            }
          : undefined,
      );
      let first = -1;
      await rt.generate(
        'operational',
        { input: { system: b.system, user: b.user }, maxTokens: PLAN_TOKENS, temperature: 0, jsonSchema: b.schema },
        {
          onDelta: () => {
            if (first < 0) first = performance.now() - t0;
          },
        },
      );
      return first;
    },
    /** One request to the runtime and its answer with no model work (memory figures): the IPC floor. */
    async roundTrip(): Promise<number> {
      const t0 = performance.now();
      await rt.refreshMemory();
      return performance.now() - t0;
    },
  };
}

async function localRuntime(root: string, rows: Row[], results: Record<string, unknown>): Promise<void> {
  const modelPath = join(root, '..', 'shared', 'models', 'stories260K.gguf');
  if (!existsSync(modelPath) || !existsSync(join(root, 'dist', 'model-worker.js'))) {
    rows.push({
      name: 'local runtime vs node-llama-cpp direct',
      value: 'skipped',
      baseline: `${modelPath} or dist/model-worker.js absent`,
      ratio: '—',
      goal: '≥ 0.95×',
    });
    return;
  }
  // One thread: on this 2-core VM the only setting that is not starved (see usable-cores.ts).
  const threads = Number(process.env['BENCH_MODEL_THREADS'] ?? 1);
  const base = await direct(modelPath, threads);
  const proc = await ours(root, modelPath, threads, 'process');
  const thread = await ours(root, modelPath, threads, 'thread');
  const s = { direct: [] as Sample[], process: [] as Sample[], thread: [] as Sample[] };
  const stall = { direct: [] as number[], process: [] as number[], thread: [] as number[] };
  // Warm-up: the first generations run node-llama-cpp's JavaScript cold (not yet compiled by V8).
  const WARM = Number(process.env['BENCH_MODEL_WARMUP'] ?? 1);
  for (let i = 0; i < WARM; i++) {
    await base.sample();
    await proc.sample();
    await thread.sample();
  }
  for (let i = 0; i < RUNS; i++) {
    // Interleaved, so drift in the machine's load hits every side alike.
    for (const [k, runner] of [
      ['direct', base],
      ['process', proc],
      ['thread', thread],
    ] as const)
      s[k].push(await runner.sample());
  }
  for (let i = 0; i < 3; i++) {
    for (const [k, runner] of [
      ['direct', base],
      ['process', proc],
      ['thread', thread],
    ] as const)
      stall[k].push((await runner.sample(true)).stallMs);
  }
  // The bare cost of the hops: back to back (both ends awake), and after idling (both asleep, as
  // before a planner's request).
  const trips = { process: [] as number[], thread: [] as number[], processIdle: [] as number[] };
  for (let i = 0; i < 50; i++) {
    trips.process.push(await proc.roundTrip());
    trips.thread.push(await thread.roundTrip());
  }
  for (let i = 0; i < RUNS; i++) {
    await sleep(IDLE_MS);
    trips.processIdle.push(await proc.roundTrip());
  }
  // The same short prompt after the whole bench has been idle a while, as a planner's request comes
  // after a person typed: every side starts equally cold (above, only the child idles between its
  // samples, while this process stays busy serving the other two runners).
  const idle = { direct: [] as number[], process: [] as number[], processInner: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    await sleep(IDLE_MS);
    idle.direct.push((await base.sample()).ttftMs);
    await sleep(IDLE_MS);
    const p = await proc.sample();
    idle.process.push(p.ttftMs);
    idle.processInner.push(p.innerTtftMs ?? 0);
  }
  const long = { direct: [] as number[], process: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    long.direct.push((await base.sample(false, longPrompt(i))).ttftMs);
    long.process.push((await proc.sample(false, longPrompt(i))).ttftMs);
  }
  // A plan request from the planner's point of view: from the start of its call (the router has
  // chosen the tier) to the first token, after IDLE_MS of idling on every side, interleaved.
  // "held": the previous request was a plan too, so each side's sequence holds the system prompt
  // (node-llama-cpp reuses it on both). "evicted": another prompt ran in between (a facts round,
  // the probe at start), so the system prompt is evaluated again; "hint" sends the prepare just
  // before building the request; "warmed" prepared it while idle (LocalPlanner.warm after start).
  const build = planBuilder();
  // Every request asks a goal of its own: a request repeating the last one's user prompt would
  // find that in the sequence too.
  let goal = 0;
  const buildMs: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    build(1000 + i);
    buildMs.push(performance.now() - t);
  }
  const system = build(0).system;
  type PlanSide = 'direct' | 'ours' | 'hint' | 'warmed';
  const planOnce = async (side: PlanSide, evict: boolean): Promise<number> => {
    if (evict) await (side === 'direct' ? base : proc).sample(false, longPrompt(100 + goal));
    if (side === 'warmed') await proc.rt.prepare('operational', { system });
    await sleep(IDLE_MS);
    const g = goal++;
    return side === 'direct' ? base.plan(() => build(g)) : proc.plan((on) => build(g, on), side === 'hint');
  };
  const plans = {
    held: { direct: [] as number[], ours: [] as number[], hint: [] as number[] },
    evicted: { direct: [] as number[], ours: [] as number[], hint: [] as number[], warmed: [] as number[] },
  };
  await planOnce('direct', false);
  await planOnce('ours', false);
  for (let i = 0; i < RUNS; i++) {
    for (const side of ['direct', 'ours', 'hint'] as const) plans.held[side].push(await planOnce(side, false));
    for (const side of ['direct', 'ours', 'hint', 'warmed'] as const)
      plans.evicted[side].push(await planOnce(side, true));
  }
  const systemTokens = base.tokens(system);
  const tps = (xs: Sample[]): number => median(xs.map((x) => x.tokensPerS));
  const ttft = (xs: Sample[]): number => median(xs.map((x) => x.ttftMs));
  const device = base.gpu === false ? 'cpu' : String(base.gpu);
  results['localRuntime'] = {
    device,
    threads,
    tokens: TOKENS,
    runs: RUNS,
    samples: s,
    stall,
    longPromptTtft: long,
    roundTrips: trips,
    idleTtft: idle,
    planTtft: plans,
    systemTokens,
    planBuildMs: median(buildMs),
    start: { directMs: base.startMs, processMs: proc.startMs, threadMs: thread.startMs },
    startStall: { directMs: base.stallMs, processMs: proc.stallMs, threadMs: thread.stallMs },
  };
  rows.push({
    name: `stories260K tokens/s, our runtime (child process, ${device}, ${threads} thread) (median)`,
    value: fmt(tps(s.process), 0),
    baseline: `node-llama-cpp direct: ${fmt(tps(s.direct), 0)}`,
    ratio: `${fmt(tps(s.process) / tps(s.direct), 2)}×`,
    goal: '≥ 0.95×',
  });
  rows.push({
    name: 'same, time to first token, back to back (this process never idles) (median ms)',
    value: fmt(ttft(s.process), 2),
    baseline: `direct: ${fmt(ttft(s.direct), 2)}`,
    ratio: `${fmt(ttft(s.process) / ttft(s.direct), 2)}×`,
    goal: '—',
  });
  const inner = (xs: Sample[]): number => median(xs.map((x) => x.innerTtftMs ?? 0));
  rows.push({
    name: 'same, of which inside the runtime: request arrived → first text (median ms)',
    value: fmt(inner(s.process), 2),
    baseline: `direct: ${fmt(ttft(s.direct), 2)}`,
    ratio: `${fmt(inner(s.process) / ttft(s.direct), 2)}×`,
    goal: '—',
  });
  rows.push({
    name: 'IPC round trip to the runtime, no model work, back to back (median ms of 50)',
    value: `process ${fmt(median(trips.process), 2)}, thread ${fmt(median(trips.thread), 2)}`,
    baseline: '—',
    ratio: '—',
    goal: '—',
  });
  rows.push({
    name: `same, child process, after ${IDLE_MS} ms idle (median ms)`,
    value: fmt(median(trips.processIdle), 2),
    baseline: '—',
    ratio: '—',
    goal: '—',
  });
  rows.push({
    name: `same, time to first token, fair: both sides idle ${IDLE_MS} ms before each request, interleaved (median ms)`,
    value: `${fmt(median(idle.process), 2)} (inside the runtime ${fmt(median(idle.processInner), 2)})`,
    baseline: `direct: ${fmt(median(idle.direct), 2)}`,
    ratio: `${fmt(median(idle.process) / median(idle.direct), 2)}×`,
    goal: '—',
  });
  const ratio = (a: number[], b: number[]): string => `${fmt(median(a) / median(b), 2)}×`;
  const planRow = (what: string, xs: number[]): Row => ({
    name: `plan request (${systemTokens}-token system prompt), planner's start → first token, ${IDLE_MS} ms idle: ${what} (median ms)`,
    value: fmt(median(xs), 1),
    baseline: `direct: ${fmt(median(plans.evicted.direct), 1)}`,
    ratio: ratio(xs, plans.evicted.direct),
    goal: '≤ 1.05× (≥ 0.95× speed)',
  });
  rows.push({
    ...planRow('system prompt held from the last plan', plans.held.ours),
    baseline: `direct: ${fmt(median(plans.held.direct), 1)}`,
    ratio: ratio(plans.held.ours, plans.held.direct),
  });
  rows.push({
    ...planRow('same, prepare hint sent first', plans.held.hint),
    baseline: `direct: ${fmt(median(plans.held.direct), 1)}`,
    ratio: ratio(plans.held.hint, plans.held.direct),
  });
  rows.push(planRow('system prompt evicted by another prompt', plans.evicted.ours));
  rows.push(planRow('same, prepare hint sent first', plans.evicted.hint));
  rows.push(planRow('same, prefix prepared while idle (as after start)', plans.evicted.warmed));
  rows.push({
    name: 'building a plan request (tools described, grammar schema, prompts) (median ms)',
    value: fmt(median(buildMs), 2),
    baseline: '—',
    ratio: '—',
    goal: '—',
  });
  rows.push({
    name: 'same, time to first token after a ~500-token prompt (median ms)',
    value: fmt(median(long.process), 2),
    baseline: `direct: ${fmt(median(long.direct), 2)}`,
    ratio: `${fmt(median(long.process) / median(long.direct), 2)}×`,
    goal: '—',
  });
  rows.push({
    name: 'same, runtime as a worker thread instead: tokens/s (median)',
    value: fmt(tps(s.thread), 0),
    baseline: `direct: ${fmt(tps(s.direct), 0)}`,
    ratio: `${fmt(tps(s.thread) / tps(s.direct), 2)}×`,
    goal: '—',
  });
  rows.push({
    name: 'same, worker thread: time to first token (median ms)',
    value: fmt(ttft(s.thread), 2),
    baseline: `direct: ${fmt(ttft(s.direct), 2)}`,
    ratio: `${fmt(ttft(s.thread) / ttft(s.direct), 2)}×`,
    goal: '—',
  });
  rows.push({
    name: 'daemon event loop: longest stall while generating (p50 ms)',
    value: `process ${fmt(median(stall.process), 1)}, thread ${fmt(median(stall.thread), 1)}`,
    baseline: `in-process: ${fmt(median(stall.direct), 1)}`,
    ratio: '—',
    goal: 'no stall',
  });
  rows.push({
    name: 'daemon event loop: longest stall while the runtime starts and loads (ms)',
    value: `process ${fmt(proc.stallMs, 0)}, thread ${fmt(thread.stallMs, 0)}`,
    baseline: `in-process: ${fmt(base.stallMs, 0)}`,
    ratio: '—',
    goal: 'no stall',
  });
  rows.push({
    name: 'runtime start + load + probe (ms)',
    value: `process ${fmt(proc.startMs, 0)}, thread ${fmt(thread.startMs, 0)}`,
    baseline: `in-process (no probe): ${fmt(base.startMs, 0)}`,
    ratio: '—',
    goal: '—',
  });
  await proc.rt.close();
  await thread.rt.close();
  await base.dispose();
}

async function gatewayLatency(rows: Row[], results: Record<string, unknown>): Promise<void> {
  const fake = await FakeProvider.start('anthropic');
  const plan = {
    explanation: 'read it',
    steps: [{ tool: 'fs.read', args: { path: '/etc/hostname' }, rationale: 'x', depends_on: [] }],
  };
  fake.fallback = { kind: 'plan', plan, chunks: 4 };
  const dir = mkdtempSync(join(tmpdir(), 'aios-bench-gw-'));
  const db = openDatabase(join(dir, 'aios.db'));
  const key = new Secret('sk-bench-key');
  // No cache (every call goes out), no rate limit: what is measured is the gateway's own work.
  const api = ApiConfig.parse({
    claude: {
      model: 'bench',
      base_url: fake.baseURL,
      cache_ttl: '0s',
      price: { input_per_mtok: 3, output_per_mtok: 15 },
      monthly_budget_usd: 1e9,
    },
  });
  const gateway = new ApiGateway({
    providers: resolveProviders(api).providers,
    keys: new Map([['claude', key]]),
    db,
    decisionLog: () => undefined,
  });
  const sdk = new Anthropic({
    apiKey: key.reveal(),
    authToken: null,
    baseURL: fake.baseURL,
    maxRetries: 0,
    logLevel: 'off',
  });
  const schema = { type: 'object', properties: {} };
  const directCall = async (): Promise<void> => {
    const stream = await sdk.messages.create({
      model: 'bench',
      max_tokens: 4096,
      system: 's',
      messages: [{ role: 'user', content: 'u' }],
      stream: true,
      tools: [{ name: 'submit_plan', description: 'd', input_schema: { type: 'object' } }],
      tool_choice: { type: 'tool', name: 'submit_plan' },
    });
    let json = '';
    for await (const ev of stream)
      if (ev.type === 'content_block_delta' && ev.delta.type === 'input_json_delta') json += ev.delta.partial_json;
    JSON.parse(json);
  };
  const viaGateway = async (): Promise<void> => {
    await gateway.plan({ goalId: null, system: 's', user: 'u', schema });
  };
  const time = async (fn: () => Promise<void>): Promise<number> => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  for (let i = 0; i < 30; i++) {
    await directCall();
    await viaGateway();
  }
  const d: number[] = [];
  const g: number[] = [];
  for (let block = 0; block < 10; block++) {
    for (let i = 0; i < 30; i++) d.push(await time(directCall));
    for (let i = 0; i < 30; i++) g.push(await time(viaGateway));
  }
  results['gateway'] = {
    directP50: percentile(d, 50),
    gatewayP50: percentile(g, 50),
    directP99: percentile(d, 99),
    gatewayP99: percentile(g, 99),
  };
  rows.push({
    name: 'API gateway: added latency over a direct SDK call, same fake (p50 ms)',
    value: fmt(percentile(g, 50) - percentile(d, 50), 2),
    baseline: `direct SDK: ${fmt(percentile(d, 50), 2)} ms`,
    ratio: `${fmt(percentile(g, 50) / percentile(d, 50), 2)}×`,
    goal: '≤ 2 ms',
  });
  db.close();
  rmSync(dir, { recursive: true, force: true });
  await fake.close();
}

/** The same direct call in a second process (fixtures/direct-llama-child.mjs), timed inside it. */
async function directTwin(root: string, modelPath: string, threads: number) {
  const child = fork(join(root, 'bench', 'fixtures', 'direct-llama-child.mjs'), [modelPath, String(threads)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const next = (): Promise<Sample> =>
    new Promise((resolve, reject) => {
      child.once('message', (m) => resolve(m as Sample));
      child.once('exit', (code) => reject(new Error(`direct-llama-child exited (${String(code)})`)));
    });
  await next();
  return {
    async sample(_probe: boolean, prompt: string, maxTokens: number): Promise<Sample> {
      const answer = next();
      child.send({ prompt, maxTokens });
      return answer;
    },
    close: (): void => {
      child.removeAllListeners('exit');
      child.kill();
    },
  };
}

/**
 * Time to first token as a prompt's cost grows: the same 15-token prompt, new each time (no
 * prefix held) or repeated (the sequence holds all but its last token), on stories260K and on a
 * model of a small real model's size (fixtures/synthetic-llama.ts), after IDLE_MS of idling on
 * every side, interleaved. What the hop to the runtime costs is fixed; these rows show what
 * share of a first token it is.
 */
async function firstTokenBySize(root: string, rows: Row[], results: Record<string, unknown>): Promise<void> {
  const template = join(root, '..', 'shared', 'models', 'stories260K.gguf');
  if (!existsSync(template) || !existsSync(join(root, 'dist', 'model-worker.js'))) return;
  const dir = mkdtempSync(join(tmpdir(), 'aios-bench-model-'));
  try {
    const synthetic = join(dir, 'synthetic-38m.gguf');
    const params = writeSyntheticLlama(template, synthetic, SMALL_MODEL);
    const threads = Number(process.env['BENCH_MODEL_THREADS'] ?? 1);
    const out: Record<string, unknown> = {};
    for (const [label, path, genTokens] of [
      ['stories260K', template, 64],
      [`${(params / 1e6).toFixed(0)}M-parameter Llama (synthetic, F16)`, synthetic, 32],
    ] as const) {
      const base = await direct(path, threads);
      const proc = await ours(root, path, threads, 'process');
      const twin = await directTwin(root, path, threads);
      try {
        type Sides = Record<'direct' | 'ours' | 'oursInner' | 'twin', number[]>;
        const sides = (): Sides => ({ direct: [], ours: [], oursInner: [], twin: [] });
        const fresh = sides();
        const held = sides();
        const speed = sides();
        // The runs' prompts differ in their first word, so neither side holds any of it.
        const freshPrompt = (i: number): string =>
          `${['Yesterday', 'Today', 'Tomorrow', 'Later', 'Once', 'Then', 'Soon', 'Now', 'Before', 'After', 'Again'][i % 11]} ${i}, there was a little girl named Lily. She`;
        await base.sample(false, freshPrompt(99), genTokens);
        await proc.sample(false, freshPrompt(98), genTokens);
        await twin.sample(false, freshPrompt(97), genTokens);
        for (let i = 0; i < RUNS; i++) {
          // Each run starts with a different side, so that none always follows the same other.
          const order = [
            [0, 'direct', base],
            [1, 'ours', proc],
            [2, 'twin', twin],
          ] as const;
          for (const [n, side, runner] of [...order.slice(i % 3), ...order.slice(0, i % 3)]) {
            const prompt = freshPrompt(i * 3 + n);
            for (const into of [fresh, held]) {
              await sleep(IDLE_MS);
              const x = await runner.sample(false, prompt, genTokens);
              into[side].push(x.ttftMs);
              if (x.innerTtftMs !== undefined) into.oursInner.push(x.innerTtftMs);
              if (into === fresh) speed[side].push(x.tokensPerS);
            }
          }
        }
        out[label] = { fresh, held, speed };
        const ms = (xs: number[]): string => fmt(median(xs), 2);
        const vs = (xs: number[], d: number[]): string => `${fmt(median(xs) / median(d), 2)}×`;
        const row = (what: string, xs: Sides): Row => ({
          name: `${label}: ${what} (median ms; inside the runtime; the same direct call in a second process)`,
          value: `${ms(xs.ours)}; ${ms(xs.oursInner)}; ${ms(xs.twin)}`,
          baseline: `direct: ${ms(xs.direct)}`,
          ratio: `${vs(xs.ours, xs.direct)}; ${vs(xs.oursInner, xs.direct)}; ${vs(xs.twin, xs.direct)}`,
          goal: '≤ 1.05× (≥ 0.95× speed)',
        });
        rows.push(row(`time to first token, 15-token prompt, new each time, ${IDLE_MS} ms idle`, fresh));
        rows.push(row('same prompt again (all but its last token held)', held));
        rows.push({
          name: `${label}: tokens/s, ${genTokens} tokens (median; the same direct call in a second process)`,
          value: `${fmt(median(speed.ours), 0)}; ${fmt(median(speed.twin), 0)}`,
          baseline: `direct: ${fmt(median(speed.direct), 0)}`,
          ratio: `${vs(speed.ours, speed.direct)}; ${vs(speed.twin, speed.direct)}`,
          goal: '≥ 0.95×',
        });
      } finally {
        twin.close();
        await proc.rt.close();
        await base.dispose();
      }
    }
    results['firstTokenBySize'] = { params, shape: SMALL_MODEL, threads, ...out };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function modelBenchmarks(root: string, rows: Row[], results: Record<string, unknown>): Promise<void> {
  await localRuntime(root, rows, results);
  await firstTokenBySize(root, rows, results);
  await gatewayLatency(rows, results);
}
