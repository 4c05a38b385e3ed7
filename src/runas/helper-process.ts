// aiosd's side of one run-as helper: starts it (as root, which it leaves at once), hands it
// tool calls, streams their output and process reports back, forwards cancellation, and fails
// every call in flight, clearly, the moment the helper ends for any reason.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { StepPreview } from '../protocol/model.js';
import type { PathUse, ToolResult } from '../tools/tool.js';
import { helperEnv } from './identity.js';
import type { HelperToolOptions, ProcessReport, RunAsIdentity, ToDaemon, ToHelper } from './messages.js';

/** A cancelled call that has not answered after this long ends the helper (and so the call). */
const ABORT_GRACE_MS = 10_000;
/** A helper that has not dropped privileges and built its tools in this long is given up on. */
const START_TIMEOUT_MS = 30_000;

export interface CallContext {
  signal: AbortSignal;
  onOutput: (chunk: string) => void;
  onProcess?: (p: ProcessReport) => void;
}

/** Where a file read as the helper's uid goes: its size first, then its bytes in order. */
export interface FileSink {
  size: (bytes: number) => void;
  chunk: (data: Buffer) => void;
}

type Answer = ToolResult | StepPreview | string | number | null;

interface Pending {
  resolve: (value: Answer) => void;
  reject: (err: Error) => void;
  ctx: CallContext | null;
  sink?: FileSink;
}

export class HelperEndedError extends Error {}

export class RunAsHelper {
  /** Resolves once the helper runs as its identity and has its tools; rejects if it never does. */
  readonly ready: Promise<{ uid: number; gid: number; groups: number[] }>;
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private endedWhy: string | null = null;
  private readonly startedAt = performance.now();
  /** Milliseconds from spawn to ready (the cold start); null until ready. */
  startMs: number | null = null;

  constructor(
    readonly who: RunAsIdentity,
    options: HelperToolOptions,
    script: string,
    private readonly onEnd: (why: string) => void,
  ) {
    // fds 0-2 are /dev/null and fd 3 the channel: nothing else of the daemon's crosses (node
    // marks its own descriptors close-on-exec), and the environment is built from scratch.
    this.child = spawn(process.execPath, [script, String(who.uid), String(who.gid), who.name ?? ''], {
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      serialization: 'advanced',
      env: helperEnv(who),
      cwd: '/',
    });
    let started: (who: { uid: number; gid: number; groups: number[] }) => void = () => undefined;
    let notStarted: (err: Error) => void = () => undefined;
    this.ready = new Promise((resolve, reject) => {
      started = resolve;
      notStarted = reject;
    });
    this.ready.catch(() => undefined); // a helper nobody waits on may fail to start unobserved
    const startTimer = setTimeout(
      () => this.kill(`it did not start within ${START_TIMEOUT_MS / 1000}s`),
      START_TIMEOUT_MS,
    );
    this.child.on('message', (msg: ToDaemon) => {
      if (msg.type === 'ready') {
        clearTimeout(startTimer);
        this.startMs = performance.now() - this.startedAt;
        started(msg);
      } else if (msg.type === 'failed') {
        this.endedWhy ??= msg.error;
      } else {
        this.answer(msg);
      }
    });
    const ended = (why: string): void => {
      clearTimeout(startTimer);
      this.endedWhy ??= why;
      const error = new HelperEndedError(`the helper that runs steps as ${this.label} ended: ${this.endedWhy}`);
      notStarted(error);
      for (const p of this.pending.values())
        p.reject(new HelperEndedError(`${error.message}; what the call did before that is unknown`));
      this.pending.clear();
      this.onEnd(this.endedWhy);
    };
    this.child.once('exit', (code, signal) =>
      ended(signal !== null ? `killed by ${signal}` : `exited with status ${code ?? '?'}`),
    );
    this.child.once('error', (err) => {
      ended(`could not run it: ${err.message}`);
      this.child.kill('SIGKILL');
    });
    this.child.send({ type: 'init', options } satisfies ToHelper);
  }

  get label(): string {
    return `${this.who.name ?? 'an account with no passwd entry'} (uid ${this.who.uid})`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.endedWhy === null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get busy(): number {
    return this.pending.size;
  }

  async execute(
    tool: string,
    args: unknown,
    paths: readonly PathUse[],
    box: { sandboxed: boolean; writable?: string[] },
    ctx: CallContext,
  ): Promise<ToolResult> {
    return (await this.request(ctx, (id) => ({
      type: 'execute',
      id,
      tool,
      args,
      paths: [...paths],
      ...box,
    }))) as ToolResult;
  }

  async preview(tool: string, args: unknown): Promise<StepPreview> {
    return (await this.request(null, (id) => ({ type: 'preview', id, tool, args }))) as StepPreview;
  }

  async mayWrite(paths: readonly string[]): Promise<string | null> {
    return (await this.request(null, (id) => ({ type: 'access', id, paths: [...paths] }))) as string | null;
  }

  /** Reads a file with the helper's credentials (the kernel's say), into `sink`; resolves to its size. */
  async readFile(path: string, sink: FileSink, signal: AbortSignal): Promise<number> {
    return (await this.request(
      { signal, onOutput: () => undefined },
      (id) => ({ type: 'read', id, path }),
      sink,
    )) as number;
  }

  /** Ends the helper: what is in flight fails with `why`. */
  kill(why: string): void {
    this.endedWhy ??= why;
    this.child.kill('SIGKILL');
  }

  /** The channel closes; the helper cancels what it runs and exits on its own. */
  end(): void {
    this.endedWhy ??= 'it was idle and was ended';
    if (this.child.connected) this.child.disconnect();
  }

  private async request(ctx: CallContext | null, build: (id: number) => ToHelper, sink?: FileSink): Promise<Answer> {
    await this.ready;
    if (!this.alive)
      throw new HelperEndedError(`the helper that runs steps as ${this.label} ended: ${this.endedWhy ?? 'unknown'}`);
    const id = this.nextId++;
    const answer = new Promise<Answer>((resolve, reject) =>
      this.pending.set(id, { resolve, reject, ctx, ...(sink === undefined ? {} : { sink }) }),
    );
    const signal = ctx?.signal;
    let graceTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      if (!this.child.connected) return;
      this.child.send({ type: 'abort', id, reason: String(signal?.reason ?? 'cancelled') } satisfies ToHelper);
      graceTimer = setTimeout(
        () => this.kill(`a cancelled call did not stop within ${ABORT_GRACE_MS / 1000}s`),
        ABORT_GRACE_MS,
      );
    };
    this.child.send(build(id));
    if (signal?.aborted === true) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    return answer.finally(() => {
      clearTimeout(graceTimer);
      signal?.removeEventListener('abort', onAbort);
    });
  }

  /**
   * The daemon may kill a reported process group as root: only a process that is the helper's
   * uid's, in the group named, is passed on, whatever the helper says. (The helper cannot be
   * traced by its uid, having changed credentials, but the daemon does not rely on that.)
   */
  private owns(report: ProcessReport): boolean {
    try {
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${report.pid}/status`, 'utf8'))?.[1];
      const stat = readFileSync(`/proc/${report.pid}/stat`, 'utf8');
      const pgrp = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2];
      return uid === String(this.who.uid) && pgrp === String(report.pgid);
    } catch {
      return false; // gone already: nothing of it to stop
    }
  }

  private answer(msg: Exclude<ToDaemon, { type: 'ready' | 'failed' }>): void {
    const p = this.pending.get(msg.id);
    if (p === undefined) return;
    switch (msg.type) {
      case 'output':
        p.ctx?.onOutput(msg.chunk);
        return;
      case 'process':
        if (this.owns(msg)) p.ctx?.onProcess?.({ pid: msg.pid, pgid: msg.pgid });
        return;
      case 'result':
        this.pending.delete(msg.id);
        p.resolve(msg.result);
        return;
      case 'preview':
        this.pending.delete(msg.id);
        p.resolve(msg.preview);
        return;
      case 'access':
        this.pending.delete(msg.id);
        p.resolve(msg.refusal);
        return;
      case 'file-size':
        p.sink?.size(msg.size);
        return;
      case 'chunk':
        p.sink?.chunk(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength));
        return;
      case 'read-end':
        this.pending.delete(msg.id);
        p.resolve(msg.size);
        return;
      case 'error':
        this.pending.delete(msg.id);
        p.reject(new Error(msg.error));
        return;
    }
  }
}
