import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MonitorLoop } from '../../src/agents/monitor/monitor-loop.js';
import { sampleSystem, type SystemSample } from '../../src/agents/monitor/system-sample.js';
import { openDatabase, type Db } from '../../src/memory/database.js';

let dir: string;
let db: Db;
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function setup(): void {
  dir = mkdtempSync(join(tmpdir(), 'aios-monitor-'));
  db = openDatabase(join(dir, 'aios.db'));
}

describe('monitor loop', () => {
  it('samples the real kernel figures', () => {
    setup();
    const first = sampleSystem(null);
    const second = sampleSystem(first.cpu);
    expect(first.cpuPct).toBeNull(); // CPU needs two readings
    expect(second.memTotalBytes).toBeGreaterThan(0);
    expect(second.diskPct).toBeGreaterThan(0);
    expect(second.diskPct).toBeLessThanOrEqual(100);
  });

  it('raises one alert and one proposal per threshold crossing, and stores the samples', () => {
    setup();
    let disk = 50;
    const alerts: string[] = [];
    const proposals: string[] = [];
    const real = sampleSystem(null);
    const loop = new MonitorLoop({
      db,
      intervalMs: 60_000,
      keepHours: 1,
      thresholds: { cpu_pct: 101, memory_pct: 101, disk_pct: 90, load_per_core: 1000 },
      alert: (level, m) => alerts.push(`${level}: ${m}`),
      propose: (goal) => proposals.push(goal),
      sample: (): SystemSample => ({ ...real, diskPct: disk }),
    });
    loop.tick();
    disk = 97;
    loop.tick();
    loop.tick(); // still high: no second alert
    expect(alerts).toEqual(['critical: disk use on / is 97.0% (threshold 90)']);
    expect(proposals).toEqual(['disk usage']);
    disk = 40;
    loop.tick();
    disk = 95;
    loop.tick(); // a new crossing after it cleared
    expect(alerts).toHaveLength(2);
    expect(loop.history('disk_pct', '1970-01-01T00:00:00Z').map((r) => r.value)).toEqual([50, 97, 97, 40, 95]);
  });

  it('checks [[monitor.threshold]] entries of its own: another filesystem at its own limit, with its own goal', () => {
    setup();
    const alerts: string[] = [];
    const proposals: string[] = [];
    const loop = new MonitorLoop({
      db,
      intervalMs: 60_000,
      keepHours: 1,
      thresholds: { cpu_pct: false, memory_pct: false, disk_pct: false, load_per_core: false },
      // Any real filesystem is above 0.001 % used; none is at 100 %.
      custom: [
        { metric: 'disk_pct', path: dir, above: 0.001, goal: `what uses the most space under ${dir}` },
        { metric: 'memory_pct', above: 100 },
      ],
      alert: (level, m) => alerts.push(`${level}: ${m}`),
      propose: (goal, why) => proposals.push(`${goal} (${why})`),
    });
    loop.tick();
    loop.tick();
    expect(alerts).toEqual([
      expect.stringMatching(new RegExp(`^critical: disk use on ${dir} is [\\d.]+% \\(threshold 0\\.001\\)$`)),
    ]);
    expect(proposals).toEqual([
      expect.stringMatching(new RegExp(`^what uses the most space under ${dir} \\(disk use on ${dir} is`)),
    ]);
  });
});
