// shell.exec: run one program from an argv. Named for what operators ask for, but there is no
// shell: the argv goes to execve as is, so nothing in it is expanded, split or globbed.
import { z } from 'zod';
import { absolutePath } from './fields.js';
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

export function createShellExec(opts: { timeoutMs: number; outputCapBytes: number }): Tool {
  return defineTool({
    name: 'shell.exec',
    description: 'Run one program with exact arguments (no shell: no pipes, globs, redirection or variable expansion). Cannot be undone by a snapshot.',
    schema: z.strictObject({
      argv: z.array(z.string()).min(1, 'argv needs at least the program to run')
        .describe('The program and its arguments, one array element each, e.g. ["systemctl", "restart", "nginx"]'),
      cwd: absolutePath('Absolute working directory (default: the daemon\'s)').optional(),
      timeoutMs: z.number().int().min(100).max(MAX_TIMEOUT_MS).optional()
        .describe(`Kill the program and everything it started after this many milliseconds (default ${opts.timeoutMs})`),
    }),
    capabilities: ['exec'],
    risk: 'high',
    reversible: false,
    mutates: true,
    preview(args) {
      const command = args.argv.map(shellQuote).join(' ');
      const where = args.cwd === undefined ? '' : ` in ${args.cwd}`;
      return Promise.resolve({
        summary: `run ${command}${where}`,
        detail: [`argv: ${JSON.stringify(args.argv)}`, `cwd: ${args.cwd ?? '(daemon default)'}`, `timeout: ${(args.timeoutMs ?? opts.timeoutMs) / 1000}s`].join('\n'),
      });
    },
    async execute(args, ctx): Promise<ToolResult> {
      const timeoutMs = args.timeoutMs ?? opts.timeoutMs;
      const result = await runProgram(args.argv, {
        timeoutMs,
        outputCapBytes: opts.outputCapBytes,
        signal: ctx.signal,
        onOutput: ctx.onOutput,
        ...(args.cwd !== undefined ? { cwd: args.cwd } : {}),
      });
      if (!result.started) return { ok: false, output: result.error, error: result.error };
      const problem = describeExit(result, timeoutMs);
      const parts = [result.stdout];
      if (result.stderr !== '') parts.push(`[stderr]\n${result.stderr}`);
      if (result.truncated) parts.push(`[output truncated at ${opts.outputCapBytes} bytes]`);
      parts.push(`[${problem ?? 'exited with status 0'} after ${(result.durationMs / 1000).toFixed(1)}s]`);
      const output = parts.filter((p) => p !== '').map((p) => p.replace(/\n$/, '')).join('\n');
      return problem === null ? { ok: true, output, data: result } : { ok: false, output, error: problem };
    },
  });
}
