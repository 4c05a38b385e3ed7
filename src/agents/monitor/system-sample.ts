// One reading of the node's vital signs, straight from the kernel (/proc, statfs).
// CPU needs two readings: the busy share of the time between them.
import { readFileSync, statfsSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export interface CpuTimes { busy: number; total: number }

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
  cpu: CpuTimes;
}

export function readCpuTimes(stat = readFileSync('/proc/stat', 'utf8')): CpuTimes {
  const line = stat.split('\n').find((l) => l.startsWith('cpu ')) ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

function meminfo(): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of readFileSync('/proc/meminfo', 'utf8').split('\n')) {
    const match = /^(\w+):\s+(\d+)/.exec(line);
    if (match?.[1] && match[2]) m.set(match[1], Number(match[2]) * 1024);
  }
  return m;
}

function netBytes(): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2)) {
    const [name, rest] = line.split(':');
    if (rest === undefined || name?.trim() === 'lo') continue;
    const f = rest.trim().split(/\s+/).map(Number);
    rx += f[0] ?? 0;
    tx += f[8] ?? 0;
  }
  return { rx, tx };
}

export function sampleSystem(previous: CpuTimes | null, diskPath = '/'): SystemSample {
  const cpu = readCpuTimes();
  const dt = previous === null ? 0 : cpu.total - previous.total;
  const cpuPct = previous === null || dt <= 0 ? null : (100 * (cpu.busy - previous.busy)) / dt;
  const mem = meminfo();
  const memTotal = mem.get('MemTotal') ?? 0;
  const memUsed = memTotal - (mem.get('MemAvailable') ?? 0);
  const fs = statfsSync(diskPath);
  const diskTotal = fs.blocks * fs.bsize;
  const diskUsed = (fs.blocks - fs.bfree) * fs.bsize;
  // df's "use%" counts against what non-root users may use.
  const diskPct = diskUsed + fs.bavail * fs.bsize === 0 ? 0 : (100 * diskUsed) / (diskUsed + fs.bavail * fs.bsize);
  const load1 = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0] ?? 0);
  const net = netBytes();
  return {
    ts: new Date().toISOString(), cpuPct, memPct: memTotal === 0 ? 0 : (100 * memUsed) / memTotal, memUsedBytes: memUsed, memTotalBytes: memTotal,
    swapUsedBytes: (mem.get('SwapTotal') ?? 0) - (mem.get('SwapFree') ?? 0), diskPct, diskUsedBytes: diskUsed, diskTotalBytes: diskTotal,
    load1, loadPerCore: load1 / availableParallelism(), netRxBytes: net.rx, netTxBytes: net.tx, cpu,
  };
}
