// shell.exec: run a command line, the riskiest tool there is. Policy has parsed it and judged
// every simple command in it before it gets here; what runs is exactly the approved text. One
// plain command runs from its argv with no shell at all; anything else runs under the host
// shell with no profile or rc file, so nothing runs that policy did not see. A command that
// writes runs in a sandbox where only the files it declares (and the absolute files its
// redirections name) and the directories it declares are writable: exactly what its step's
// snapshot records (a declared directory's whole tree).
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { hostShell } from '../policy/host-shell.js';
import { HARMLESS_TARGETS } from '../policy/policy-rules.js';
import { analyseShell } from '../policy/shell-analysis.js';
import { MAX_COMMAND_LENGTH } from '../policy/shell-check.js';
import { absolutePath } from './fields.js';
import { inTree } from '../recovery/snapshot-tree.js';
import { runProgram, type RunResult } from './run-program.js';
import { defineTool, type Tool, type ToolResult } from './tool.js';

const MAX_TIMEOUT_MS = 60 * 60 * 1000;

/** Quotes an argument the way a person would type it in sh, so the preview is unambiguous. */
export function shellQuote(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

function describeExit(result: Extract<RunResult, { started: true }>, timeoutMs: number): string | null {
  if (result.timedOut) return `timed out after ${timeoutMs / 1000}s and was killed`;
  if (result.aborted) return 'cancelled and killed';
  if (result.signal !== null) return `killed by ${result.signal}`;
  if (result.exitCode !== 0) return `exited with status ${result.exitCode ?? '?'}`;
  return null;
}

const MAX_WRITES = 64;
const MAX_WRITE_DIRS = 16;

/**
 * The files a command line may change: those declared in `writes`, and the absolute files its
 * redirections write to (devices aside). Nothing else is writable in its sandbox, and these are
 * what its snapshot records.
 */
export function declaredWrites(args: {
  command: string;
  writes?: readonly string[] | undefined;
  writeDirs?: readonly string[] | undefined;
}): string[] {
  const out = new Set(args.writes ?? []);
  try {
    for (const r of analyseShell(args.command, hostShell().variant).redirects) {
      if (
        r.writes &&
        r.static &&
        isAbsolute(r.target) &&
        !HARMLESS_TARGETS.has(r.target) &&
        !r.target.startsWith('/dev/')
      )
        out.add(r.target);
    }
  } catch {
    // A line that does not parse is refused by policy; it declares only what it names.
  }
  // A declared directory covers what is inside it (and may not exist yet).
  const dirs = args.writeDirs ?? [];
  return [...out].filter((p) => !dirs.some((d) => inTree(d, p)));
}

/**
 * The argv that runs a command line: its own argv when it is one plain command, else the host
 * shell. Either way its absolute globs are already expanded, the way policy judged them.
 */
export function argvForCommand(command: string): string[] {
  const shell = hostShell();
  const a = analyseShell(command, shell.variant);
  return a.direct ?? [...shell.argv, a.runText];
}

export function createShellExec(opts: { timeoutMs: number; outputCapBytes: number }): Tool {
  return defineTool({
    name: 'shell.exec',
    description:
      'Run a shell command line. Every command in it (pipelines, lists, substitutions, bash -c strings…) is parsed and checked by policy first. Cannot be undone by a snapshot.',
    schema: z.strictObject({
      command: z
        .string()
        .min(1, 'command is empty')
        .max(MAX_COMMAND_LENGTH)
        .refine((c) => !c.includes('\0'), 'must not contain a NUL byte')
        .describe('The command line, e.g. "systemctl restart nginx" or "df -h | sort -k5"'),
      cwd: absolutePath("Absolute working directory (default: the daemon's)").optional(),
      writes: z
        .array(absolutePath('Absolute path of an existing file the command changes'))
        .max(MAX_WRITES)
        .optional()
        .describe(
          'Every existing file the command changes (files its redirections name are added). Nothing else is writable to it: it runs in a sandbox, and these files are snapshotted first',
        ),
      writeDirs: z
        .array(absolutePath('Absolute path of an existing directory the command changes things inside'))
        .max(MAX_WRITE_DIRS)
        .optional()
        .describe(
          'Directories the command creates, changes or removes files inside. Each is writable to it with everything under it; its whole tree is snapshotted first, and a rollback restores it and removes what is new in it',
        ),
      timeoutMs: z
        .number()
        .int()
        .min(100)
        .max(MAX_TIMEOUT_MS)
        .optional()
        .describe(
          `Kill the command and everything it started after this many milliseconds (default ${opts.timeoutMs})`,
        ),
    }),
    capabilities: ['exec'],
    risk: 'high',
    reversible: false,
    mutates: true,
    shellCommand: (args) => args.command,
    paths: (args) => [
      ...(args.cwd === undefined ? [] : [{ path: args.cwd, access: 'read' as const }]),
      ...declaredWrites(args).map((path) => ({ path, access: 'write' as const })),
      ...(args.writeDirs ?? []).map((path) => ({ path, access: 'write' as const, tree: true as const })),
    ],
    preview(args) {
      const shell = hostShell();
      let lines: string[];
      try {
        const a = analyseShell(args.command, shell.variant);
        lines = [
          a.direct === null
            ? `runs under ${shell.argv.join(' ')}`
            : `runs without a shell: argv ${JSON.stringify(a.direct)}`,
          ...a.commands.map(
            (c) =>
              `  ${c.via.length > 0 ? `${c.via.join(' → ')} → ` : ''}${c.text}${c.context === 'the command line' ? '' : `   (${c.context})`}`,
          ),
          ...a.redirects.map((r) => `  ${r.writes ? 'writes' : 'reads'} ${r.target} (${r.op})`),
        ];
      } catch (err) {
        lines = [`does not parse: ${(err as Error).message}`];
      }
      const where = args.cwd === undefined ? '' : ` in ${args.cwd}`;
      const writes = [
        ...declaredWrites(args),
        ...(args.writeDirs ?? []).map(
          (d) =>
            `the directory ${d} (all of it: snapshotted first; a rollback restores it and removes what is new in it)`,
        ),
      ];
      return Promise.resolve({
        summary: `run ${args.command.length > 200 ? `${args.command.slice(0, 200)}…` : args.command}${where}`,
        detail: [
          ...lines,
          // Shown for every command: if it turns out to write, this is all it may change.
          writes.length === 0
            ? 'writable: nothing but a private /tmp (if it writes, it runs sandboxed)'
            : `writable: only ${writes.join(', ')} and a private /tmp (if it writes, it runs sandboxed)`,
          `timeout: ${(args.timeoutMs ?? opts.timeoutMs) / 1000}s`,
        ].join('\n'),
      });
    },
    async execute(args, ctx): Promise<ToolResult> {
      const timeoutMs = args.timeoutMs ?? opts.timeoutMs;
      const argv = argvForCommand(args.command);
      let run: string[];
      try {
        run = ctx.sandbox?.(argv) ?? argv;
      } catch (error) {
        // A declared path the sandbox cannot make writable: nothing ran.
        const why = `not run: ${(error as Error).message}`;
        return { ok: false, output: why, error: why };
      }
      const result = await runProgram(run, {
        timeoutMs,
        outputCapBytes: opts.outputCapBytes,
        signal: ctx.signal,
        onOutput: ctx.onOutput,
        ...(ctx.onProcess !== undefined ? { onProcess: ctx.onProcess } : {}),
        ...(ctx.cgroup !== undefined ? { cgroup: ctx.cgroup } : {}),
        ...(args.cwd !== undefined ? { cwd: args.cwd } : {}),
      });
      if (!result.started) return { ok: false, output: result.error, error: result.error };
      const problem = describeExit(result, timeoutMs);
      const parts = [result.stdout];
      if (result.stderr !== '') parts.push(`[stderr]\n${result.stderr}`);
      if (result.truncated) parts.push(`[output truncated at ${opts.outputCapBytes} bytes]`);
      parts.push(`[${problem ?? 'exited with status 0'} after ${(result.durationMs / 1000).toFixed(1)}s]`);
      const output = parts
        .filter((p) => p !== '')
        .map((p) => p.replace(/\n$/, ''))
        .join('\n');
      return problem === null ? { ok: true, output, data: result } : { ok: false, output, error: problem };
    },
  });
}
