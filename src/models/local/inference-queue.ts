// One model answers one request at a time; the rest wait here, the most urgent first
// (first come, first served within a priority). A request cancelled while waiting leaves
// the queue at once and never runs; one cancelled while running is told through its signal.

/** Lower runs first: a person waiting on a plan before background analysis. */
export const Priority = { interactive: 0, normal: 1, background: 2 } as const;
export type Priority = (typeof Priority)[keyof typeof Priority];

interface Waiting {
  priority: number;
  seq: number;
  start: () => void;
  cancel: (reason: unknown) => void;
}

export class InferenceQueue {
  private readonly waiting: Waiting[] = [];
  private busy = 0;
  private seq = 0;

  constructor(private readonly concurrency = 1) {}

  get pending(): number {
    return this.waiting.length;
  }

  get active(): number {
    return this.busy;
  }

  run<T>(priority: number, signal: AbortSignal | undefined, task: () => Promise<T>): Promise<T> {
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      const entry: Waiting = {
        priority,
        seq: this.seq++,
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          this.busy++;
          task()
            .then(resolve, reject)
            .finally(() => {
              this.busy--;
              this.next();
            });
        },
        cancel: reject,
      };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) {
          this.waiting.splice(i, 1);
          reject(signal?.reason);
        }
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
      this.waiting.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
      this.next();
    });
  }

  /** Rejects everything still waiting (the runtime is going away). */
  clear(reason: unknown): void {
    for (const w of this.waiting.splice(0)) w.cancel(reason);
  }

  private next(): void {
    while (this.busy < this.concurrency) {
      const w = this.waiting.shift();
      if (w === undefined) return;
      w.start();
    }
  }
}
