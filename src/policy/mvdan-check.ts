// A second opinion from a real shell parser: mvdan/sh (the parser behind shfmt, compiled to
// WASM as sh-syntax) must accept the line and find its statements where aiOS's parser found
// them. It runs in a worker thread so that a parse that hangs can be cut off: a parse that
// fails, disagrees or times out means deny.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { ShellVariant } from './shell-ast.js';

export type MvdanResult =
  { ok: true; statements: { start: number; background: boolean }[] } | { ok: false; reason: string };

/**
 * A parse that takes longer is taken as hanging. Wide enough for a node emulated without KVM on
 * a loaded host (the power-loss image test's `while` line took over 2 s there).
 */
const DEFAULT_TIMEOUT_MS = 5000;
/**
 * Starting a worker compiles mvdan's WASM (megabytes of Go), which on a busy 2-core machine can
 * take longer than a parse may. That is not the parse hanging, so it has its own, wider bound and
 * the parse's clock starts only once the parser is ready.
 */
const START_TIMEOUT_MS = 20_000;
/** Each parse leaves a little of the Go runtime behind; a fresh worker now and then keeps memory flat. */
const PARSES_PER_WORKER = 500;

// CommonJS so that it runs with eval: true, where import() of a bare path is not available.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const sh = require(workerData.entry);
const module_ = new WebAssembly.Module(readFileSync(workerData.wasm));
const parse = sh.getProcessor((imports) => new WebAssembly.Instance(module_, imports));
// The first parse starts the Go runtime (several times a later parse): done here, under the
// start's bound, not the first command's.
parse('true', { variant: 1, keepComments: false }).then(
  () => parentPort.postMessage({ ready: true }),
  () => parentPort.postMessage({ ready: true }),
);
parentPort.on('message', async ({ id, text, variant }) => {
  try {
    const file = await parse(text, { variant, keepComments: false });
    parentPort.postMessage({ id, ok: true, statements: (file.Stmts || []).map((s) => ({ start: s.Pos.Offset, background: s.Background })) });
  } catch (err) {
    parentPort.postMessage({ id, ok: false, reason: String((err && (err.Text || err.message)) || err) });
  }
});`;

interface Pending {
  resolve: (r: MvdanResult) => void;
  timer: NodeJS.Timeout;
}

export class MvdanParser {
  private worker: Worker | null = null;
  /** Settles once the current worker has compiled the parser (true) or could not (false). */
  private ready: Promise<boolean> = Promise.resolve(false);
  private parses = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly timeoutMs = DEFAULT_TIMEOUT_MS) {}

  /** Byte offsets are converted to string indices, so they compare with aiOS's parser. */
  async parse(text: string, variant: ShellVariant): Promise<MvdanResult> {
    let worker: Worker;
    try {
      worker = this.ensureWorker();
    } catch (err) {
      return { ok: false, reason: `the shell parser could not start: ${(err as Error).message}` };
    }
    if (!(await this.ready)) {
      this.restart();
      return { ok: false, reason: `the shell parser did not start within ${START_TIMEOUT_MS / 1000} s` };
    }
    const id = this.nextId++;
    // LangBash is 1 and LangPOSIX 2 in mvdan/sh 3.13's bit flags.
    const result = await new Promise<MvdanResult>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.restart();
        resolve({ ok: false, reason: `the shell parser did not finish within ${this.timeoutMs} ms` });
      }, this.timeoutMs);
      this.pending.set(id, { resolve, timer });
      worker.postMessage({ id, text, variant: variant === 'bash' ? 1 : 2 });
    });
    if (!result.ok) return result;
    const bytes = Buffer.from(text);
    return {
      ok: true,
      statements: result.statements.map((s) => ({ ...s, start: bytes.subarray(0, s.start).toString().length })),
    };
  }

  /** Stops the worker; a later parse starts a new one. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve({ ok: false, reason: 'the shell parser was stopped' });
      this.pending.delete(id);
    }
    if (w !== null) await w.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker !== null && this.parses < PARSES_PER_WORKER) {
      this.parses += 1;
      return this.worker;
    }
    if (this.worker !== null) void this.worker.terminate();
    const require = createRequire(import.meta.url);
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { entry: require.resolve('sh-syntax'), wasm: require.resolve('sh-syntax/main.wasm') },
    });
    worker.unref();
    // This worker's own resolver: an old worker exiting must not settle a new one's start. One
    // start timer per worker, not per parse: once it is ready, a parse only awaits a settled promise.
    let settle: (ok: boolean) => void = () => undefined;
    this.ready = new Promise<boolean>((resolve) => {
      settle = resolve;
    });
    const startTimer = setTimeout(() => settle(false), START_TIMEOUT_MS).unref();
    const markReady = (ok: boolean): void => {
      clearTimeout(startTimer);
      settle(ok);
    };
    worker.on('message', (msg: ({ id: number } & MvdanResult) | { ready: true }) => {
      if ('ready' in msg) {
        markReady(true);
        return;
      }
      const p = this.pending.get(msg.id);
      if (p === undefined) return;
      clearTimeout(p.timer);
      this.pending.delete(msg.id);
      p.resolve(msg.ok ? { ok: true, statements: msg.statements } : { ok: false, reason: msg.reason });
    });
    worker.on('error', (err) => {
      markReady(false);
      this.failAll(`the shell parser crashed: ${err.message}`);
    });
    worker.on('exit', () => {
      markReady(false);
      if (this.worker === worker) this.worker = null;
    });
    this.worker = worker;
    this.parses = 1;
    return worker;
  }

  private restart(): void {
    const w = this.worker;
    this.worker = null;
    if (w !== null) void w.terminate();
    this.failAll('the shell parser was restarted');
  }

  private failAll(reason: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve({ ok: false, reason });
      this.pending.delete(id);
    }
  }
}
