// Read-only views of disks and memory (the names the reactive rules plan with), and shell.exec.
import { readFile, realpath, statfs } from 'node:fs/promises';
import { z } from 'zod';
import { absolutePath } from './fields.js';
import { describeFsError, fail } from './fs-read-tools.js';
import { formatBytes, formatTable } from './format.js';
import { parseMeminfo, parseMounts, PSEUDO_FILESYSTEMS, type Mount } from './procfs.js';
import { createShellExec } from './shell-exec.js';
import { defineTool, type Tool } from './tool.js';

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
  return {
    filesystem: mount.device,
    type: mount.fstype,
    mountpoint: mount.mountpoint,
    sizeBytes: size,
    usedBytes: used,
    availableBytes: available,
    usePercent,
  };
}

const diskUsage = defineTool({
  name: 'disk.usage',
  description: 'Disk space per mounted filesystem (like df -h), or for the filesystem holding one path.',
  schema: z.strictObject({ path: absolutePath('Show only the filesystem that holds this absolute path').optional() }),
  capabilities: ['system.read'],
  risk: 'low',
  reversible: false,
  mutates: false,
  preview: (args) =>
    Promise.resolve({ summary: args.path === undefined ? 'show disk usage' : `show disk usage for ${args.path}` }),
  async execute(args) {
    const mounts = parseMounts(await readFile('/proc/self/mounts', 'utf8')).filter(
      (m) => !PSEUDO_FILESYSTEMS.has(m.fstype),
    );
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
        .filter(
          (m) =>
            real === m.mountpoint || real.startsWith(m.mountpoint.endsWith('/') ? m.mountpoint : `${m.mountpoint}/`),
        )
        .sort((a, b) => b.mountpoint.length - a.mountpoint.length)[0];
      if (holder === undefined) return fail(`no mounted filesystem found for ${args.path}`);
      disks = [await usageOf(holder, real)];
    } else {
      const settled = await Promise.allSettled([...byPoint.values()].map((m) => usageOf(m)));
      disks = settled.flatMap((r) => (r.status === 'fulfilled' && r.value.sizeBytes > 0 ? [r.value] : []));
    }
    const rows = disks.map((d) => [
      d.filesystem,
      d.type,
      formatBytes(d.sizeBytes),
      formatBytes(d.usedBytes),
      formatBytes(d.availableBytes),
      `${d.usePercent}%`,
      d.mountpoint,
    ]);
    return {
      ok: true,
      output: formatTable(['Filesystem', 'Type', 'Size', 'Used', 'Avail', 'Use%', 'Mounted on'], rows, [
        false,
        false,
        true,
        true,
        true,
        true,
      ]),
      data: { filesystems: disks },
    };
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
      totalBytes: total,
      usedBytes: total - available,
      availableBytes: available,
      freeBytes: get('MemFree'),
      buffersCacheBytes: get('Buffers') + get('Cached'),
      swapTotalBytes: swapTotal,
      swapUsedBytes: swapTotal - swapFree,
      swapFreeBytes: swapFree,
    };
    const output = formatTable(
      ['', 'total', 'used', 'available', 'free'],
      [
        ['Mem:', formatBytes(total), formatBytes(data.usedBytes), formatBytes(available), formatBytes(data.freeBytes)],
        ['Swap:', formatBytes(swapTotal), formatBytes(data.swapUsedBytes), '', formatBytes(swapFree)],
      ],
      [false, true, true, true, true],
    );
    return { ok: true, output, data };
  },
});

export function createSystemTools(opts: { timeoutMs: number; outputCapBytes: number }): Tool[] {
  return [diskUsage, memoryUsage, createShellExec(opts)];
}

export { memoryUsage };
