// The node's vital signs for the monitor (`aios top`, the TUI's dashboard): CPU, memory, load,
// disks and network, sampled from /proc. Rates are deltas between two samples; a sample taken
// moments ago is shared, so many watching clients cost the same as one.
import { readFileSync, statfsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Metrics } from '../protocol/model.js';

export interface CpuTimes {
  idle: number;
  total: number;
}

/** /proc/stat: the aggregate `cpu` line first, then one per core. */
export function parseProcStat(text: string): CpuTimes[] {
  const out: CpuTimes[] = [];
  for (const line of text.split('\n')) {
    if (!/^cpu\d*\s/.test(line)) continue;
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user).
    const total = fields.slice(0, 8).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
    out.push({ idle: (fields[3] ?? 0) + (fields[4] ?? 0), total });
  }
  return out;
}

/** /proc/net/dev: bytes received and sent, summed over every interface but loopback. */
export function parseNetDev(text: string): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (m === null || m[1] === 'lo') continue;
    const f = (m[2] ?? '').trim().split(/\s+/).map(Number);
    rx += f[0] ?? 0;
    tx += f[8] ?? 0;
  }
  return { rx, tx };
}

export function parseLoadavg(text: string): [number, number, number] {
  const [a = 0, b = 0, c = 0] = text.trim().split(/\s+/).slice(0, 3).map(Number);
  return [a, b, c];
}

/** /proc/meminfo in bytes: total, available (what programs can still get), swap. */
export function parseMemory(text: string): Metrics['memory'] {
  const kb = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text);
    return m === null ? 0 : Number(m[1]) * 1024;
  };
  const total = kb('MemTotal');
  const available = kb('MemAvailable') || kb('MemFree');
  const swapTotal = kb('SwapTotal');
  return { totalBytes: total, usedBytes: Math.max(0, total - available), availableBytes: available, swapTotalBytes: swapTotal, swapUsedBytes: Math.max(0, swapTotal - kb('SwapFree')) };
}

const DISK_TYPES = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'zfs', 'f2fs', 'vfat', 'exfat', 'ntfs', 'ntfs3', 'overlay', 'nfs', 'nfs4', 'cifs', '9p', 'virtiofs', 'fuseblk']);

/** Storage mounts from /proc/self/mounts, one per device, at most `max`. */
export function storageMounts(mountsText: string, max = 6): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const line of mountsText.split('\n')) {
    const [device, mount, type] = line.split(' ');
    if (device === undefined || mount === undefined || type === undefined || !DISK_TYPES.has(type) || seen.has(device)) continue;
    seen.add(device);
    out.push(mount.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))));
    if (out.length >= max) break;
  }
  return out;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

interface Raw {
  at: number;
  cpus: CpuTimes[];
  net: { rx: number; tx: number };
}

function percentBusy(a: CpuTimes | undefined, b: CpuTimes | undefined): number {
  if (a === undefined || b === undefined) return 0;
  const total = b.total - a.total;
  return total <= 0 ? 0 : Math.round(Math.max(0, Math.min(1, 1 - (b.idle - a.idle) / total)) * 1000) / 10;
}

export interface ModelFigures {
  tokensPerS: number | null;
  spendUsd: number | null;
  budgetUsd: number | null;
}

export class MetricsSampler {
  private last: Raw | null = null;
  private cached: { at: number; metrics: Metrics } | null = null;

  constructor(
    private readonly models: () => ModelFigures = () => ({ tokensPerS: null, spendUsd: null, budgetUsd: null }),
    private readonly proc = '/proc',
  ) {}

  /** Rates since the previous sample; the very first call samples twice, 100 ms apart. */
  async sample(): Promise<Metrics> {
    const now = Date.now();
    if (this.cached !== null && now - this.cached.at < 250) return this.cached.metrics;
    if (this.last === null) {
      this.last = this.raw();
      await sleep(100);
    }
    const prev = this.last;
    const cur = this.raw();
    this.last = cur;
    const seconds = Math.max(0.001, (cur.at - prev.at) / 1000);
    const disks = storageMounts(read(`${this.proc}/self/mounts`)).flatMap((mount) => {
      try {
        const s = statfsSync(mount);
        const total = s.blocks * s.bsize;
        return total > 0 ? [{ mount, totalBytes: total, usedBytes: (s.blocks - s.bfree) * s.bsize }] : [];
      } catch {
        return [];
      }
    });
    const metrics: Metrics = {
      at: new Date(cur.at).toISOString(),
      cpu: { percent: percentBusy(prev.cpus[0], cur.cpus[0]), cores: cur.cpus.slice(1).map((c, i) => percentBusy(prev.cpus[i + 1], c)) },
      memory: parseMemory(read(`${this.proc}/meminfo`)),
      load: parseLoadavg(read(`${this.proc}/loadavg`)),
      disks,
      net: { rxBytesPerS: Math.max(0, (cur.net.rx - prev.net.rx) / seconds), txBytesPerS: Math.max(0, (cur.net.tx - prev.net.tx) / seconds) },
      ...this.models(),
    };
    this.cached = { at: cur.at, metrics };
    return metrics;
  }

  private raw(): Raw {
    return { at: Date.now(), cpus: parseProcStat(read(`${this.proc}/stat`)), net: parseNetDev(read(`${this.proc}/net/dev`)) };
  }
}
