// How many cores inference may really use: the smaller of what the scheduler offers this
// process (affinity) and what the cgroup's CPU quota allows. A container on a 64-core host
// with a 2-CPU quota must not start 64 threads: llama.cpp's threads spin-wait on each other,
// and on this project's 2-core VM the default thread count ran a tiny model ~1,000× slower.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export function usableCores(readFile: (path: string) => string | null = readOrNull): number {
  const quota = cgroupQuota(readFile);
  const affinity = availableParallelism();
  return Math.max(1, quota === null ? affinity : Math.min(affinity, Math.floor(quota) || 1));
}

/** CPUs allowed by the cgroup (v2 cpu.max, else v1 cfs quota), or null when unlimited. */
export function cgroupQuota(readFile: (path: string) => string | null = readOrNull): number | null {
  const v2 = readFile('/sys/fs/cgroup/cpu.max');
  if (v2 !== null) {
    const [max, period] = v2.trim().split(/\s+/);
    if (max === undefined || max === 'max' || period === undefined) return null;
    const q = Number(max) / Number(period);
    return Number.isFinite(q) && q > 0 ? q : null;
  }
  const quota =
    readFile('/sys/fs/cgroup/cpu/cpu.cfs_quota_us') ?? readFile('/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us');
  const period =
    readFile('/sys/fs/cgroup/cpu/cpu.cfs_period_us') ?? readFile('/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us');
  if (quota === null || period === null) return null;
  const q = Number(quota.trim()) / Number(period.trim());
  return Number.isFinite(q) && q > 0 ? q : null;
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
