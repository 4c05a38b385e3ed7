// The daemon's side of the model runtime: starts dist/model-worker.js, correlates requests
// with answers, streams text deltas, cancels, and notices when the runtime dies.
//
// Why a child process and not a worker thread (both work; bench/models.ts measures both
// against node-llama-cpp called in-process, on the 2-core VM):
// - Speed is the same. tokens/s was 0.96× direct for the process and 0.95× for the thread. Time to
//   first token was +0.65 ms and +0.55 ms: one message each way, a fixed cost that is lost in
//   any prompt of a few hundred tokens.
// - Both keep the daemon's event loop free. In-process, getLlama() and loading stalled it for
//   up to 14 ms, and each generation for about 1 ms. With either, the daemon's longest stall stays
//   under 10 ms while the runtime starts, and under 1 ms per token.
// - Crash isolation decides it. llama.cpp aborts the whole process on a failed GGML_ASSERT, an
//   out-of-memory or a corrupt tensor. In a worker thread, that takes aiosd down with it. In a
//   child, the local tier is marked down and the daemon goes on serving.
// - No keys. The child starts with the minimal environment that programs get (run-program.ts), so
//   no API key is in its environment, nor in that of anything it spawns.
// - Memory. Its RSS is the model's real cost, shown by `aios models`.
import { fork, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { minimalEnv } from '../../tools/run-program.js';
import type {
  CountSpec,
  EmbedSpec,
  GenerateResult,
  GenerateSpec,
  GpuSetting,
  HostMessage,
  LoadedInfo,
  LoadSpec,
  MemoryInfo,
  PreparedInfo,
  PrepareSpec,
  ReadyInfo,
  WorkerMessage,
} from './worker-protocol.js';

export type Transport = 'process' | 'thread';

export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
}

interface Pending {
  resolve: (msg: WorkerMessage) => void;
  reject: (err: Error) => void;
  onDelta?: (text: string) => void;
}

const START_TIMEOUT_MS = 60_000;
/** How long a cancelled generation may take to stop before the runtime is killed. */
const CANCEL_GRACE_MS = 5_000;
const STDERR_KEEP = 4_000;

/**
 * Variables that say where the GPU driver is and which devices to use. They hold no secrets, and
 * without them a runtime on a machine whose driver lives outside the default paths (a container
 * with /usr/local/nvidia, a host with CUDA_VISIBLE_DEVICES set) would silently fall back to the CPU.
 */
const GPU_ENV = [
  'LD_LIBRARY_PATH',
  'CUDA_VISIBLE_DEVICES',
  'NVIDIA_VISIBLE_DEVICES',
  'HIP_VISIBLE_DEVICES',
  'GGML_VK_VISIBLE_DEVICES',
  'VK_DRIVER_FILES',
  'VK_ICD_FILENAMES',
  'VK_ADD_DRIVER_FILES',
] as const;

function runtimeEnv(): Record<string, string> {
  const extra: Record<string, string> = {};
  for (const name of GPU_ENV) {
    const v = process.env[name];
    if (v !== undefined && v !== '') extra[name] = v;
  }
  return minimalEnv(extra);
}

/**
 * The last lines worth reading of what the runtime wrote before it died. A native abort prints
 * its backtrace after the cause ("CUDA error: …"), so frames like `lib.so(+0x1c8eb)[0x7f…]` (and
 * Node's numbered ones) are dropped: three of them would push the cause out of the message.
 */
export function meaningfulTail(stderr: string, lines = 3): string {
  // ggml's frames end in "(+0x…)[0x…]"; Node's own abort report numbers its frames and heads them.
  const frame = /(\(\+0x[0-9a-f]+\)|\[0x[0-9a-f]+\])\s*$|^\d+: |^-+ (Native|JavaScript) stack trace -+$/i;
  return stderr
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !frame.test(l))
    .slice(-lines)
    .join(' | ');
}

export class RuntimeHost {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited: string | null = null;
  private stderrTail = '';
  private readonly exitListeners: ((reason: string) => void)[] = [];

  private constructor(
    private readonly send: (msg: HostMessage) => void,
    private readonly kill: () => void,
    readonly pid: number | null,
    readonly transport: Transport,
  ) {}

  static async start(opts: {
    script: string;
    transport: Transport;
    gpu: GpuSetting;
    exclude?: readonly string[];
    signal?: AbortSignal;
  }): Promise<{ host: RuntimeHost; info: ReadyInfo }> {
    let host: RuntimeHost;
    if (opts.transport === 'process') {
      const child: ChildProcess = fork(opts.script, [], {
        env: runtimeEnv(),
        execArgv: [],
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        serialization: 'json',
      });
      host = new RuntimeHost(
        (m) => {
          child.send(m);
        },
        () => child.kill('SIGKILL'),
        child.pid ?? null,
        'process',
      );
      child.on('message', (m) => host.receive(m as WorkerMessage));
      child.stderr?.on('data', (d: Buffer) => host.keepStderr(d.toString()));
      child.on('exit', (code, signal) => host.died(signal === null ? `exit code ${code ?? '?'}` : `signal ${signal}`));
      child.on('error', (err) => host.died(err.message));
    } else {
      const worker = new Worker(opts.script, { env: runtimeEnv(), stderr: true, stdout: false });
      host = new RuntimeHost(
        (m) => worker.postMessage(m),
        () => {
          void worker.terminate();
        },
        null,
        'thread',
      );
      worker.on('message', (m: WorkerMessage) => host.receive(m));
      worker.stderr.on('data', (d: Buffer) => host.keepStderr(d.toString()));
      worker.on('exit', (code) => host.died(`exit code ${code}`));
      worker.on('error', (err) => host.died(err.message));
    }
    const ready = new Promise<ReadyInfo>((resolve, reject) => {
      host.pending.set(0, {
        resolve: (m) => (m.type === 'ready' ? resolve(m.info) : reject(new RuntimeError('unexpected answer to init'))),
        reject,
      });
    });
    host.send({ type: 'init', gpu: opts.gpu, exclude: [...(opts.exclude ?? [])] });
    const timer = setTimeout(() => host.died(`did not start within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    // Closed while starting (aiosd stopping): the child must not outlive it, holding the exit up.
    const onAbort = (): void => host.died('closed while starting');
    if (opts.signal?.aborted === true) onAbort();
    opts.signal?.addEventListener('abort', onAbort);
    try {
      return { host, info: await ready };
    } catch (err) {
      host.kill();
      throw err;
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  get alive(): boolean {
    return this.exited === null;
  }

  onExit(fn: (reason: string) => void): void {
    this.exitListeners.push(fn);
  }

  async load(spec: LoadSpec): Promise<LoadedInfo> {
    const m = await this.request((id) => ({ type: 'load', id, spec }));
    if (m.type !== 'loaded') throw new RuntimeError(`unexpected answer to load: ${m.type}`);
    return m.info;
  }

  async unload(key: string): Promise<void> {
    await this.request((id) => ({ type: 'unload', id, key }));
  }

  async memory(): Promise<MemoryInfo> {
    const m = await this.request((id) => ({ type: 'memory', id }));
    if (m.type !== 'memory') throw new RuntimeError(`unexpected answer to memory: ${m.type}`);
    return m.info;
  }

  /** Rejects with the signal's reason when aborted, once the runtime has stopped generating. */
  async generate(
    spec: GenerateSpec,
    opts: { signal?: AbortSignal; onDelta?: (text: string) => void } = {},
  ): Promise<GenerateResult> {
    const m = await this.cancellable((id) => ({ type: 'generate', id, spec }), opts.signal, opts.onDelta);
    if (m.type !== 'done') throw new RuntimeError(`unexpected answer to generate: ${m.type}`);
    return m.result;
  }

  /** Wakes the runtime and evaluates a coming request's prefix (see PrepareSpec); cancelled like a generation. */
  async prepare(spec: PrepareSpec, opts: { signal?: AbortSignal } = {}): Promise<PreparedInfo> {
    const m = await this.cancellable((id) => ({ type: 'prepare', id, spec }), opts.signal);
    if (m.type !== 'prepared') throw new RuntimeError(`unexpected answer to prepare: ${m.type}`);
    return m.info;
  }

  /** The model's embedding of the text; cancelled like a generation. */
  async embed(spec: EmbedSpec, opts: { signal?: AbortSignal } = {}): Promise<number[]> {
    const m = await this.cancellable((id) => ({ type: 'embed', id, spec }), opts.signal);
    if (m.type !== 'embedded') throw new RuntimeError(`unexpected answer to embed: ${m.type}`);
    return m.vector;
  }

  /** How many of the model's own tokens each text is. */
  async count(spec: CountSpec): Promise<number[]> {
    const m = await this.cancellable((id) => ({ type: 'count', id, spec }), undefined);
    if (m.type !== 'counted') throw new RuntimeError(`unexpected answer to count: ${m.type}`);
    return m.tokens;
  }

  /**
   * A request the signal can cancel: the runtime is told, and killed if it has not stopped
   * within the grace period. Rejects with the signal's reason when aborted.
   */
  private async cancellable(
    build: (id: number) => HostMessage,
    signal: AbortSignal | undefined,
    onDelta?: (text: string) => void,
  ): Promise<WorkerMessage> {
    signal?.throwIfAborted();
    let id = 0;
    let killTimer: NodeJS.Timeout | null = null;
    const onAbort = (): void => {
      this.send({ type: 'cancel', id });
      killTimer = setTimeout(() => this.kill(), CANCEL_GRACE_MS);
    };
    try {
      return await this.request((i) => {
        id = i;
        signal?.addEventListener('abort', onAbort, { once: true });
        return build(i);
      }, onDelta);
    } catch (err) {
      if (signal?.aborted === true) throw signal.reason;
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (killTimer !== null) clearTimeout(killTimer);
    }
  }

  async close(): Promise<void> {
    if (this.exited !== null) return;
    const gone = new Promise<void>((resolve) => this.onExit(() => resolve()));
    this.kill();
    await gone;
  }

  private request(build: (id: number) => HostMessage, onDelta?: (text: string) => void): Promise<WorkerMessage> {
    if (this.exited !== null)
      return Promise.reject(new RuntimeError(`the model runtime is not running (${this.exited})`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...(onDelta === undefined ? {} : { onDelta }) });
      this.send(build(id));
    });
  }

  private receive(m: WorkerMessage): void {
    const id = m.type === 'ready' ? 0 : (m.id ?? 0);
    const p = this.pending.get(id);
    if (p === undefined) return;
    if (m.type === 'delta') {
      p.onDelta?.(m.text);
      return;
    }
    this.pending.delete(id);
    if (m.type === 'error') p.reject(new RuntimeError(m.message));
    else p.resolve(m);
  }

  private keepStderr(text: string): void {
    this.stderrTail = (this.stderrTail + text).slice(-STDERR_KEEP);
  }

  private died(reason: string): void {
    if (this.exited !== null) return;
    const tail = meaningfulTail(this.stderrTail);
    this.exited = tail === '' ? reason : `${reason}; last output: ${tail}`;
    const err = new RuntimeError(`the model runtime stopped (${this.exited})`);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.kill();
    for (const fn of this.exitListeners) fn(this.exited);
  }
}
