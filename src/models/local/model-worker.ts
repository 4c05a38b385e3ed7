// The model runtime's entry (dist/model-worker.js): node-llama-cpp runs here, in a process
// of its own, and answers the daemon over IPC. The same file also runs as a worker thread
// (the benchmark compares the two; see worker-host.ts for why a process is the default).
import { parentPort } from 'node:worker_threads';
import { LlamaEngine } from './llama-engine.js';
import type { HostMessage, WorkerMessage } from './worker-protocol.js';

interface Port {
  send(msg: WorkerMessage): void;
  onMessage(fn: (msg: HostMessage) => void): void;
}

function openPort(): Port {
  const thread = parentPort;
  if (thread !== null) {
    return { send: (m) => thread.postMessage(m), onMessage: (fn) => thread.on('message', fn) };
  }
  if (process.send === undefined) throw new Error('model-worker must be started by aiosd (no IPC channel)');
  const send = process.send.bind(process);
  // The daemon going away closes the channel: leave with it rather than linger holding a model.
  process.on('disconnect', () => process.exit(0));
  return {
    send: (m) => {
      send(m);
    },
    onMessage: (fn) => process.on('message', (m) => fn(m as HostMessage)),
  };
}

/** Text chunks after the first are batched per interval: the TUI redraws at most this often anyway. */
const DELTA_INTERVAL_MS = 16;

function main(): void {
  const port = openPort();
  const running = new Map<number, AbortController>();
  let ready: Promise<LlamaEngine> | null = null;
  const fail = (id: number | null, err: unknown, aborted = false): void => {
    port.send({ type: 'error', id, message: err instanceof Error ? err.message : String(err), aborted });
  };
  const need = (): Promise<LlamaEngine> => ready ?? Promise.reject(new Error('the runtime was not initialised'));
  /**
   * A request `cancel` can stop: its answer, or its error marked aborted when it was cancelled.
   * `settle` runs first either way (generate's last batched deltas go before its end).
   */
  const cancellable = <T>(
    id: number,
    work: (e: LlamaEngine, signal: AbortSignal) => Promise<T>,
    answer: (value: T) => void,
    settle: () => void = () => undefined,
  ): void => {
    const ac = new AbortController();
    running.set(id, ac);
    need()
      .then((e) => work(e, ac.signal))
      .then(
        (value) => {
          settle();
          answer(value);
        },
        (err: unknown) => {
          settle();
          fail(id, err, ac.signal.aborted);
        },
      )
      .finally(() => running.delete(id));
  };

  port.onMessage((msg) => {
    switch (msg.type) {
      case 'init':
        ready = LlamaEngine.start(msg.gpu, (line) => process.stderr.write(`${line}\n`), msg.exclude).then(
          ({ engine, info }) => {
            port.send({ type: 'ready', info });
            return engine;
          },
        );
        ready.catch((err: unknown) => fail(null, err));
        return;
      case 'load':
        need()
          .then((e) => e.load(msg.spec))
          .then(
            (info) => port.send({ type: 'loaded', id: msg.id, info }),
            (err: unknown) => fail(msg.id, err),
          );
        return;
      case 'unload':
        need()
          .then((e) => e.unload(msg.key))
          .then(
            () => port.send({ type: 'unloaded', id: msg.id }),
            (err: unknown) => fail(msg.id, err),
          );
        return;
      case 'memory':
        need().then(
          (e) => port.send({ type: 'memory', id: msg.id, info: e.memory() }),
          (err: unknown) => fail(msg.id, err),
        );
        return;
      case 'cancel':
        running.get(msg.id)?.abort(new Error('cancelled'));
        return;
      case 'embed':
        return cancellable(
          msg.id,
          (e, signal) => e.embed(msg.spec, signal),
          (vector) => port.send({ type: 'embedded', id: msg.id, vector }),
        );
      case 'count':
        return cancellable(
          msg.id,
          (e) => Promise.resolve(e.count(msg.spec)),
          (tokens) => port.send({ type: 'counted', id: msg.id, tokens }),
        );
      case 'prepare':
        return cancellable(
          msg.id,
          (e, signal) => e.prepare(msg.spec, signal),
          (info) => port.send({ type: 'prepared', id: msg.id, info }),
        );
      case 'generate': {
        const deltas = deltaBatcher((text) => port.send({ type: 'delta', id: msg.id, text }));
        return cancellable(
          msg.id,
          (e, signal) => e.generate(msg.spec, signal, deltas.push),
          (result) => port.send({ type: 'done', id: msg.id, result }),
          deltas.flush,
        );
      }
    }
  });
}

/** The first chunk goes at once (time to first token is measured); later ones in batches. */
function deltaBatcher(send: (text: string) => void): { push: (text: string) => void; flush: () => void } {
  let buf = '';
  let sentFirst = false;
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    if (buf !== '') {
      send(buf);
      buf = '';
    }
  };
  return {
    push: (text) => {
      if (!sentFirst) {
        sentFirst = true;
        send(text);
        return;
      }
      buf += text;
      timer ??= setTimeout(flush, DELTA_INTERVAL_MS);
    },
    flush,
  };
}

main();
