// monitor.*: a snapshot of the node's vital figures, and its logs: the journal where
// journald keeps one, otherwise the files under /var/log.
import { existsSync } from 'node:fs';
import { open, readdir, readFile, statfs } from 'node:fs/promises';
import { loadavg, uptime } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { describeFsError, fail } from './fs-read-tools.js';
import { formatBytes } from './format.js';
import { busyPercent, parseCpuTimes, parseMeminfo, type CpuTimes } from './procfs.js';
import { runProgram } from './run-program.js';
import { defineTool, type Tool } from './tool.js';
import { unitName } from './fields.js';

const LOG_DIR = '/var/log';
const SAMPLE_MS = 250;
const TAIL_BYTES = 8 * 1024 * 1024;

async function cpuTimes(): Promise<CpuTimes | undefined> {
  return parseCpuTimes(await readFile('/proc/stat', 'utf8'))[0];
}

export function hasJournal(): boolean {
  return existsSync('/run/systemd/journal/socket') || existsSync('/var/log/journal');
}

/** The last lines of a log file (reading at most its last 8 MiB), optionally only those containing `grep`. */
export async function tailFile(path: string, lines: number, grep: string | undefined): Promise<string[]> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const all = buffer
      .toString('utf8')
      .split('\n')
      .slice(start > 0 ? 1 : 0)
      .filter((l) => l !== '' && (grep === undefined || l.includes(grep)));
    return all.slice(-lines);
  } finally {
    await handle.close();
  }
}

export function createMonitorTools(): Tool[] {
  const metrics = defineTool({
    name: 'monitor.metrics',
    description: 'The node at a glance: CPU busy %, load, memory and swap, root filesystem, uptime, process count.',
    schema: z.strictObject({}),
    capabilities: ['system.read'],
    risk: 'low',
    reversible: false,
    mutates: false,
    preview: () => Promise.resolve({ summary: "sample the node's metrics" }),
    async execute(_args, ctx) {
      const a = await cpuTimes();
      await new Promise((r) => setTimeout(r, ctx.signal.aborted ? 0 : SAMPLE_MS));
      const b = await cpuTimes();
      const busy = busyPercent(a, b) ?? 0;
      const mem = parseMeminfo(await readFile('/proc/meminfo', 'utf8'));
      const total = mem.get('MemTotal') ?? 0;
      const avail = mem.get('MemAvailable') ?? 0;
      const root = await statfs('/');
      const procs = (await readdir('/proc')).filter((n) => /^\d+$/.test(n)).length;
      const data = {
        cpuBusyPercent: Math.round(busy * 10) / 10,
        load: loadavg(),
        memory: {
          totalBytes: total,
          usedBytes: total - avail,
          usedPercent: total === 0 ? 0 : Math.round(((total - avail) / total) * 1000) / 10,
        },
        swap: {
          totalBytes: mem.get('SwapTotal') ?? 0,
          usedBytes: (mem.get('SwapTotal') ?? 0) - (mem.get('SwapFree') ?? 0),
        },
        rootFs: { sizeBytes: root.blocks * root.bsize, availableBytes: root.bavail * root.bsize },
        uptimeSeconds: Math.round(uptime()),
        processes: procs,
      };
      const output = [
        `cpu ${data.cpuBusyPercent}% busy, load ${data.load.map((n) => n.toFixed(2)).join(' ')}`,
        `memory ${formatBytes(data.memory.usedBytes)} of ${formatBytes(total)} used (${data.memory.usedPercent}%), swap ${formatBytes(data.swap.usedBytes)} of ${formatBytes(data.swap.totalBytes)}`,
        `/ ${formatBytes(data.rootFs.availableBytes)} free of ${formatBytes(data.rootFs.sizeBytes)}`,
        `up ${Math.floor(data.uptimeSeconds / 3600)} h ${Math.floor((data.uptimeSeconds % 3600) / 60)} min, ${procs} processes`,
      ].join('\n');
      return { ok: true, output, data };
    },
  });

  const logs = defineTool({
    name: 'monitor.logs',
    description:
      'Recent log lines: from the systemd journal when the node has one (optionally for one unit), otherwise from a file under /var/log (name it, e.g. "syslog"; without one, the files are listed).',
    schema: z.strictObject({
      unit: unitName.optional().describe("Only this service's lines (journal only)"),
      file: z
        .string()
        .regex(
          /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/,
          'a file name under /var/log, e.g. "syslog" or "apt/history.log"',
        )
        .refine((f) => !f.split('/').includes('..'), 'must stay under /var/log')
        .optional()
        .describe('A log file under /var/log (used when there is no journal)'),
      lines: z.number().int().min(1).max(10_000).optional().describe('How many lines (default 100)'),
      grep: z.string().min(1).max(200).optional().describe('Only lines containing this text'),
    }),
    capabilities: ['system.read'],
    risk: 'low',
    reversible: false,
    mutates: false,
    paths: (args) => (args.file === undefined ? [] : [{ path: join(LOG_DIR, args.file), access: 'read' }]),
    preview: (args) =>
      Promise.resolve({
        summary: `show the last ${args.lines ?? 100} log lines${args.unit === undefined ? '' : ` of ${args.unit}`}${args.file === undefined ? '' : ` from ${join(LOG_DIR, args.file)}`}`,
      }),
    async execute(args) {
      const n = args.lines ?? 100;
      if (args.file === undefined && hasJournal()) {
        const argv = [
          'journalctl',
          '--no-pager',
          '-n',
          String(n),
          ...(args.unit === undefined ? [] : ['-u', args.unit]),
          ...(args.grep === undefined ? [] : ['-g', args.grep]),
        ];
        const r = await runProgram(argv, { timeoutMs: 30_000, outputCapBytes: 4 * 1024 * 1024 });
        if (r.started && r.exitCode === 0)
          return {
            ok: true,
            output: r.stdout.trimEnd() || '(no matching journal entries)',
            data: { source: 'journal', argv },
          };
      }
      if (args.file === undefined) {
        if (args.unit !== undefined)
          return fail(
            `this node has no systemd journal, so there are no per-unit logs; name a file under ${LOG_DIR} instead`,
          );
        const files = await readdir(LOG_DIR, { recursive: true }).catch(() => [] as string[]);
        return {
          ok: true,
          output: `no journal on this node; log files under ${LOG_DIR} (pass file to read one):\n${files.sort().join('\n')}`,
          data: { source: 'files', files },
        };
      }
      const path = join(LOG_DIR, args.file);
      try {
        const lines = await tailFile(path, n, args.grep);
        return {
          ok: true,
          output: lines.join('\n') || '(no matching lines)',
          data: { source: path, lines: lines.length },
        };
      } catch (error) {
        return fail(describeFsError(error, path));
      }
    },
  });

  return [metrics, logs];
}
