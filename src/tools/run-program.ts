// Runs one program from an argv: never through a shell, never with the daemon's environment,
// always bounded in time and in the output it keeps, and never leaving its children behind.
import { execa } from 'execa';
import { accessSync, constants, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { parseProcStat } from './procfs.js';

export interface RunOptions {
  timeoutMs: number;
  /** Bytes of stdout + stderr kept (and streamed); the rest is drained and dropped. */
  outputCapBytes: number;
  signal?: AbortSignal;
  onOutput?: (chunk: string) => void;
  cwd?: string;
  /** Added to (and overriding) the minimal environment. */
  env?: Record<string, string>;
  /** Told the program's pid and process group right after it is spawned (the step's journal and brakes). */
  onProcess?: (p: { pid: number; pgid: number }) => void;
  /** A cgroup v2 directory the program starts in, before it runs a single instruction of its own. */
  cgroup?: string;
}

export type RunResult =
  | {
      started: true;
      exitCode: number | null;
      signal: string | null;
      stdout: string;
      stderr: string;
      truncated: boolean;
      timedOut: boolean;
      aborted: boolean;
      durationMs: number;
    }
  | { started: false; error: string; durationMs: number };

/** How long a process group gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 2000;

/** How long output may keep arriving after the whole group is gone. */
const PIPE_GRACE_MS = 500;

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The daemon's environment may carry API keys and tokens; a child gets only what a program
 * needs to behave normally. TERM is 'dumb' because output goes to a pipe, not a terminal.
 */
export function minimalEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? DEFAULT_PATH,
    HOME: process.env.HOME ?? '/root',
    LANG: process.env.LANG ?? 'C.UTF-8',
    TERM: 'dumb',
    ...extra,
  };
}

export async function runProgram(argv: readonly string[], opts: RunOptions): Promise<RunResult> {
  const began = Date.now();
  const elapsed = (): number => Date.now() - began;
  const [file] = argv;
  if (file === undefined || file === '') return { started: false, error: 'empty argv: nothing to run', durationMs: 0 };
  if (opts.signal?.aborted === true) return { started: false, error: 'cancelled before it started', durationMs: 0 };
  if (opts.cwd !== undefined && !isDirectory(opts.cwd)) {
    return { started: false, error: `working directory not found: ${opts.cwd}`, durationMs: 0 };
  }

  // In a cgroup, a fixed prelude moves the shell into it and execs the program (argv passed
  // as arguments, never read as shell text), so not even its first fork happens outside. The
  // prelude would turn a missing program into exit 127: that is found out here first.
  let spawnArgv: readonly string[] = argv;
  if (opts.cgroup !== undefined) {
    const missing = unrunnable(file, opts.env?.PATH ?? minimalEnv().PATH ?? DEFAULT_PATH);
    if (missing !== null) return { started: false, error: spawnError(file, missing), durationMs: 0 };
    spawnArgv = ['/bin/sh', '-c', 'echo $$ > "$0/cgroup.procs" 2>/dev/null; exec "$@"', opts.cgroup, ...argv];
  }
  const [spawnFile = file, ...spawnArgs] = spawnArgv;
  // detached puts the child in its own process group, so one kill(-pgid) reaches every
  // descendant that did not deliberately leave the group.
  const child = execa(spawnFile, spawnArgs, {
    shell: false,
    stdin: 'ignore',
    buffer: false,
    reject: false,
    detached: true,
    extendEnv: false,
    env: minimalEnv(opts.env),
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
  });

  if (child.pid !== undefined) opts.onProcess?.({ pid: child.pid, pgid: child.pid });
  const capture = new OutputCapture(opts.outputCapBytes, opts.onOutput);
  child.stdout?.on('data', (chunk: Buffer | string) => capture.add('stdout', chunk));
  child.stderr?.on('data', (chunk: Buffer | string) => capture.add('stderr', chunk));

  let killing: Promise<void> | undefined;
  let pipeTimer: NodeJS.Timeout | undefined;
  let timedOut = false;
  let aborted = false;
  const shutdown = (): void => {
    if (killing !== undefined || child.pid === undefined) return;
    killing = killGroup(child.pid).then(() => {
      // A descendant that left the group (setsid) may still hold the pipes: stop waiting on it.
      pipeTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, PIPE_GRACE_MS);
    });
  };
  const timer = setTimeout(() => {
    timedOut = true;
    shutdown();
  }, opts.timeoutMs);
  const onAbort = (): void => {
    aborted = true;
    shutdown();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  // When the program itself is done, so is anything it left running in its group.
  child.once('exit', shutdown);

  try {
    const result = await child;
    // A spawn failure has no pid: the program never ran.
    if (child.pid === undefined || (result.failed && result.exitCode === undefined && result.signal === undefined)) {
      return { started: false, error: spawnError(file, result.code), durationMs: elapsed() };
    }
    if (killing !== undefined) await killing;
    const { stdout, stderr } = capture.finish();
    return {
      started: true,
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      stdout,
      stderr,
      truncated: capture.truncated,
      timedOut,
      aborted,
      durationMs: elapsed(),
    };
  } finally {
    clearTimeout(timer);
    clearTimeout(pipeTimer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

function spawnError(file: string, code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return `program not found: ${file}`;
    case 'EACCES':
      return `program not executable: ${file}`;
    default:
      return `could not start ${file}: ${code ?? 'unknown error'}`;
  }
}

/** Why `file` cannot be run (ENOENT, EACCES), looked up on PATH as execvp would; null when it can. */
function unrunnable(file: string, path: string): string | null {
  const candidates = file.includes('/')
    ? [file]
    : path
        .split(delimiter)
        .filter((d) => d !== '')
        .map((d) => join(d, file));
  let code = 'ENOENT';
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      if (!isDirectory(c)) return null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EACCES') code = 'EACCES';
    }
  }
  return code;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * SIGTERM to the whole group, then SIGKILL to whatever is still there after the grace period.
 * Resolves once the group is gone, so a caller never returns while a descendant still runs.
 */
async function killGroup(pgid: number): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  const deadline = Date.now() + KILL_GRACE_MS;
  while (Date.now() < deadline) {
    await sleep(50);
    if (!(await groupRunning(pgid))) return;
  }
  signalGroup(pgid, 'SIGKILL');
}

/**
 * kill(-pgid, 0) also counts zombies, and an orphan's zombie lingers until init reaps it
 * (some inits never do), so ask /proc whether any member is still running.
 */
async function groupRunning(pgid: number): Promise<boolean> {
  const pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n));
  const states = await Promise.all(
    pids.map(async (pid) => {
      const stat = parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''));
      return stat !== null && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X';
    }),
  );
  return states.includes(true);
}

/** False when the group no longer exists, or holds only processes we may not signal. */
function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH' || code === 'EPERM') return false;
    throw error;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Keeps the first `cap` bytes of output across both streams; counts, but drops, the rest. */
class OutputCapture {
  truncated = false;
  private used = 0;
  private readonly kept = { stdout: [] as string[], stderr: [] as string[] };
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };

  constructor(
    private readonly cap: number,
    private readonly onOutput: ((chunk: string) => void) | undefined,
  ) {}

  add(stream: 'stdout' | 'stderr', chunk: Buffer | string): void {
    if (this.truncated) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const room = this.cap - this.used;
    const slice = bytes.length > room ? bytes.subarray(0, room) : bytes;
    this.used += slice.length;
    const text = this.decoders[stream].write(slice);
    this.emit(stream, text);
    if (bytes.length > room) {
      this.truncated = true;
      this.onOutput?.(`\n[output truncated at ${this.cap} bytes]\n`);
    }
  }

  finish(): { stdout: string; stderr: string } {
    this.emit('stdout', this.decoders.stdout.end());
    this.emit('stderr', this.decoders.stderr.end());
    return { stdout: this.kept.stdout.join(''), stderr: this.kept.stderr.join('') };
  }

  private emit(stream: 'stdout' | 'stderr', text: string): void {
    if (text === '') return;
    this.kept[stream].push(text);
    this.onOutput?.(text);
  }
}
