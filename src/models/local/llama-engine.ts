// node-llama-cpp itself, as the model runtime process runs it: load, measure threads,
// generate (optionally under a JSON-Schema grammar), cancel, unload. Runs only inside the
// runtime process (model-worker.ts), never in the daemon.
import {
  getLlama,
  LlamaChatSession,
  LlamaCompletion,
  LlamaLogLevel,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaEmbeddingContext,
  type LlamaGrammar,
  type LlamaModel,
} from 'node-llama-cpp';
import type {
  CountSpec,
  EmbedSpec,
  GenerateResult,
  GenerateSpec,
  GpuSetting,
  LoadedInfo,
  LoadSpec,
  MemoryInfo,
  PreparedInfo,
  PrepareSpec,
  ReadyInfo,
} from './worker-protocol.js';

interface Loaded {
  model: LlamaModel;
  context: LlamaContext;
  /** Kept across requests, so a repeated prefix (the planner's system prompt) is evaluated once. */
  sequence: LlamaContextSequence;
  threads: number;
  /** Made on the first embed request and kept with the model (procedure matching asks often). */
  embedding: Promise<LlamaEmbeddingContext> | null;
  /**
   * The sequence's last user: a prepare and a generation take turns on it. The daemon queues
   * generations itself, but a prepare is a hint sent beside that queue.
   */
  turn: Promise<unknown>;
  /** The system prompt whose chat prefix the sequence holds, as far as this engine knows. */
  held: string | null;
}

/** Runs `work` once the sequence's previous user is done (whether it succeeded or not). */
function takeTurn<T>(entry: Loaded, work: () => Promise<T>): Promise<T> {
  const run = entry.turn.then(work, work);
  entry.turn = run.catch(() => undefined);
  return run;
}

/** Goals are a sentence or two: a small context keeps the embedding context cheap in memory. */
const EMBED_CONTEXT_TOKENS = 512;

const GPU_BACKENDS = ['cuda', 'vulkan', 'metal'] as const;
type GpuBackend = (typeof GPU_BACKENDS)[number];

/** 'auto' without the backends that crashed before; the CPU once none is left. */
function gpuOption(
  gpu: GpuSetting,
  exclude: readonly string[],
): GpuBackend | false | 'auto' | { type: 'auto'; exclude: GpuBackend[] } {
  if (gpu === 'off') return false;
  if (gpu !== 'auto' || exclude.length === 0) return gpu;
  const excluded = GPU_BACKENDS.filter((b) => exclude.includes(b));
  return excluded.length === GPU_BACKENDS.length ? false : { type: 'auto', exclude: excluded };
}

/** What a trial of one thread count generates: enough tokens to time, few enough to be quick. */
const TRIAL_TOKENS = 12;
const TRIAL_PROMPT = 'Once upon a time';
/**
 * A trial stops after this long and is judged on what it generated so far: a thread count that
 * busy-waits on a starved machine can make 12 tokens take a minute, and the model is loading
 * (its tier down) for as long as the trials run.
 */
const TRIAL_BUDGET_MS = 1500;

export class LlamaEngine {
  private readonly loaded = new Map<string, Loaded>();
  private readonly grammars = new Map<string, LlamaGrammar>();

  private constructor(private readonly llama: Llama) {}

  static async start(
    gpu: GpuSetting,
    log: (line: string) => void,
    exclude: readonly string[] = [],
  ): Promise<{ engine: LlamaEngine; info: ReadyInfo }> {
    const began = performance.now();
    // build: 'never': the prebuilt binaries only; a missing one is an error, never a compile.
    const llama = await getLlama({
      gpu: gpuOption(gpu, exclude),
      build: 'never',
      logLevel: LlamaLogLevel.error,
      logger: (level, message) => {
        if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) log(message.trimEnd());
      },
    });
    const gpuDevices = llama.gpu === false ? [] : await llama.getGpuDeviceNames().catch(() => []);
    const vram = llama.gpu === false ? null : await llama.getVramState().catch(() => null);
    return {
      engine: new LlamaEngine(llama),
      info: { gpu: llama.gpu, gpuDevices, vramTotalBytes: vram?.total ?? 0, startMs: performance.now() - began },
    };
  }

  async load(spec: LoadSpec): Promise<LoadedInfo> {
    const began = performance.now();
    await this.unload(spec.key);
    const model = await this.llama.loadModel({ modelPath: spec.path });
    try {
      const contextSize = spec.contextSize ?? Math.min(model.trainContextSize, 8192);
      const trials = spec.threads === 'auto' ? await this.threadTrials(model, spec.cores) : [];
      const best = trials.reduce<{ threads: number; tokensPerS: number } | null>(
        (a, t) => (a === null || t.tokensPerS > a.tokensPerS ? t : a),
        null,
      );
      const threads = spec.threads === 'auto' ? (best?.threads ?? 1) : spec.threads;
      const context = await model.createContext({ contextSize, threads, sequences: 1 });
      this.loaded.set(spec.key, {
        model,
        context,
        sequence: context.getSequence(),
        threads,
        embedding: null,
        turn: Promise.resolve(),
        held: null,
      });
      return {
        sizeBytes: model.size,
        contextSize: context.contextSize,
        trainContextSize: model.trainContextSize,
        threads,
        threadTrials: trials,
        gpuLayers: model.gpuLayers,
        loadMs: performance.now() - began,
      };
    } catch (err) {
      await model.dispose();
      throw err;
    }
  }

  /**
   * Times a short generation at 1 thread and at every usable core, and keeps the faster.
   * llama.cpp's threads busy-wait on each other, so on a small or busy machine fewer
   * threads can be far faster; only a measurement on this machine can tell.
   */
  private async threadTrials(model: LlamaModel, cores: number): Promise<{ threads: number; tokensPerS: number }[]> {
    const candidates = cores <= 1 ? [1] : [1, cores];
    if (candidates.length === 1) return [{ threads: 1, tokensPerS: 0 }];
    const out: { threads: number; tokensPerS: number }[] = [];
    for (const threads of candidates) {
      const context = await model.createContext({
        contextSize: Math.min(256, model.trainContextSize),
        threads,
        sequences: 1,
      });
      try {
        const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
        let first = 0;
        let tokens = 0;
        const budget = AbortSignal.timeout(TRIAL_BUDGET_MS);
        await completion.generateCompletion(TRIAL_PROMPT, {
          maxTokens: TRIAL_TOKENS,
          temperature: 0,
          signal: budget,
          stopOnAbortSignal: true,
          onToken: (t) => {
            if (tokens === 0) first = performance.now();
            tokens += t.length;
          },
        });
        // From the first token on: generation speed, without the prompt's evaluation.
        const ms = performance.now() - first;
        out.push({ threads, tokensPerS: tokens > 1 && ms > 0 ? ((tokens - 1) / ms) * 1000 : 0 });
      } finally {
        await context.dispose();
      }
    }
    return out;
  }

  /**
   * Evaluates the chat prefix that a request with this system prompt will start with (the
   * system turn and the user turn's header) into the kept sequence, unless it holds it already.
   * Without a system prompt it only wakes the runtime. Output is unchanged: node-llama-cpp
   * evaluates whatever part of a prompt the sequence does not hold, and reuses the rest.
   */
  async prepare(spec: PrepareSpec, signal: AbortSignal): Promise<PreparedInfo> {
    const began = performance.now();
    const entry = this.loaded.get(spec.key);
    if (entry === undefined) throw new Error(`model ${spec.key} is not loaded`);
    const system = spec.system;
    if (system === undefined)
      return { prefixTokens: entry.sequence.nextTokenIndex, evaluatedTokens: 0, ms: performance.now() - began };
    return takeTurn(entry, async () => {
      signal.throwIfAborted();
      const sequence = entry.sequence;
      // Held already: node-llama-cpp would still decode the prefix's last token again, a wasted
      // step on a request's critical path.
      if (entry.held === system)
        return { prefixTokens: sequence.nextTokenIndex, evaluatedTokens: 0, ms: performance.now() - began };
      entry.held = null;
      const before = sequence.tokenMeter.usedInputTokens;
      const session = new LlamaChatSession({
        contextSequence: sequence,
        systemPrompt: system,
        autoDisposeSequence: false,
      });
      try {
        await session.preloadPrompt('', { signal });
      } finally {
        session.dispose({ disposeSequence: false });
      }
      entry.held = system;
      return {
        prefixTokens: sequence.nextTokenIndex,
        evaluatedTokens: sequence.tokenMeter.usedInputTokens - before,
        ms: performance.now() - began,
      };
    });
  }

  async generate(spec: GenerateSpec, signal: AbortSignal, onText: (text: string) => void): Promise<GenerateResult> {
    const began = performance.now();
    const entry = this.loaded.get(spec.key);
    if (entry === undefined) throw new Error(`model ${spec.key} is not loaded`);
    return takeTurn(entry, () => this.generateOn(entry, spec, signal, onText, began));
  }

  private async generateOn(
    entry: Loaded,
    spec: GenerateSpec,
    signal: AbortSignal,
    onText: (text: string) => void,
    began: number,
  ): Promise<GenerateResult> {
    signal.throwIfAborted();
    // Counted at the first token: the prompt is evaluated by then, and generated tokens are not yet.
    const meter = entry.sequence.tokenMeter;
    const evaluatedBefore = meter.usedInputTokens;
    let promptTokens = -1;
    const evaluated = (): number => (promptTokens < 0 ? meter.usedInputTokens - evaluatedBefore : promptTokens);
    const grammar = spec.jsonSchema === undefined ? undefined : await this.grammarFor(spec.jsonSchema);
    let ttftMs = -1;
    let tokens = 0;
    const onTextChunk = (text: string): void => {
      if (ttftMs < 0) ttftMs = performance.now() - began;
      onText(text);
    };
    const system = 'system' in spec.input ? spec.input.system : null;
    entry.held = null;
    const onToken = (t: readonly unknown[]): void => {
      if (promptTokens < 0) {
        promptTokens = meter.usedInputTokens - evaluatedBefore;
        entry.held = system;
      }
      tokens += t.length;
    };
    const options = {
      maxTokens: spec.maxTokens,
      temperature: spec.temperature,
      signal,
      onTextChunk,
      onToken,
      ...(grammar === undefined ? {} : { grammar }),
      ...(spec.seed === undefined ? {} : { seed: spec.seed }),
    };
    const sequence = entry.sequence;
    if ('prompt' in spec.input) {
      const completion = new LlamaCompletion({ contextSequence: sequence, autoDisposeSequence: false });
      try {
        const r = await completion.generateCompletionWithMeta(spec.input.prompt, options);
        return {
          text: r.response,
          tokens,
          ttftMs: Math.max(ttftMs, 0),
          evaluatedTokens: evaluated(),
          totalMs: performance.now() - began,
          stopReason: r.metadata.stopReason,
        };
      } finally {
        completion.dispose({ disposeSequence: false });
      }
    }
    const session = new LlamaChatSession({
      contextSequence: sequence,
      systemPrompt: spec.input.system,
      autoDisposeSequence: false,
    });
    try {
      const r = await session.promptWithMeta(spec.input.user, options);
      return {
        text: r.responseText,
        tokens,
        ttftMs: Math.max(ttftMs, 0),
        evaluatedTokens: evaluated(),
        totalMs: performance.now() - began,
        stopReason: r.stopReason,
      };
    } catch (err) {
      if (err instanceof Error && /context shift|too long prompt/i.test(err.message))
        throw promptTooLong(entry, spec.key, spec.input, spec.maxTokens);
      throw err;
    } finally {
      session.dispose({ disposeSequence: false });
    }
  }

  /** Each text's length in this model's tokens: what a prompt really costs of its context. */
  count(spec: CountSpec): number[] {
    const entry = this.loaded.get(spec.key);
    if (entry === undefined) throw new Error(`model ${spec.key} is not loaded`);
    return spec.texts.map((t) => entry.model.tokenize(t).length);
  }

  /**
   * The model's embedding of the text. node-llama-cpp's getEmbeddingFor takes no signal, so a
   * cancelled request finishes its (short) evaluation and is then answered as aborted.
   */
  async embed(spec: EmbedSpec, signal: AbortSignal): Promise<number[]> {
    const entry = this.loaded.get(spec.key);
    if (entry === undefined) throw new Error(`model ${spec.key} is not loaded`);
    signal.throwIfAborted();
    entry.embedding ??= entry.model.createEmbeddingContext({
      contextSize: Math.min(EMBED_CONTEXT_TOKENS, entry.model.trainContextSize),
      threads: entry.threads,
    });
    entry.embedding.catch(() => {
      entry.embedding = null;
    });
    const context = await entry.embedding;
    let tokens = entry.model.tokenize(spec.text);
    const room = Math.min(EMBED_CONTEXT_TOKENS, entry.model.trainContextSize) - 2;
    if (context.calculateInputLength(tokens) > room) tokens = tokens.slice(0, room);
    const { vector } = await context.getEmbeddingFor(tokens);
    signal.throwIfAborted();
    return [...vector];
  }

  private async grammarFor(schema: object): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema);
    let g = this.grammars.get(key);
    if (g === undefined) {
      // The schema is built by plan-schema.ts in the subset node-llama-cpp's grammar supports.
      g = await this.llama.createGrammarForJsonSchema(schema as Parameters<Llama['createGrammarForJsonSchema']>[0]);
      if (this.grammars.size >= 16) this.grammars.clear();
      this.grammars.set(key, g);
    }
    return g;
  }

  async unload(key: string): Promise<void> {
    const entry = this.loaded.get(key);
    if (entry === undefined) return;
    this.loaded.delete(key);
    const embedding = await entry.embedding?.catch(() => null);
    await embedding?.dispose();
    await entry.context.dispose();
    await entry.model.dispose();
  }

  memory(): MemoryInfo {
    return {
      rssBytes: process.memoryUsage().rss,
      models: [...this.loaded].map(([key, { model, context }]) => ({
        key,
        ramBytes: model.memoryUsage.ram + context.memoryUsage.ram,
        vramBytes: model.memoryUsage.vram + context.memoryUsage.vram,
      })),
    };
  }

  async dispose(): Promise<void> {
    for (const key of [...this.loaded.keys()]) await this.unload(key);
    await this.llama.dispose();
  }
}

/**
 * node-llama-cpp says a prompt that does not fit the context in its own terms ("Failed to compress
 * chat history for context shift…"); this says it in the config's: how long the prompt is, the
 * context, and which setting to change.
 */
function promptTooLong(entry: Loaded, key: string, input: { system: string; user: string }, maxTokens: number): Error {
  const promptTokens = entry.model.tokenize(`${input.system}\n${input.user}`).length;
  return new Error(
    `the prompt (about ${promptTokens} tokens) and up to max_tokens = ${maxTokens} of answer do not fit the model's context of ${entry.context.contextSize} tokens: raise [models.${key}] context_size or lower its max_tokens`,
  );
}
