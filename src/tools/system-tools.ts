// Read-only views of the machine (processes, disks, memory, listening sockets) and shell.exec.
import { readdir, readFile, readlink, realpath, statfs } from 'node:fs/promises';
import { z } from 'zod';
import { absolutePath } from './fields.js';
import { describeFsError, fail } from './fs-read-tools.js';
import { formatBytes, formatTable } from './format.js';
import { readProcesses } from './process-table.js';
import { parseMeminfo, parseMounts, parseNetTable, PSEUDO_FILESYSTEMS, type Mount, type Protocol, type Socket } from './procfs.js';
import { createShellExec } from './shell-exec.js';
import { defineTool, type Tool } from './tool.js';

const CPU_SAMPLE_MS = 250;

const processList = defineTool({
  name: 'process.list',
  description: 'List running processes with user, state, resident memory and current CPU use, busiest first.',
  schema: z.strictObject({
    limit: z.number().int().min(1).max(10_000).optional().describe('How many processes to show (default 20)'),
    sortBy: z.enum(['cpu', 'memory']).optional().describe('Order by CPU use over a short sample, or by resident memory (default cpu)'),
  }),
  capabilities: ['process.read'],
  risk: 'low',
  reversible: false,
  mutates: false,
  preview: () => Promise.resolve({ summary: 'list processes' }),
  async execute(args, ctx) {
    const all = await readProcesses(CPU_SAMPLE_MS, ctx.signal);
    const sortBy = args.sortBy ?? 'cpu';
    all.sort((a, b) => (sortBy === 'cpu' ? b.cpuPercent - a.cpuPercent || b.rssBytes - a.rssBytes : b.rssBytes - a.rssBytes) || a.pid - b.pid);
    const shown = all.slice(0, args.limit ?? 20);
    const rows = shown.map((p) => [String(p.pid), p.user, p.state, p.cpuPercent.toFixed(1), p.memPercent.toFixed(1), formatBytes(p.rssBytes), p.command.slice(0, 120)]);
    const output = `${formatTable(['PID', 'USER', 'S', '%CPU', '%MEM', 'RSS', 'COMMAND'], rows, [true, false, false, true, true, true])}\n(${shown.length} of ${all.length} processes, by ${sortBy})`;
    return { ok: true, output, data: { total: all.length, sortBy, processes: shown } };
  },
});

interface DiskUsage {
  filesystem: string;
  type: string;
  mountpoint: string;
  sizeBytes: number;
  usedBytes: number;
  availableBytes: number;
  usePercent: number;
}

async function usageOf(mount: Mount, path = mount.mountpoint): Promise<DiskUsage> {
  const s = await statfs(path);
  const size = s.blocks * s.bsize;
  const used = (s.blocks - s.bfree) * s.bsize;
  const available = s.bavail * s.bsize;
  // df's Use%: of the space an ordinary user could have, ignoring root's reserve.
  const usePercent = used + available === 0 ? 0 : Math.ceil((used / (used + available)) * 100);
  return { filesystem: mount.device, type: mount.fstype, mountpoint: mount.mountpoint, sizeBytes: size, usedBytes: used, availableBytes: available, usePercent };
}

const diskUsage = defineTool({
  name: 'disk.usage',
  description: 'Disk space per mounted filesystem (like df -h), or for the filesystem holding one path.',
  schema: z.strictObject({ path: absolutePath('Show only the filesystem that holds this absolute path').optional() }),
  capabilities: ['system.read'],
  risk: 'low',
  reversible: false,
  mutates: false,
  preview: (args) => Promise.resolve({ summary: args.path === undefined ? 'show disk usage' : `show disk usage for ${args.path}` }),
  async execute(args) {
    const mounts = parseMounts(await readFile('/proc/self/mounts', 'utf8')).filter((m) => !PSEUDO_FILESYSTEMS.has(m.fstype));
    // Later mounts hide earlier ones on the same mountpoint.
    const byPoint = new Map(mounts.map((m) => [m.mountpoint, m]));
    let disks: DiskUsage[];
    if (args.path !== undefined) {
      let real: string;
      try {
        real = await realpath(args.path);
      } catch (error) {
        return fail(describeFsError(error, args.path));
      }
      const holder = [...byPoint.values()]
        .filter((m) => real === m.mountpoint || real.startsWith(m.mountpoint.endsWith('/') ? m.mountpoint : `${m.mountpoint}/`))
        .sort((a, b) => b.mountpoint.length - a.mountpoint.length)[0];
      if (holder === undefined) return fail(`no mounted filesystem found for ${args.path}`);
      disks = [await usageOf(holder, real)];
    } else {
      const settled = await Promise.allSettled([...byPoint.values()].map((m) => usageOf(m)));
      disks = settled.flatMap((r) => (r.status === 'fulfilled' && r.value.sizeBytes > 0 ? [r.value] : []));
    }
    const rows = disks.map((d) => [d.filesystem, d.type, formatBytes(d.sizeBytes), formatBytes(d.usedBytes), formatBytes(d.availableBytes), `${d.usePercent}%`, d.mountpoint]);
    return { ok: true, output: formatTable(['Filesystem', 'Type', 'Size', 'Used', 'Avail', 'Use%', 'Mounted on'], rows, [false, false, true, true, true, true]), data: { filesystems: disks } };
  },
});

const memoryUsage = defineTool({
  name: 'memory.usage',
  description: 'Memory and swap: total, used, available (like free -h).',
  schema: z.strictObject({}),
  capabilities: ['system.read'],
  risk: 'low',
  reversible: false,
  mutates: false,
  preview: () => Promise.resolve({ summary: 'show memory usage' }),
  async execute() {
    const info = parseMeminfo(await readFile('/proc/meminfo', 'utf8'));
    const get = (key: string): number => info.get(key) ?? 0;
    const total = get('MemTotal');
    // MemAvailable is the kernel's own estimate of what can be had without swapping.
    const available = info.get('MemAvailable') ?? get('MemFree') + get('Buffers') + get('Cached');
    const swapTotal = get('SwapTotal');
    const swapFree = get('SwapFree');
    const data = {
      totalBytes: total, usedBytes: total - available, availableBytes: available, freeBytes: get('MemFree'),
      buffersCacheBytes: get('Buffers') + get('Cached'),
      swapTotalBytes: swapTotal, swapUsedBytes: swapTotal - swapFree, swapFreeBytes: swapFree,
    };
    const output = formatTable(['', 'total', 'used', 'available', 'free'], [
      ['Mem:', formatBytes(total), formatBytes(data.usedBytes), formatBytes(available), formatBytes(data.freeBytes)],
      ['Swap:', formatBytes(swapTotal), formatBytes(data.swapUsedBytes), '', formatBytes(swapFree)],
    ], [false, true, true, true, true]);
    return { ok: true, output, data };
  },
});

interface Listener extends Socket {
  pid: number | null;
  command: string | null;
}

/** inode → owning process, from /proc/<pid>/fd links; sockets of other users may stay unknown. */
async function socketOwners(inodes: ReadonlySet<number>): Promise<Map<number, { pid: number; command: string }>> {
  const owners = new Map<number, { pid: number; command: string }>();
  if (inodes.size === 0) return owners;
  const pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n));
  await Promise.all(pids.map(async (pid) => {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const inode = Number(/^socket:\[(\d+)\]$/.exec(link)?.[1] ?? NaN);
      if (!inodes.has(inode) || owners.has(inode)) continue;
      const comm = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim();
      owners.set(inode, { pid: Number(pid), command: comm });
    }
  }));
  return owners;
}

const netListening = defineTool({
  name: 'net.listening',
  description: 'Sockets listening for connections (TCP) or datagrams (UDP), with the owning process where known (like ss -tulpn).',
  schema: z.strictObject({ port: z.number().int().min(1).max(65_535).optional().describe('Only sockets on this port') }),
  capabilities: ['net.read'],
  risk: 'low',
  reversible: false,
  mutates: false,
  preview: (args) => Promise.resolve({ summary: args.port === undefined ? 'list listening sockets' : `show what listens on port ${args.port}` }),
  async execute(args) {
    const protocols: Protocol[] = ['tcp', 'tcp6', 'udp', 'udp6'];
    const tables = await Promise.all(protocols.map(async (p) => parseNetTable(await readFile(`/proc/net/${p}`, 'utf8').catch(() => ''), p)));
    const sockets = tables.flat().filter((s) => args.port === undefined || s.port === args.port);
    if (args.port !== undefined && sockets.length === 0) {
      return { ok: true, output: `nothing is listening on port ${args.port} (TCP or UDP, IPv4 or IPv6)`, data: { port: args.port, listeners: [] } };
    }
    const owners = await socketOwners(new Set(sockets.map((s) => s.inode)));
    const listeners: Listener[] = sockets
      .map((s) => ({ ...s, pid: owners.get(s.inode)?.pid ?? null, command: owners.get(s.inode)?.command ?? null }))
      .sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
    const rows = listeners.map((l) => [l.protocol, l.address, String(l.port), l.pid === null ? '-' : `${l.pid}/${l.command ?? '?'}`]);
    const output = listeners.length === 0 ? 'no listening sockets' : formatTable(['Proto', 'Address', 'Port', 'PID/Program'], rows, [false, false, true]);
    return { ok: true, output, data: { listeners } };
  },
});

export function createSystemTools(opts: { timeoutMs: number; outputCapBytes: number }): Tool[] {
  return [processList, diskUsage, memoryUsage, netListening, createShellExec(opts)];
}
