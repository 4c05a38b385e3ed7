// One supervised service: spawn, readiness, watchdog, exit, backoff, stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { write } from 'node:fs';
import type { ServiceRecord } from '../../src/protocol/boot-timeline.js';
import { RecentLines } from './recent-lines.js';
import { within } from '../../src/async/within.js';
import { decideRestart, type RestartPolicy } from './restart-policy.js';
import type { ServiceSpec, ServiceState } from './service-spec.js';

const SETTLED: ReadonlySet<ServiceState> = new Set(['running', 'done', 'failed', 'stopped']);
const MAX_REMEMBERED_STARTS = 64;

interface RunnerHooks {
  log: (line: string) => void;
  changed: (runner: ServiceRunner) => void;
}

export class ServiceRunner {
  state: ServiceState = 'inactive';
  private child: ChildProcess | null = null;
  private starts: number[] = [];
  private totalStarts = 0;
  private quickFailures = 0;
  private lastExit: string | null = null;
  private stopRequested = false;
  private backoffTimer: ReturnType<typeof setTimeout> | null = null;
  private waiters: Array<(s: ServiceState) => void> = [];
  private exitWaiters: Array<() => void> = [];
  /** What `service.status` shows: the supervisor's notes and, with keepOutput, the output. */
  readonly recent = new RecentLines();

  constructor(
    readonly spec: ServiceSpec,
    private readonly policy: RestartPolicy,
    private readonly hooks: RunnerHooks,
  ) {}

  record(): ServiceRecord {
    return {
      name: this.spec.name,
      state: this.state,
      pid: this.child?.pid ?? null,
      starts: this.totalStarts,
      lastExit: this.lastExit,
    };
  }

  setState(state: ServiceState): void {
    if (this.state === state) return;
    this.state = state;
    this.hooks.changed(this);
    if (SETTLED.has(state)) for (const w of this.waiters.splice(0)) w(state);
  }

  /** Resolves once the service is running, done, failed or stopped. */
  settled(): Promise<ServiceState> {
    if (SETTLED.has(this.state)) return Promise.resolve(this.state);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  fail(reason: string): void {
    this.lastExit = reason;
    this.note(`failed: ${reason}`);
    this.setState('failed');
  }

  /** A line about this service: to aios-init's log and to the service's recent lines. */
  note(text: string): void {
    this.remember(text);
    this.hooks.log(`${this.spec.name}: ${text}`);
  }

  /** A line about this service, timed, for its recent lines only (routine: not worth the log). */
  private remember(text: string): void {
    this.recent.add(`${new Date().toISOString()} ${text}`);
  }

  launch(): Promise<ServiceState> {
    this.stopRequested = false;
    this.spawnOnce();
    return this.settled();
  }

  async stop(): Promise<void> {
    this.stopRequested = true;
    if (this.backoffTimer !== null) {
      clearTimeout(this.backoffTimer);
      this.backoffTimer = null;
    }
    const child = this.child;
    if (child === null) {
      if (this.state === 'backoff' || this.state === 'waiting' || this.state === 'starting') this.setState('stopped');
      return;
    }
    this.setState('stopping');
    const exited = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
    this.signal(child, 'SIGTERM');
    const killer = setTimeout(() => {
      this.note(`did not stop within ${this.stopTimeoutMs()} ms of SIGTERM; sending SIGKILL`);
      this.signal(child, 'SIGKILL');
    }, this.stopTimeoutMs());
    await exited;
    clearTimeout(killer);
  }

  private stopTimeoutMs(): number {
    return this.spec.stopTimeoutMs ?? 5000;
  }

  /** Signals the service's whole process group (it leads one: spawned detached). */
  private signal(child: ChildProcess, sig: NodeJS.Signals): void {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      try {
        child.kill(sig);
      } catch {
        /* already gone */
      }
    }
  }

  private spawnOnce(): void {
    const { spec } = this;
    const startedAt = Date.now();
    this.starts = [...this.starts, startedAt].slice(-MAX_REMEMBERED_STARTS);
    this.totalStarts += 1;
    try {
      const before = spec.beforeStart?.() ?? null;
      if (before !== null) this.note(before);
    } catch (err) {
      this.note(`before start: ${err instanceof Error ? err.message : String(err)}`);
    }
    const out = spec.keepOutput === true ? 'pipe' : (spec.output ?? 'ignore');
    const child = spawn(spec.argv[0], spec.argv.slice(1), {
      detached: true,
      stdio: ['ignore', out, out],
      env: spec.env ?? process.env,
      ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
    });
    this.child = child;
    if (spec.keepOutput === true) this.keepOutputOf(child);
    this.setState('starting');
    const run = new AbortController();
    let ended = false;
    const onEnd = (description: string, failed: boolean): void => {
      if (ended) return;
      ended = true;
      run.abort();
      this.child = null;
      this.lastExit = description;
      for (const w of this.exitWaiters.splice(0)) w();
      this.afterExit({ startedAt, endedAt: Date.now(), failed }, description);
    };
    child.once('spawn', () => this.remember(`started: pid ${child.pid ?? '?'}`));
    child.once('error', (err) => onEnd(`could not start: ${err.message}`, true));
    child.once('exit', (code, sig) =>
      onEnd(sig !== null ? `killed by ${sig}` : `exit ${code ?? '?'}`, sig !== null || code !== 0),
    );
    if (spec.kind === 'oneshot') return;
    child.once('spawn', () => {
      if (spec.ready === undefined) {
        this.becameReady(child, run.signal);
        return;
      }
      const timeout = spec.readyTimeoutMs ?? 30_000;
      within(spec.ready(run.signal), timeout, `readiness: no answer within ${timeout} ms`).then(
        () => {
          if (!ended) this.becameReady(child, run.signal);
        },
        (err: unknown) => {
          if (ended || this.stopRequested) return;
          this.note(`not ready: ${err instanceof Error ? err.message : String(err)}; killing it`);
          this.signal(child, 'SIGKILL');
        },
      );
    });
  }

  private becameReady(child: ChildProcess, signal: AbortSignal): void {
    this.setState('running');
    const wd = this.spec.watchdog;
    if (wd === undefined) return;
    // One listener on the run for its whole life: a listener per probe would pile up on a
    // daemon that runs for months.
    let timer: ReturnType<typeof setTimeout> | undefined;
    let probe: AbortController | null = null;
    let missed = 0;
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        probe?.abort();
      },
      { once: true },
    );
    const tick = (delayMs: number): void => {
      timer = setTimeout(() => {
        const current = new AbortController();
        probe = current;
        const deadline = setTimeout(() => current.abort(), wd.timeoutMs);
        within(wd.probe(current.signal), wd.timeoutMs, `watchdog probe: no answer within ${wd.timeoutMs} ms`).then(
          () => {
            clearTimeout(deadline);
            missed = 0;
            if (!signal.aborted) tick(wd.intervalMs);
          },
          (err: unknown) => {
            clearTimeout(deadline);
            if (signal.aborted || this.stopRequested) return;
            const why = err instanceof Error ? err.message : String(err);
            missed++;
            const allowed = wd.misses ?? 1;
            if (missed < allowed) {
              this.note(`watchdog: ${why} (miss ${missed} of ${allowed}); asking again`);
              tick(0);
              return;
            }
            const inARow = allowed > 1 ? ` (${missed} in a row)` : '';
            this.note(`watchdog: ${why}${inARow}; killing it (SIGKILL) to restart`);
            this.signal(child, 'SIGKILL');
          },
        );
      }, delayMs);
    };
    tick(wd.intervalMs);
  }

  /** Output lines into the recent lines, and on to the log file descriptor when there is one. */
  private keepOutputOf(child: ChildProcess): void {
    const fd = this.spec.output;
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        this.recent.addOutput(chunk.toString('utf8'));
        if (typeof fd === 'number') write(fd, chunk, () => undefined); // a full disk must not stop the service
      });
    }
  }

  private afterExit(run: { startedAt: number; endedAt: number; failed: boolean }, description: string): void {
    if (this.stopRequested) {
      this.remember(`stopped: ${description}`);
      this.setState('stopped');
      return;
    }
    if (this.spec.kind === 'oneshot' && !run.failed) {
      this.remember(`finished: ${description}`);
      this.setState('done');
      return;
    }
    const decision = decideRestart(this.policy, { starts: this.starts, quickFailures: this.quickFailures }, run);
    if (decision.kind === 'stop') {
      if (run.failed) this.fail(`${description}; ${decision.reason}`);
      else {
        this.remember(`ended: ${description}; ${decision.reason}`);
        this.setState('stopped');
      }
      return;
    }
    this.quickFailures = decision.quickFailures;
    this.note(`${description}; starting again in ${decision.delayMs} ms`);
    this.setState('backoff');
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = null;
      this.spawnOnce();
    }, decision.delayMs);
  }
}
