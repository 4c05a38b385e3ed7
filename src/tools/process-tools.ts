// process.list, process.info and process.signal: the process table from /proc, one process in
// detail, and signals (which no snapshot can take back: irreversible, and labelled so).
import { readdir, readFile, readlink } from 'node:fs/promises';
import { constants } from 'node:os';
import { z } from 'zod';
import { fail } from './fs-read-tools.js';
import { formatBytes, formatTable } from './format.js';
import { readProcesses } from './process-table.js';
import { parsePasswd } from './procfs.js';
import { defineTool, type Tool } from './tool.js';

const CPU_SAMPLE_MS = 250;
const SIGNALS = ['TERM', 'KILL', 'HUP', 'INT', 'QUIT', 'USR1', 'USR2', 'STOP', 'CONT'] as const;
const pid = z.number().int().min(1).max(4_194_304).describe('Process id');

/** The first lines of /proc/<pid>/status worth showing, plus what the links say. */
async function describeProcess(p: number): Promise<Record<string, unknown> | null> {
  const status = await readFile(`/proc/${p}/status`, 'utf8').catch(() => null);
  if (status === null) return null;
  const field = (name: string): string | undefined => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1]?.trim();
  const uid = Number(field('Uid')?.split(/\s+/)[0] ?? -1);
  const users = parsePasswd(await readFile('/etc/passwd', 'utf8').catch(() => ''));
  const cmdline = (await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => ''))
    .replace(/\0+$/, '')
    .split('\0')
    .join(' ');
  const fds = await readdir(`/proc/${p}/fd`).catch(() => null);
  return {
    pid: p,
    name: field('Name'),
    state: field('State'),
    ppid: Number(field('PPid') ?? 0),
    user: users.get(uid) ?? String(uid),
    uid,
    threads: Number(field('Threads') ?? 0),
    rss: formatBytes(Number(/(\d+)/.exec(field('VmRSS') ?? '0')?.[1] ?? 0) * 1024),
    command: cmdline === '' ? `[${field('Name') ?? '?'}]` : cmdline,
    exe: await readlink(`/proc/${p}/exe`).catch(() => null),
    cwd: await readlink(`/proc/${p}/cwd`).catch(() => null),
    openFiles: fds === null ? null : fds.length,
  };
}

export function createProcessTools(): Tool[] {
  const list = defineTool({
    name: 'process.list',
    description: 'List running processes with user, state, resident memory and current CPU use, busiest first.',
    schema: z.strictObject({
      limit: z.number().int().min(1).max(10_000).optional().describe('How many processes to show (default 20)'),
      sortBy: z
        .enum(['cpu', 'memory'])
        .optional()
        .describe('Order by CPU use over a short sample, or by resident memory (default cpu)'),
    }),
    capabilities: ['process.read'],
    risk: 'low',
    reversible: false,
    mutates: false,
    preview: () => Promise.resolve({ summary: 'list processes' }),
    async execute(args, ctx) {
      const all = await readProcesses(CPU_SAMPLE_MS, ctx.signal);
      const sortBy = args.sortBy ?? 'cpu';
      all.sort(
        (a, b) =>
          (sortBy === 'cpu' ? b.cpuPercent - a.cpuPercent || b.rssBytes - a.rssBytes : b.rssBytes - a.rssBytes) ||
          a.pid - b.pid,
      );
      const shown = all.slice(0, args.limit ?? 20);
      const rows = shown.map((p) => [
        String(p.pid),
        p.user,
        p.state,
        p.cpuPercent.toFixed(1),
        p.memPercent.toFixed(1),
        formatBytes(p.rssBytes),
        p.command.slice(0, 120),
      ]);
      const output = `${formatTable(['PID', 'USER', 'S', '%CPU', '%MEM', 'RSS', 'COMMAND'], rows, [true, false, false, true, true, true])}\n(${shown.length} of ${all.length} processes, by ${sortBy})`;
      return { ok: true, output, data: { total: all.length, sortBy, processes: shown } };
    },
  });

  const info = defineTool({
    name: 'process.info',
    description:
      'One process in detail: command line, user, state, parent, threads, memory, executable, working directory, open files.',
    schema: z.strictObject({ pid }),
    capabilities: ['process.read'],
    risk: 'low',
    reversible: false,
    mutates: false,
    preview: (args) => Promise.resolve({ summary: `describe process ${args.pid}` }),
    async execute(args) {
      const data = await describeProcess(args.pid);
      if (data === null) return fail(`no process ${args.pid} (it may have exited)`);
      return {
        ok: true,
        output: Object.entries(data)
          .map(([k, v]) => `${k}: ${String(v)}`)
          .join('\n'),
        data,
      };
    },
  });

  const signal = defineTool({
    name: 'process.signal',
    description: 'Send a signal to one process (TERM asks it to stop, KILL forces it). Cannot be undone.',
    schema: z.strictObject({
      pid,
      signal: z.enum(SIGNALS).optional().describe('Signal name without SIG (default TERM)'),
    }),
    capabilities: ['process.signal'],
    risk: 'high',
    reversible: false,
    mutates: true,
    hazards: (args) => {
      if (args.pid === 1) return [{ level: 'deny', why: 'signalling PID 1 (init) can take the whole node down' }];
      if (args.pid === process.pid) return [{ level: 'deny', why: 'that process is aiosd itself' }];
      return [];
    },
    async preview(args) {
      const p = await describeProcess(args.pid);
      const sig = `SIG${args.signal ?? 'TERM'}`;
      if (p === null) return { summary: `cannot signal: no process ${args.pid}` };
      return { summary: `send ${sig} to ${args.pid} (${String(p['user'])}: ${String(p['command']).slice(0, 100)})` };
    },
    execute(args) {
      const sig = `SIG${args.signal ?? 'TERM'}` as NodeJS.Signals;
      try {
        process.kill(args.pid, sig);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ESRCH') return Promise.resolve(fail(`no process ${args.pid} (it may have exited)`));
        if (code === 'EPERM') return Promise.resolve(fail(`not permitted to signal process ${args.pid}`));
        throw error;
      }
      return Promise.resolve({
        ok: true,
        output: `sent ${sig} to process ${args.pid}`,
        data: { pid: args.pid, signal: sig, number: constants.signals[sig] },
      });
    },
  });

  return [list, info, signal];
}
