// The local models: started in a runtime process of their own when one is configured,
// loaded at start (always_loaded) or on first use, probed, queued, unloaded when idle,
// and measured. With no model configured nothing here starts, and node-llama-cpp is never loaded.
import { stat } from 'node:fs/promises';
import type { LocalModelView, RuntimeView } from '../../protocol/intelligence.js';
import { checkGguf, sha256File } from './gguf-file.js';
import { InferenceQueue, Priority } from './inference-queue.js';
import type { ModelKey, ModelSettings, RuntimeSettings } from './model-settings.js';
import { usableCores } from './usable-cores.js';
import { RuntimeHost, type Transport } from './worker-host.js';
import type { GenerateResult, GenerateSpec, LoadedInfo, PreparedInfo, ReadyInfo } from './worker-protocol.js';

export interface GenerateOptions {
  priority?: Priority;
  signal?: AbortSignal;
  onDelta?: (text: string) => void;
}

interface ModelState {
  settings: ModelSettings;
  state: LocalModelView['state'];
  problem: string | null;
  loaded: LoadedInfo | null;
  memoryBytes: number | null;
  tokensPerS: number | null;
  ttftMs: number | null;
  queue: InferenceQueue;
  idleTimer: NodeJS.Timeout | null;
  loading: Promise<void> | null;
  probe: LocalModelView['probe'];
  /**
   * The thread count an earlier load of this same file measured ("auto"), for the loads after
   * it: the trials cost a real model seconds, and an on-demand model pays them again after
   * every idle unload, in front of the request that loads it.
   */
  measured: { identity: string; threads: number; trials: LoadedInfo['threadTrials'] } | null;
}

/** One health probe's result: the text came, or why not. */
export type ProbeResult = { ok: true; tokens: number; detail: string } | { ok: false; reason: string };

/** The health probe: a short prompt that must produce text. */
export const PROBE_PROMPT = 'Once upon a time';
const PROBE_TOKENS = 16;
/** A runtime that died this recently is not restarted on demand (no crash loops). */
const RESTART_BACKOFF_MS = 30_000;

export class LocalRuntime {
  private readonly models = new Map<ModelKey, ModelState>();
  private host: RuntimeHost | null = null;
  private starting: Promise<RuntimeHost> | null = null;
  private ready: ReadyInfo | null = null;
  private runtimeState: RuntimeView['state'] = 'off';
  private runtimeProblem: string | null = null;
  private diedAt = 0;
  private rssBytes: number | null = null;
  private closed = false;
  /** Aborted by close(): a runtime still starting is killed rather than left running behind aiosd's back. */
  private readonly closing = new AbortController();
  /**
   * GPU backends that killed the runtime before it ever answered (a prebuilt CUDA binary whose
   * kernels the installed driver cannot run aborts the process on the first decode), with why.
   * Under gpu = "auto" the runtime restarts without them at once: the next backend, or the CPU.
   */
  private readonly failedBackends = new Map<string, string>();
  /** Whether the running runtime has generated once: a crash after that is not the backend's fault. */
  private proven = false;
  readonly cores: number;
  private readonly backoffMs: number;

  constructor(
    private readonly opts: {
      settings: RuntimeSettings;
      /** dist/model-worker.js */
      workerScript: string;
      transport?: Transport;
      log?: (line: string) => void;
      cores?: number;
      /** How long after a crash the runtime is not restarted on demand (no crash loops). */
      restartBackoffMs?: number;
    },
  ) {
    this.cores = opts.cores ?? usableCores();
    this.backoffMs = opts.restartBackoffMs ?? RESTART_BACKOFF_MS;
    for (const s of opts.settings.models) {
      this.models.set(s.key, {
        settings: s,
        state: 'configured',
        problem: null,
        loaded: null,
        memoryBytes: null,
        tokensPerS: null,
        ttftMs: null,
        queue: new InferenceQueue(1),
        idleTimer: null,
        loading: null,
        probe: null,
        measured: null,
      });
    }
  }

  get configured(): boolean {
    return this.models.size > 0;
  }

  has(key: ModelKey): boolean {
    return this.models.has(key);
  }

  /** Loaded in a running runtime now: it answers without a load first. */
  loaded(key: ModelKey): boolean {
    return this.models.get(key)?.state === 'loaded' && this.host?.alive === true;
  }

  settings(key: ModelKey): ModelSettings | undefined {
    return this.models.get(key)?.settings;
  }

  /**
   * Checks every configured file (the on-demand ones too: a missing or wrong file is worth
   * knowing at start) and names the always-loaded models left to load and probe. In aiosd the
   * router then routes the `probe` task over them (Router.probe); nothing is loaded here.
   */
  async checkFiles(): Promise<ModelKey[]> {
    if (!this.configured) return [];
    await Promise.all(
      [...this.models.values()].map(async (m) => {
        const c = await checkGguf(m.settings.path);
        if (!c.ok) this.fail(m, c.problem);
      }),
    );
    return [...this.models.values()]
      .filter((m) => m.settings.alwaysLoaded && m.state !== 'failed')
      .map((m) => m.settings.key);
  }

  /**
   * Loads a model and asks it the health probe. Never throws: a model that fails is marked
   * failed with the reason; a runtime that cannot start leaves the model as it was (it is
   * started again on demand).
   */
  async probe(key: ModelKey): Promise<ProbeResult> {
    const m = this.state(key);
    const done = (r: ProbeResult): ProbeResult => {
      m.probe = { ok: r.ok, detail: r.ok ? r.detail : r.reason, at: new Date().toISOString() };
      return r;
    };
    try {
      await this.runtime();
    } catch (err) {
      return done({ ok: false, reason: message(err) });
    }
    try {
      const r = await this.withBackendFallback(() => this.ensureLoaded(m).then(() => this.probeOnce(m)));
      return done({
        ok: true,
        tokens: r.tokens,
        detail: `answered ${r.tokens} token(s), ${Math.round(m.tokensPerS ?? 0)} tok/s, first after ${r.ttftMs.toFixed(1)} ms`,
      });
    } catch (err) {
      const reason = m.state === 'failed' && m.problem !== null ? m.problem : message(this.fail(m, message(err)));
      return done({ ok: false, reason });
    }
  }

  /** Checks, loads and probes the always-loaded models without a router (tests, benchmarks). Never throws. */
  async start(): Promise<void> {
    for (const key of await this.checkFiles()) await this.probe(key);
  }

  /** Generates with one model, queued behind that model's other requests. */
  async generate(key: ModelKey, spec: Omit<GenerateSpec, 'key'>, opts: GenerateOptions = {}): Promise<GenerateResult> {
    return this.withModel(key, opts.priority ?? Priority.normal, opts.signal, async (host) => {
      const m = this.state(key);
      const result = await host.generate(
        { ...spec, key },
        {
          ...(opts.signal === undefined ? {} : { signal: opts.signal }),
          ...(opts.onDelta === undefined ? {} : { onDelta: opts.onDelta }),
        },
      );
      this.measure(m, result);
      return result;
    });
  }

  /**
   * A request for this model is coming (the router chose its tier): load it if it is not, wake
   * the runtime, and evaluate the system prompt's tokens while the caller builds the rest of the
   * request. A hint, outside the queue: skipped (null) while the model is busy, since its own
   * requests keep it awake and evaluating now would only delay them; never throws.
   */
  async prepare(key: ModelKey, opts: { system?: string; signal?: AbortSignal } = {}): Promise<PreparedInfo | null> {
    const m = this.models.get(key);
    if (m === undefined || m.state === 'failed' || this.closed || m.queue.active > 0 || m.queue.pending > 0)
      return null;
    return this.kept(m, async () => {
      await this.ensureLoaded(m);
      const host = await this.runtime();
      return await host.prepare(
        { key, ...(opts.system === undefined ? {} : { system: opts.system }) },
        opts.signal === undefined ? {} : { signal: opts.signal },
      );
    }).catch(() => null); // whatever failed here fails the request too, which says why
  }

  /**
   * Loads the model now unless it is loaded (a load in progress is shared, not repeated), outside
   * its queue; an on-demand model is unloaded again after its idle time. Throws why it cannot load.
   * A planner calls this first: its prompt is sized by the model's context, known only once loaded.
   */
  async loadNow(key: ModelKey): Promise<void> {
    const m = this.state(key);
    await this.kept(m, () => this.withBackendFallback(() => this.ensureLoaded(m)));
  }

  /** The model's embedding of the text, queued behind its generations (background by default). */
  async embed(
    key: ModelKey,
    text: string,
    opts: { priority?: Priority; signal?: AbortSignal } = {},
  ): Promise<Float32Array> {
    return this.withModel(key, opts.priority ?? Priority.background, opts.signal, async (host) => {
      const vector = await host.embed({ key, text }, opts.signal === undefined ? {} : { signal: opts.signal });
      this.proven = true;
      return Float32Array.from(vector);
    });
  }

  /**
   * Each text's length in the model's own tokens, or null when the model is not loaded (counting
   * never loads one: the caller estimates instead). Not queued: tokenizing blocks nothing.
   */
  async countTokens(key: ModelKey, texts: string[]): Promise<number[] | null> {
    if (!this.loaded(key) || this.host === null) return null;
    return this.host.count({ key, texts });
  }

  /** What vectors from this model are labelled with: the file and its sha256, or its size and mtime. */
  async identity(key: ModelKey): Promise<string> {
    const s = this.state(key).settings;
    if (s.sha256 !== null) return `${s.path} sha256:${s.sha256}`;
    const st = await stat(s.path);
    return `${s.path} size:${st.size} mtime:${Math.trunc(st.mtimeMs)}`;
  }

  /** Runs work on a loaded model in its queue: loaded on demand, on the next GPU backend if one crashed. */
  private withModel<T>(
    key: ModelKey,
    priority: Priority,
    signal: AbortSignal | undefined,
    work: (host: RuntimeHost) => Promise<T>,
  ): Promise<T> {
    const m = this.state(key);
    return m.queue.run(priority, signal, async () => {
      signal?.throwIfAborted();
      return this.kept(m, () =>
        this.withBackendFallback(async () => {
          await this.ensureLoaded(m);
          return work(await this.runtime());
        }),
      );
    });
  }

  /** Runs `work` with the model's idle unload held off, and its idle time counted again from the end. */
  private async kept<T>(m: ModelState, work: () => Promise<T>): Promise<T> {
    if (m.idleTimer !== null) {
      clearTimeout(m.idleTimer);
      m.idleTimer = null;
    }
    try {
      return await work();
    } finally {
      this.scheduleIdleUnload(m);
    }
  }

  private state(key: ModelKey): ModelState {
    const m = this.models.get(key);
    if (m === undefined) throw new Error(`no [models.${key}] is configured`);
    return m;
  }

  async unload(key: ModelKey): Promise<void> {
    const m = this.models.get(key);
    if (m === undefined || m.state !== 'loaded' || this.host === null) return;
    await this.host.unload(key);
    m.state = 'unloaded';
    m.memoryBytes = null;
  }

  status(): { runtime: RuntimeView; models: LocalModelView[] } {
    const gpu = this.ready?.gpu ?? false;
    const chosen =
      this.ready === null
        ? 'not started'
        : gpu === false
          ? 'cpu'
          : `${gpu}: ${this.ready.gpuDevices.join(', ') || 'unknown device'}`;
    const skipped = [...this.failedBackends].map(([b, why]) => `${b} crashed: ${why}`).join('; ');
    const device = skipped === '' ? chosen : `${chosen} (${skipped})`;
    return {
      runtime: {
        state: this.runtimeState,
        device,
        cores: this.cores,
        pid: this.host?.pid ?? null,
        rssBytes: this.rssBytes,
        problem: this.runtimeProblem,
      },
      models: [...this.models.values()].map((m) => ({
        key: m.settings.key,
        name: m.settings.name,
        path: m.settings.path,
        policy: m.settings.alwaysLoaded ? ('always_loaded' as const) : ('load_on_demand' as const),
        state: m.state,
        problem: m.problem,
        sizeBytes: m.loaded?.sizeBytes ?? null,
        memoryBytes: m.memoryBytes,
        threads: m.loaded?.threads ?? null,
        threadTrials: m.loaded?.threadTrials ?? [],
        contextSize: m.loaded?.contextSize ?? null,
        tokensPerS: m.tokensPerS,
        ttftMs: m.ttftMs,
        loadMs: m.loaded?.loadMs ?? null,
        queued: m.queue.pending,
        running: m.queue.active,
        probe: m.probe,
      })),
    };
  }

  /** Asks the runtime for its memory use (for `aios models`); status() then shows it. */
  async refreshMemory(): Promise<void> {
    if (this.host === null || !this.host.alive) return;
    const info = await this.host.memory().catch(() => null);
    if (info === null) return;
    this.rssBytes = info.rssBytes;
    for (const m of this.models.values()) {
      const found = info.models.find((x) => x.key === m.settings.key);
      m.memoryBytes = found === undefined ? null : found.ramBytes + found.vramBytes;
    }
  }

  /** Whether a model can serve now or after a load: configured, file fine, runtime not crash-looping. */
  usable(key: ModelKey): { up: boolean; detail: string } {
    const m = this.models.get(key);
    if (m === undefined) return { up: false, detail: `no [models.${key}] configured` };
    if (m.state === 'failed') return { up: false, detail: m.problem ?? 'failed' };
    if (this.runtimeState === 'down' && Date.now() - this.diedAt < this.backoffMs)
      return { up: false, detail: `runtime stopped: ${this.runtimeProblem ?? 'unknown'}` };
    if (this.runtimeState === 'starting' || m.state === 'loading')
      return { up: false, detail: `${m.settings.name} loading` };
    const speed = m.tokensPerS === null ? '' : `, ${Math.round(m.tokensPerS)} tok/s`;
    const where = this.ready === null ? '' : ` on ${this.ready.gpu === false ? 'cpu' : this.ready.gpu}`;
    return { up: true, detail: `${m.settings.name}${where}${m.state === 'loaded' ? '' : ` (${m.state})`}${speed}` };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort();
    await this.starting?.catch(() => undefined);
    for (const m of this.models.values()) {
      if (m.idleTimer !== null) clearTimeout(m.idleTimer);
      m.queue.clear(new Error('aiosd is shutting down'));
    }
    await this.host?.close();
  }

  private async runtime(): Promise<RuntimeHost> {
    if (this.host?.alive === true) return this.host;
    if (this.closed) throw new Error('the local model runtime is closed');
    if (this.runtimeState === 'down' && Date.now() - this.diedAt < this.backoffMs) {
      throw new Error(
        `the local model runtime stopped ${Math.round((Date.now() - this.diedAt) / 1000)} s ago (${this.runtimeProblem ?? 'unknown'}); it is retried after ${this.backoffMs / 1000} s`,
      );
    }
    this.starting ??= this.spawn().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async spawn(): Promise<RuntimeHost> {
    this.runtimeState = 'starting';
    try {
      const { host, info } = await RuntimeHost.start({
        script: this.opts.workerScript,
        transport: this.opts.transport ?? 'process',
        gpu: this.opts.settings.gpu,
        exclude: [...this.failedBackends.keys()],
        signal: this.closing.signal,
      });
      this.host = host;
      this.ready = info;
      this.proven = false;
      this.runtimeState = 'up';
      this.runtimeProblem = null;
      this.opts.log?.(
        `local model runtime up (pid ${host.pid ?? '-'}, ${info.gpu === false ? 'cpu' : `${info.gpu}: ${info.gpuDevices.join(', ')}`}, ${this.cores} usable core(s), ${Math.round(info.startMs)} ms)`,
      );
      host.onExit((reason) => this.onRuntimeExit(reason));
      return host;
    } catch (err) {
      this.onRuntimeExit(message(err));
      throw err;
    }
  }

  private onRuntimeExit(reason: string): void {
    this.runtimeState = 'down';
    this.runtimeProblem = reason;
    this.diedAt = Date.now();
    const backend = this.ready?.gpu ?? false;
    if (
      !this.closed &&
      !this.proven &&
      this.opts.settings.gpu === 'auto' &&
      backend !== false &&
      !this.failedBackends.has(backend)
    ) {
      this.failedBackends.set(backend, reason);
      this.diedAt = 0; // no backoff: the next start does not use the backend that failed
      this.opts.log?.(
        `the ${backend} backend stopped the model runtime before it answered (${reason}); restarting without it`,
      );
    }
    this.rssBytes = null;
    for (const m of this.models.values()) {
      if (m.state === 'loaded' || m.state === 'loading') m.state = 'unloaded';
      m.memoryBytes = null;
    }
    if (!this.closed) this.opts.log?.(`local model runtime stopped: ${reason}`);
  }

  private async ensureLoaded(m: ModelState): Promise<void> {
    if (m.state === 'loaded' && this.host?.alive === true) return;
    m.loading ??= this.load(m).finally(() => {
      m.loading = null;
    });
    return m.loading;
  }

  private async load(m: ModelState): Promise<void> {
    const { settings } = m;
    const check = await checkGguf(settings.path);
    if (!check.ok) throw this.fail(m, check.problem);
    if (settings.sha256 !== null) {
      const actual = await sha256File(settings.path);
      if (actual !== settings.sha256)
        throw this.fail(
          m,
          `${settings.path} has sha256 ${actual}, not the ${settings.sha256} configured; the file changed or the setting is wrong`,
        );
    }
    const host = await this.runtime();
    m.state = 'loading';
    // The same file on the same device (a GPU backend set aside changes the answer) and cores.
    const identity =
      settings.threads === 'auto'
        ? `${await this.identity(settings.key)} on ${String(this.ready?.gpu ?? false)}, ${this.cores} cores`
        : null;
    const known = identity !== null && m.measured?.identity === identity ? m.measured : null;
    try {
      m.loaded = await host.load({
        key: settings.key,
        path: settings.path,
        contextSize: settings.contextSize,
        threads: known?.threads ?? settings.threads,
        cores: this.cores,
      });
    } catch (err) {
      throw this.fail(m, `cannot load ${settings.path}: ${message(err)}`);
    }
    if (known !== null) m.loaded = { ...m.loaded, threadTrials: known.trials };
    else if (identity !== null) m.measured = { identity, threads: m.loaded.threads, trials: m.loaded.threadTrials };
    m.state = 'loaded';
    m.problem = null;
    const trials = m.loaded.threadTrials.map((t) => `${t.threads}: ${Math.round(t.tokensPerS)} tok/s`).join(', ');
    const measuredWhen = known === null ? 'measured' : 'measured at an earlier load';
    this.opts.log?.(
      `loaded ${settings.key} model ${settings.name} in ${Math.round(m.loaded.loadMs)} ms, ${m.loaded.threads} thread(s)${trials === '' ? '' : ` (${measuredWhen} ${trials})`}`,
    );
    await this.refreshMemory();
  }

  private async probeOnce(m: ModelState): Promise<GenerateResult> {
    const host = await this.runtime();
    const r = await host.generate({
      key: m.settings.key,
      input: { prompt: PROBE_PROMPT },
      maxTokens: PROBE_TOKENS,
      temperature: 0,
    });
    if (r.tokens === 0 || r.text.trim() === '')
      throw new Error(`health probe: ${m.settings.name} produced no text for "${PROBE_PROMPT}"`);
    this.measure(m, r);
    this.opts.log?.(
      `probe: ${m.settings.name} answered ${r.tokens} token(s), ${Math.round(m.tokensPerS ?? 0)} tok/s, first after ${r.ttftMs.toFixed(1)} ms`,
    );
    return r;
  }

  /**
   * Runs `work`; if it failed because a GPU backend took the runtime down (and so was just set
   * aside), runs it again on the next backend. At most once per backend.
   */
  private async withBackendFallback<T>(work: () => Promise<T>): Promise<T> {
    for (;;) {
      const before = this.failedBackends.size;
      try {
        return await work();
      } catch (err) {
        if (this.failedBackends.size === before || this.closed) throw err;
      }
    }
  }

  private measure(m: ModelState, r: GenerateResult): void {
    this.proven = true;
    const genMs = r.totalMs - r.ttftMs;
    if (r.tokens > 1 && genMs > 0) m.tokensPerS = ((r.tokens - 1) / genMs) * 1000;
    m.ttftMs = r.ttftMs;
  }

  private scheduleIdleUnload(m: ModelState): void {
    if (m.settings.alwaysLoaded || m.settings.unloadAfterIdleMs <= 0 || this.closed) return;
    if (m.idleTimer !== null) clearTimeout(m.idleTimer);
    m.idleTimer = setTimeout(() => {
      m.idleTimer = null;
      if (m.queue.active > 0 || m.queue.pending > 0) return;
      this.unload(m.settings.key).then(
        () =>
          this.opts.log?.(
            `unloaded ${m.settings.key} model ${m.settings.name} after ${m.settings.unloadAfterIdleMs / 1000} s idle`,
          ),
        (err: unknown) => this.opts.log?.(`unloading ${m.settings.name} failed: ${message(err)}`),
      );
    }, m.settings.unloadAfterIdleMs);
    m.idleTimer.unref();
  }

  private fail(m: ModelState, problem: string): Error {
    m.state = 'failed';
    m.problem = problem;
    this.opts.log?.(`${m.settings.key} model: ${problem}`);
    return new Error(problem);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
