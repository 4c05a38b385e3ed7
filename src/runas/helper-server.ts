// The run-as helper after it dropped privileges: builds the same tools as the daemon and runs
// what it is sent (tool executions and previews), streaming output and process reports back.
// The kernel decides what each call may read or write; a cancellation aborts the call.
import { access, constants, lstat } from 'node:fs/promises';
import { dirname } from 'node:path';
import process from 'node:process';
import { protectedRules, ProtectedPaths } from '../policy/path-guard.js';
import { readOnlySandbox, writeSandbox } from '../sandbox/read-only-sandbox.js';
import { createBuiltinRegistry } from '../tools/builtin-tools.js';
import type { ToolRegistry } from '../tools/registry.js';
import { detectServiceManager } from '../tools/service-manager.js';
import type { ToolContext, ToolResult } from '../tools/tool.js';
import { pathGuard } from './checked-paths.js';
import { sendFile } from './helper-read.js';
import type { HelperToolOptions, ProcessReport, ToDaemon, ToHelper } from './messages.js';

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** After the channel closes, how long calls in flight get to stop before the helper exits. */
const WIND_DOWN_MS = 3000;

/** Sends and waits until the channel took it: a file's chunks never pile up in memory. */
function sendNow(msg: ToDaemon): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.connected || process.send === undefined) reject(new Error('aiosd closed the channel'));
    else process.send(msg, undefined, undefined, (err) => (err === null ? resolve() : reject(err)));
  });
}

function send(msg: ToDaemon): void {
  if (!process.connected) return; // the daemon is gone: nobody to tell
  try {
    process.send?.(msg);
  } catch (err) {
    // A result holding something that cannot be cloned still reports, without its data.
    if (msg.type === 'result')
      process.send?.({ ...msg, result: msg.result.ok ? { ok: true, output: msg.result.output } : msg.result });
    else throw err;
  }
}

interface Tools {
  registry: ToolRegistry;
  sandbox: ((argv: readonly string[]) => string[]) | null;
  writeSandbox: ((argv: readonly string[], writable: readonly string[]) => string[]) | null;
  sandboxProblem: string;
}

function buildTools(o: HelperToolOptions): Tools {
  const protectedPaths = new ProtectedPaths(protectedRules(o.locations));
  const registry = createBuiltinRegistry({
    timeoutMs: o.timeoutMs,
    outputCapBytes: o.outputCapBytes,
    serviceManager: detectServiceManager({ initSocket: o.initSocket, env: o.serviceEnv }),
    isSecret: (p) => protectedPaths.match(p)?.secret === true,
    ...(o.packagesRoot === undefined ? {} : { packagesRoot: o.packagesRoot }),
  });
  const sandbox = o.sandbox === null ? null : readOnlySandbox(o.sandbox);
  // A writing command may be given up to shell.exec's longest timeout (an hour) of CPU time, as in the daemon.
  const writing = o.sandbox === null ? null : writeSandbox({ hide: o.sandbox.hide, cpuSeconds: 3600 + 5 });
  return {
    registry,
    sandbox: sandbox?.wrap ?? null,
    writeSandbox: writing?.wrap ?? null,
    sandboxProblem: sandbox?.reason ?? 'the daemon has no sandbox',
  };
}

/** Whether this process may change `path`: the file itself if it exists, else create it in its nearest existing directory. */
async function writeRefusal(path: string): Promise<string | null> {
  let target = path;
  let creating = false;
  for (;;) {
    const there = await lstat(target).then(
      () => true,
      () => false,
    );
    if (there || target === '/') break;
    creating = true;
    target = dirname(target);
  }
  const mode = creating ? constants.W_OK | constants.X_OK : constants.W_OK;
  return access(target, mode).then(
    () => null,
    (err: unknown) => {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      return `${code}: uid ${process.getuid?.()} may not ${creating ? `create ${path} (in ${target})` : `write ${path}`}`;
    },
  );
}

export function serve(who: { uid: number; gid: number; groups: number[] }): void {
  let tools: Tools | null = null;
  const running = new Map<number, AbortController>();

  const execute = async (msg: Extract<ToHelper, { type: 'execute' }>, t: Tools): Promise<ToolResult> => {
    const tool = t.registry.get(msg.tool);
    if (tool === undefined) return { ok: false, output: '', error: `the run-as helper has no tool "${msg.tool}"` };
    // What the daemon's policy judged to run sandboxed never runs here without the sandbox.
    if ((msg.sandboxed && t.sandbox === null) || (msg.writable !== undefined && t.writeSandbox === null)) {
      return {
        ok: false,
        output: '',
        error: `the sandbox cannot start as uid ${who.uid} (${t.sandboxProblem}); nothing ran`,
      };
    }
    const writing = t.writeSandbox;
    const writable = msg.writable;
    const controller = new AbortController();
    running.set(msg.id, controller);
    const ctx: ToolContext & { onProcess: (p: ProcessReport) => void } = {
      signal: controller.signal,
      onOutput: (chunk) => send({ type: 'output', id: msg.id, chunk }),
      onProcess: (p) => send({ type: 'process', id: msg.id, pid: p.pid, pgid: p.pgid }),
      checkPath: pathGuard(msg.paths),
      ...(msg.sandboxed && t.sandbox !== null ? { sandbox: t.sandbox } : {}),
      ...(!msg.sandboxed && writable !== undefined && writing !== null
        ? { sandbox: (argv: readonly string[]) => writing(argv, writable) }
        : {}),
    };
    try {
      return await tool.execute(msg.args, ctx);
    } finally {
      running.delete(msg.id);
    }
  };

  process.on('message', (raw: ToHelper) => {
    if (raw.type === 'init') {
      try {
        tools = buildTools(raw.options);
        send({ type: 'ready', ...who });
      } catch (err) {
        send({ type: 'failed', error: `the run-as helper could not set up its tools: ${message(err)}` });
        process.disconnect?.();
      }
      return;
    }
    if (raw.type === 'abort') {
      running.get(raw.id)?.abort(new Error(raw.reason));
      return;
    }
    const t = tools;
    if (t === null) {
      send({ type: 'error', id: raw.id, error: 'the run-as helper was sent work before it was set up' });
      return;
    }
    if (raw.type === 'execute') {
      execute(raw, t).then(
        (result) => send({ type: 'result', id: raw.id, result }),
        (err: unknown) => send({ type: 'error', id: raw.id, error: message(err) }),
      );
      return;
    }
    if (raw.type === 'read') {
      const controller = new AbortController();
      running.set(raw.id, controller);
      sendFile(raw.id, raw.path, controller.signal, sendNow)
        .catch((err: unknown) => send({ type: 'error', id: raw.id, error: message(err) }))
        .finally(() => running.delete(raw.id));
      return;
    }
    if (raw.type === 'access') {
      Promise.all(raw.paths.map(writeRefusal)).then(
        (refusals) => send({ type: 'access', id: raw.id, refusal: refusals.find((r) => r !== null) ?? null }),
        (err: unknown) => send({ type: 'error', id: raw.id, error: message(err) }),
      );
      return;
    }
    const tool = t.registry.get(raw.tool);
    if (tool === undefined) {
      send({ type: 'error', id: raw.id, error: `the run-as helper has no tool "${raw.tool}"` });
      return;
    }
    // Some previews throw before they return a promise: caught the same way.
    Promise.resolve()
      .then(() => tool.preview(raw.args))
      .then(
        (preview) => send({ type: 'preview', id: raw.id, preview }),
        (err: unknown) => send({ type: 'error', id: raw.id, error: message(err) }),
      );
  });
  // A bug of ours, not a tool's failure: the daemon hears what it was, then the helper ends.
  process.on('uncaughtException', (err) => {
    if (process.connected)
      process.send?.({ type: 'failed', error: `the run-as helper failed: ${message(err)}` } satisfies ToDaemon, () =>
        process.exit(1),
      );
    else process.exit(1);
  });
  // The daemon went away: what runs is cancelled (its processes killed), then the helper ends.
  process.on('disconnect', () => {
    for (const c of running.values()) c.abort(new Error('aiosd closed the channel'));
    setTimeout(() => process.exit(0), running.size === 0 ? 0 : WIND_DOWN_MS).unref();
  });
}
