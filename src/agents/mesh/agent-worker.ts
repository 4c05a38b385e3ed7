// One agent of the mesh: its own queue with bounded concurrency, a heartbeat, counts,
// and a deadline on every task. A task that throws or overruns fails alone; the agent is
// then isolated (stops taking work) until its supervisor restarts it after a backoff.

export type AgentState = 'idle' | 'busy' | 'restarting' | 'stopped';

export interface AgentTask<T> {
  id: string;
  deadlineMs: number;
  run: (signal: AbortSignal) => Promise<T>;
}

export interface AgentSnapshot {
  name: string;
  domain: string;
  state: AgentState;
  currentTasks: string[];
  queued: number;
  lastHeartbeat: string;
  done: number;
  failed: number;
  restarts: number;
  lastError: string | null;
  /** Why it takes no new work (aios agents stop --hold), or null. */
  held: string | null;
}

export class AgentTaskError extends Error {
  /** cancelled: taken off the queue before it started (a stop); held: the agent takes no work now. */
  constructor(
    message: string,
    readonly agent: string,
    readonly kind: 'threw' | 'deadline' | 'stopped' | 'cancelled' | 'held',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AgentTaskError';
  }
}

interface Queued {
  task: AgentTask<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export interface AgentWorkerOptions {
  name: string;
  domain: string;
  concurrency: number;
  /** Told when the agent needs a restart (it threw or hung); the supervisor decides when. */
  onFault: (agent: AgentWorker, reason: string) => void;
  onChange: (agent: AgentWorker) => void;
}

export class AgentWorker {
  private readonly queue: Queued[] = [];
  private readonly running = new Map<string, AbortController>();
  private state: AgentState = 'idle';
  private heartbeat = new Date();
  private done = 0;
  private failed = 0;
  private restarts = 0;
  private lastError: string | null = null;
  /** Why it takes no new work (aios agents stop --hold), or null. */
  private held: string | null = null;

  constructor(private readonly opts: AgentWorkerOptions) {}

  get name(): string {
    return this.opts.name;
  }

  submit<T>(task: AgentTask<T>): Promise<T> {
    if (this.state === 'stopped')
      return Promise.reject(new AgentTaskError(`agent ${this.name} is stopped`, this.name, 'stopped'));
    if (this.held !== null)
      return Promise.reject(new AgentTaskError(`agent ${this.name} takes no work: ${this.held}`, this.name, 'held'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ task: task as AgentTask<unknown>, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  beat(): void {
    this.heartbeat = new Date();
  }

  /** Called by the supervisor after the backoff: the agent takes work again. */
  restart(): void {
    if (this.state !== 'restarting') return;
    this.restarts++;
    this.setState(this.running.size > 0 ? 'busy' : 'idle');
    this.pump();
  }

  stop(): void {
    this.state = 'stopped';
    for (const c of this.running.values()) c.abort();
    for (const q of this.queue.splice(0))
      q.reject(new AgentTaskError(`agent ${this.name} stopped`, this.name, 'stopped'));
    this.opts.onChange(this);
  }

  /** Takes every queued task off the queue (none of them started); they fail as cancelled. Returns their ids. */
  cancelQueued(reason: string, match: (id: string) => boolean = () => true): string[] {
    const gone = this.queue.filter((q) => match(q.task.id));
    if (gone.length === 0) return [];
    this.queue.splice(0, this.queue.length, ...this.queue.filter((q) => !gone.includes(q)));
    for (const q of gone) q.reject(new AgentTaskError(reason, this.name, 'cancelled'));
    this.opts.onChange(this);
    return gone.map((q) => q.task.id);
  }

  /** The ids of the tasks it runs now. */
  runningIds(): string[] {
    return [...this.running.keys()];
  }

  /** null: it takes work again; a reason: it refuses new tasks until released. */
  hold(reason: string | null): void {
    this.held = reason;
    this.opts.onChange(this);
  }

  snapshot(): AgentSnapshot {
    return {
      name: this.name,
      domain: this.opts.domain,
      state: this.held !== null && this.state === 'idle' ? 'stopped' : this.state,
      currentTasks: [...this.running.keys()],
      queued: this.queue.length,
      lastHeartbeat: this.heartbeat.toISOString(),
      done: this.done,
      failed: this.failed,
      restarts: this.restarts,
      lastError: this.lastError,
      held: this.held,
    };
  }

  private setState(s: AgentState): void {
    this.state = s;
    this.opts.onChange(this);
  }

  private pump(): void {
    while (
      this.state !== 'restarting' &&
      this.state !== 'stopped' &&
      this.running.size < this.opts.concurrency &&
      this.queue.length > 0
    ) {
      const next = this.queue.shift() as Queued;
      void this.execute(next);
    }
  }

  private async execute({ task, resolve, reject }: Queued): Promise<void> {
    const controller = new AbortController();
    this.running.set(task.id, controller);
    this.setState('busy');
    this.beat();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, rej) => {
      timer = setTimeout(() => {
        controller.abort();
        rej(
          new AgentTaskError(
            `agent ${this.name} did not finish ${task.id} within ${task.deadlineMs} ms; it was isolated and will be restarted`,
            this.name,
            'deadline',
          ),
        );
      }, task.deadlineMs);
    });
    try {
      const value = await Promise.race([task.run(controller.signal), deadline]);
      this.done++;
      resolve(value);
    } catch (err) {
      this.failed++;
      const e =
        err instanceof AgentTaskError
          ? err
          : new AgentTaskError(
              `agent ${this.name} failed on ${task.id}: ${err instanceof Error ? err.message : String(err)}`,
              this.name,
              'threw',
              { cause: err },
            );
      this.lastError = e.message;
      reject(e);
      this.state = 'restarting';
      this.opts.onFault(this, e.message);
    } finally {
      clearTimeout(timer);
      this.running.delete(task.id);
      this.beat();
      if (this.state === 'busy' && this.running.size === 0) this.state = 'idle';
      this.opts.onChange(this);
      this.pump();
    }
  }
}
