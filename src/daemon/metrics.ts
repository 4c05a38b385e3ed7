// The node's vital signs for the dashboard (`aios top`, the TUI's monitor view): CPU per core,
// memory, load, disks and network, read by the same sampler as the monitor agent's
// (agents/monitor/system-sample.ts). Rates are deltas between two samples; a sample taken
// moments ago is shared, so many watching clients cost the same as one.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  diskUsage,
  parseMemory,
  readCounters,
  readProc,
  storageMounts,
  type Counters,
} from '../agents/monitor/system-sample.js';
import { busyPercent, parseLoadavg, type CpuTimes } from '../tools/procfs.js';
import type { Metrics } from '../protocol/model.js';

/** Rounded to a tenth; 0 until there are two readings. */
const percentBusy = (a: CpuTimes | undefined, b: CpuTimes | undefined): number =>
  Math.round((busyPercent(a, b) ?? 0) * 10) / 10;

export interface ModelFigures {
  tokensPerS: number | null;
  spendUsd: number | null;
  budgetUsd: number | null;
}

export class MetricsSampler {
  private last: Counters | null = null;
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
      this.last = readCounters(this.proc);
      await sleep(100);
    }
    const prev = this.last;
    const cur = readCounters(this.proc);
    this.last = cur;
    const seconds = Math.max(0.001, (cur.at - prev.at) / 1000);
    const disks = storageMounts(readProc(`${this.proc}/self/mounts`)).flatMap((mount) => {
      const d = diskUsage(mount);
      return d === null ? [] : [{ mount, totalBytes: d.totalBytes, usedBytes: d.usedBytes }];
    });
    const metrics: Metrics = {
      at: new Date(cur.at).toISOString(),
      cpu: {
        percent: percentBusy(prev.cpus[0], cur.cpus[0]),
        cores: cur.cpus.slice(1).map((c, i) => percentBusy(prev.cpus[i + 1], c)),
      },
      memory: parseMemory(readProc(`${this.proc}/meminfo`)),
      load: parseLoadavg(readProc(`${this.proc}/loadavg`)),
      disks,
      net: {
        rxBytesPerS: Math.max(0, (cur.net.rx - prev.net.rx) / seconds),
        txBytesPerS: Math.max(0, (cur.net.tx - prev.net.tx) / seconds),
      },
      ...this.models(),
    };
    this.cached = { at: cur.at, metrics };
    return metrics;
  }
}
