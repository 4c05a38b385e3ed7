// Where a goal's tool calls run: in the daemon itself (root: an admin's goal, the monitor's,
// user mode), or in the run-as helper of the goal's owner, with the owner's uid, gid and
// groups, so the kernel decides what an operator's step may read or write. Every call site
// (steps, previews, facts before planning, verifications) goes through one of these.
import type { StepPreview } from '../protocol/model.js';
import type { PathUse, Tool, ToolContext, ToolResult } from '../tools/tool.js';
import { pathGuard } from './checked-paths.js';
import type { HelperPool } from './helper-pool.js';
import type { ProcessReport } from './messages.js';

export interface HostCall {
  signal: AbortSignal;
  onOutput: (chunk: string) => void;
  /** Each process the tool starts (its pid and process group), so the daemon can stop it. */
  onProcess?: (p: ProcessReport) => void;
  /** The canonical paths policy checked: the tool refuses any other at the moment of use. */
  paths?: readonly PathUse[];
  /** Policy judged it a read-only command line: it runs inside the sandbox. */
  sandboxed?: boolean;
  /** A command line that writes: it runs in the write sandbox, where only these paths are writable. */
  writable?: readonly string[];
  /**
   * The step's cgroup, which the tool's programs start in. In the daemon only: an operator's
   * helper cannot write a root-owned cgroup, so the daemon moves each process it reports instead.
   */
  cgroup?: string;
}

export interface StepHost {
  /** "root" or "ada (uid 1001)": for logs and failures. */
  readonly runsAs: string;
  execute(tool: Tool, args: unknown, call: HostCall): Promise<ToolResult>;
  preview(tool: Tool, args: unknown): Promise<StepPreview>;
  /** Null when these credentials may write (or create) every path; else the kernel's refusal. */
  mayWrite(paths: readonly string[]): Promise<string | null>;
}

type ReadSandbox = ((argv: readonly string[]) => string[]) | null | undefined;
type WriteSandbox = ((argv: readonly string[], writable: readonly string[]) => string[]) | null | undefined;

/** The sandbox a call's programs run in: read-only, writing only its declared paths, or none. */
function sandboxOf(call: HostCall, sandbox: ReadSandbox, writing: WriteSandbox): Pick<ToolContext, 'sandbox'> {
  if (call.sandboxed === true) return sandbox ? { sandbox } : {};
  if (call.writable !== undefined && writing) {
    const writable = call.writable;
    return { sandbox: (argv) => writing(argv, writable) };
  }
  return {};
}

/** Runs the tool in the daemon's own process, with the daemon's credentials. */
export function inDaemon(sandbox: ReadSandbox, writing?: WriteSandbox): StepHost {
  return {
    runsAs: 'the daemon',
    execute: (tool, args, call) => {
      const ctx: ToolContext & { onProcess?: (p: ProcessReport) => void } = {
        signal: call.signal,
        onOutput: call.onOutput,
        ...(call.onProcess === undefined ? {} : { onProcess: call.onProcess }),
        ...(call.paths === undefined ? {} : { checkPath: pathGuard(call.paths) }),
        ...sandboxOf(call, sandbox, writing),
        ...(call.cgroup === undefined ? {} : { cgroup: call.cgroup }),
      };
      return tool.execute(args, ctx);
    },
    preview: (tool, args) => tool.preview(args),
    mayWrite: () => Promise.resolve(null),
  };
}

/** Runs the tool in the uid's helper (started, or kept warm, by the pool). */
export function inHelper(pool: HelperPool, uid: number, sandboxAvailable: boolean): StepHost {
  const around = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } finally {
      pool.settle(uid);
    }
  };
  return {
    runsAs: `uid ${uid}`,
    execute: (tool, args, call) =>
      around(() =>
        pool.get(uid).execute(
          tool.name,
          args,
          call.paths ?? [],
          {
            sandboxed: call.sandboxed === true && sandboxAvailable,
            ...(call.writable === undefined ? {} : { writable: [...call.writable] }),
          },
          {
            signal: call.signal,
            onOutput: call.onOutput,
            ...(call.onProcess === undefined ? {} : { onProcess: call.onProcess }),
          },
        ),
      ),
    preview: (tool, args) => around(() => pool.get(uid).preview(tool.name, args)),
    mayWrite: (paths) => (paths.length === 0 ? Promise.resolve(null) : around(() => pool.get(uid).mayWrite(paths))),
  };
}

/** Picks the host for a goal's owner. */
export interface RunAs {
  hostFor(ownerUid: number | null): StepHost;
  /** True when this owner's calls run in the daemon (root, admins, the daemon's own actors). */
  runsAsRoot(uid: number): boolean;
}

export interface RunAsOptions {
  pool: HelperPool | null;
  /** True for owners whose steps run in the daemon as root: root, admins. */
  runsAsRoot: (uid: number) => boolean;
  sandbox: ((argv: readonly string[]) => string[]) | null;
  /** Shell commands that write run here with only their declared paths writable. */
  writeSandbox?: WriteSandbox;
}

/**
 * Without a pool (user mode, or a daemon that is not root and so cannot become anyone else)
 * every call runs in the daemon, as the daemon's user. With one, an owner who is not an admin
 * gets their own helper. A goal with no recorded owner (none exist) would run in the daemon.
 */
export function runAs(opts: RunAsOptions): RunAs {
  const daemon = inDaemon(opts.sandbox, opts.writeSandbox);
  return {
    runsAsRoot: opts.runsAsRoot,
    hostFor: (ownerUid) => {
      if (opts.pool === null || ownerUid === null || opts.runsAsRoot(ownerUid)) return daemon;
      return inHelper(opts.pool, ownerUid, opts.sandbox !== null);
    },
  };
}

/** Where this goal's tool calls run: its owner's helper, or the daemon (`runAs` absent: always). */
export function hostOf(
  deps: {
    runAs?: RunAs;
    sandbox?: ReadSandbox;
    writeSandbox?: WriteSandbox;
    store: { ownerUid(goalId: string): number | undefined };
  },
  goalId: string | null,
): StepHost {
  if (deps.runAs === undefined) return inDaemon(deps.sandbox, deps.writeSandbox);
  return deps.runAs.hostFor(goalId === null ? null : (deps.store.ownerUid(goalId) ?? null));
}
