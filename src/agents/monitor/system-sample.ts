// The node's vital signs, straight from the kernel (/proc, statfs): the one sampler behind both
// the monitor agent's threshold checks (sampleSystem) and the dashboard (daemon/metrics.ts).
// CPU and network are counters: a figure is the change between two readings.
import { readFileSync, statfsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Metrics } from '../../protocol/model.js';
import {
  busyPercent,
  parseCpuTimes,
  parseLoadavg,
  parseMeminfo,
  parseMounts,
  parseNetDev,
  type CpuTimes,
} from '../../tools/procfs.js';

export type { CpuTimes };

/** /proc/meminfo in bytes: total, available (what programs can still get), swap. */
export function parseMemory(text: string): Metrics['memory'] {
  const kb = parseMeminfo(text);
  const total = kb.get('MemTotal') ?? 0;
  const available = kb.get('MemAvailable') || (kb.get('MemFree') ?? 0);
  const swapTotal = kb.get('SwapTotal') ?? 0;
  return {
    totalBytes: total,
    usedBytes: Math.max(0, total - available),
    availableBytes: available,
    swapTotalBytes: swapTotal,
    swapUsedBytes: Math.max(0, swapTotal - (kb.get('SwapFree') ?? 0)),
  };
}

const DISK_TYPES = new Set([
  'ext2',
  'ext3',
  'ext4',
  'xfs',
  'btrfs',
  'zfs',
  'f2fs',
  'vfat',
  'exfat',
  'ntfs',
  'ntfs3',
  'overlay',
  'nfs',
  'nfs4',
  'cifs',
  '9p',
  'virtiofs',
  'fuseblk',
]);

/** Storage mounts from /proc/self/mounts, one per device, at most `max`. */
export function storageMounts(mountsText: string, max = 6): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const m of parseMounts(mountsText)) {
    if (!DISK_TYPES.has(m.fstype) || seen.has(m.device)) continue;
    seen.add(m.device);
    out.push(m.mountpoint);
    if (out.length >= max) break;
  }
  return out;
}

export interface DiskUsage {
  mount: string;
  totalBytes: number;
  usedBytes: number;
  availableBytes: number;
}

/** statfs of one mount; null when it cannot be read or has no size. */
export function diskUsage(mount: string): DiskUsage | null {
  try {
    const s = statfsSync(mount);
    const total = s.blocks * s.bsize;
    return total > 0
      ? { mount, totalBytes: total, usedBytes: (s.blocks - s.bfree) * s.bsize, availableBytes: s.bavail * s.bsize }
      : null;
  } catch {
    return null;
  }
}

/** df's "use%": used against what non-root users may use. */
export const diskPercent = (d: DiskUsage): number =>
  d.usedBytes + d.availableBytes === 0 ? 0 : (100 * d.usedBytes) / (d.usedBytes + d.availableBytes);

export function readProc(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The counters (CPU per core, network) read at one moment; figures come from two of these. */
export interface Counters {
  at: number;
  cpus: CpuTimes[];
  net: { rx: number; tx: number };
}

export function readCounters(proc = '/proc'): Counters {
  return {
    at: Date.now(),
    cpus: parseCpuTimes(readProc(`${proc}/stat`)),
    net: parseNetDev(readProc(`${proc}/net/dev`)),
  };
}

/** What the monitor agent checks against its thresholds, once per tick. */
export interface SystemSample {
  ts: string;
  cpuPct: number | null;
  memPct: number;
  memUsedBytes: number;
  memTotalBytes: number;
  swapUsedBytes: number;
  diskPct: number;
  diskUsedBytes: number;
  diskTotalBytes: number;
  load1: number;
  loadPerCore: number;
  netRxBytes: number;
  netTxBytes: number;
  /** The aggregate CPU counters, to pass back as `previous` next time. */
  cpu: CpuTimes;
}

export function sampleSystem(previous: CpuTimes | null, diskPath = '/', proc = '/proc'): SystemSample {
  const counters = readCounters(proc);
  const cpu = counters.cpus[0] ?? { idle: 0, total: 0 };
  const mem = parseMemory(readProc(`${proc}/meminfo`));
  const disk = diskUsage(diskPath) ?? { mount: diskPath, totalBytes: 0, usedBytes: 0, availableBytes: 0 };
  const [load1] = parseLoadavg(readProc(`${proc}/loadavg`));
  return {
    ts: new Date(counters.at).toISOString(),
    cpuPct: busyPercent(previous, cpu),
    memPct: mem.totalBytes === 0 ? 0 : (100 * mem.usedBytes) / mem.totalBytes,
    memUsedBytes: mem.usedBytes,
    memTotalBytes: mem.totalBytes,
    swapUsedBytes: mem.swapUsedBytes,
    diskPct: diskPercent(disk),
    diskUsedBytes: disk.usedBytes,
    diskTotalBytes: disk.totalBytes,
    load1,
    loadPerCore: load1 / availableParallelism(),
    netRxBytes: counters.net.rx,
    netTxBytes: counters.net.tx,
    cpu,
  };
}
