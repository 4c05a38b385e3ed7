// One sampler behind the monitor agent and the dashboard: the same /proc text gives the same
// figures to both, and the counters are read the same way.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleSystem, storageMounts } from '../../src/agents/monitor/system-sample.js';
import { MetricsSampler } from '../../src/daemon/metrics.js';
import { busyPercent, parseCpuTimes, parseNetDev } from '../../src/tools/procfs.js';
import { tempDir } from './helpers.js';

const MEMINFO =
  'MemTotal:        8000000 kB\nMemFree:         1000000 kB\nMemAvailable:    6000000 kB\nSwapTotal:       2000000 kB\nSwapFree:        1500000 kB\n';
const NETDEV =
  'Inter-|   Receive\n face |bytes\n    lo: 999 1 0 0 0 0 0 0 999 1 0 0 0 0 0 0\n  eth0: 1000 10 0 0 0 0 0 0 500 5 0 0 0 0 0 0\n';

function fakeProc(stat: string): string {
  const proc = tempDir();
  mkdirSync(join(proc, 'net'));
  mkdirSync(join(proc, 'self'));
  writeFileSync(join(proc, 'stat'), stat);
  writeFileSync(join(proc, 'meminfo'), MEMINFO);
  writeFileSync(join(proc, 'loadavg'), '1.50 1.00 0.50 2/300 1234\n');
  writeFileSync(join(proc, 'net', 'dev'), NETDEV);
  writeFileSync(
    join(proc, 'self', 'mounts'),
    '/dev/vda / ext4 rw 0 0\nproc /proc proc rw 0 0\n/dev/vda /again ext4 rw 0 0\n/dev/vdb /mnt/with\\040space xfs rw 0 0\n',
  );
  return proc;
}

describe('the node sampler', () => {
  it('parses /proc/stat per core and works out the busy share between two readings', () => {
    const [all, cpu0] = parseCpuTimes('cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 50 0 50 350 50 0 0 0 0 0\nintr 1 2 3\n');
    expect(all).toEqual({ idle: 800, total: 1000 });
    expect(cpu0).toEqual({ idle: 400, total: 500 });
    expect(busyPercent(all, { idle: 850, total: 1100 })).toBe(50);
    expect(busyPercent(null, all)).toBeNull();
    expect(busyPercent(all, all)).toBeNull();
    expect(parseNetDev(NETDEV)).toEqual({ rx: 1000, tx: 500 });
    expect(
      storageMounts(
        '/dev/vda / ext4 rw 0 0\nproc /proc proc rw 0 0\n/dev/vda /again ext4 rw 0 0\n/dev/vdb /mnt/with\\040space xfs rw 0 0\n',
      ),
    ).toEqual(['/', '/mnt/with space']);
  });

  it('gives the monitor agent and the dashboard the same figures from the same /proc', async () => {
    const proc = fakeProc('cpu  100 0 100 700 100 0 0 0\ncpu0 100 0 100 700 100 0 0 0\n');
    const agent = sampleSystem(null, '/', proc);
    const dashboard = await new MetricsSampler(undefined, proc).sample();
    expect(agent.memTotalBytes).toBe(dashboard.memory.totalBytes);
    expect(agent.memUsedBytes).toBe(dashboard.memory.usedBytes);
    expect(agent.memUsedBytes).toBe(2_000_000 * 1024);
    expect(agent.swapUsedBytes).toBe(dashboard.memory.swapUsedBytes);
    expect(agent.load1).toBe(dashboard.load[0]);
    expect(agent.netRxBytes).toBe(1000);
    expect(dashboard.disks.map((d) => d.mount)).toContain('/');
    // The next reading, after 200 more ticks of which 100 idle: 50% busy for both.
    writeFileSync(join(proc, 'stat'), 'cpu  150 0 150 800 100 0 0 0\ncpu0 150 0 150 800 100 0 0 0\n');
    expect(sampleSystem(agent.cpu, '/', proc).cpuPct).toBe(50);
  });

  it('reads the real kernel', () => {
    const first = sampleSystem(null);
    expect(first.cpuPct).toBeNull();
    expect(first.memTotalBytes).toBeGreaterThan(0);
    expect(first.diskPct).toBeGreaterThan(0);
  });
});
