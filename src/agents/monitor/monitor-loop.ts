// The monitor agent's loop: sample on an interval, keep the samples in operational memory,
// and when a threshold is crossed raise one alert and propose a diagnostic goal (once per
// crossing, cleared when the value falls back), so a full disk is noticed without a person.
import { statementCache, type Db } from '../../memory/database.js';
import { diskPercent, diskUsage, sampleSystem, type CpuTimes, type SystemSample } from './system-sample.js';

/** false: the check is off. */
export interface Thresholds {
  cpu_pct: number | false;
  memory_pct: number | false;
  disk_pct: number | false;
  load_per_core: number | false;
}
type Metric = keyof Thresholds;

/** [[monitor.threshold]]: one of the metrics at a limit of its own; disk_pct of any filesystem. */
export interface CustomThreshold {
  metric: Metric;
  path?: string | undefined;
  above: number;
  goal?: string | undefined;
}

/** [monitor] services: each read from the service manager on every tick. */
export interface WatchedServices {
  units: readonly string[];
  state: (unit: string) => Promise<{ active: string }>;
}

export interface MonitorOptions {
  db: Db;
  intervalMs: number;
  keepHours: number;
  thresholds: Thresholds;
  custom?: readonly CustomThreshold[];
  services?: WatchedServices;
  alert: (level: 'warning' | 'critical', message: string) => void;
  /** Proposes a goal in plain words, as a person would type it; the usual approval applies. */
  propose: (goalText: string, why: string) => void;
  sample?: (prev: CpuTimes | null) => SystemSample;
}

interface Check {
  id: string;
  metric: Metric;
  value: (s: SystemSample) => number | null;
  label: string;
  goal: string;
  limit: number;
}

const BUILT_IN: Record<Metric, { value: (s: SystemSample) => number | null; label: string; goal: string }> = {
  disk_pct: { value: (s) => s.diskPct, label: 'disk use on /', goal: 'disk usage' },
  memory_pct: { value: (s) => s.memPct, label: 'memory use', goal: 'which processes use the most memory' },
  cpu_pct: { value: (s) => s.cpuPct, label: 'CPU use', goal: 'list processes' },
  load_per_core: { value: (s) => s.loadPerCore, label: 'load per core', goal: 'list processes' },
};
const ORDER: readonly Metric[] = ['disk_pct', 'memory_pct', 'cpu_pct', 'load_per_core'];

/** States a service is in while it runs or is on its way to (a manager's restart passes through activating). */
const UP = new Set(['active', 'reloading', 'activating']);

function checksOf(thresholds: Thresholds, custom: readonly CustomThreshold[]): Check[] {
  const checks: Check[] = [];
  for (const metric of ORDER) {
    const limit = thresholds[metric];
    if (limit !== false) checks.push({ id: metric, metric, ...BUILT_IN[metric], limit });
  }
  custom.forEach((t, i) => {
    const base = BUILT_IN[t.metric];
    const path = t.metric === 'disk_pct' ? (t.path ?? '/') : undefined;
    checks.push({
      id: `threshold[${i}]`,
      metric: t.metric,
      limit: t.above,
      goal: t.goal ?? base.goal,
      label: path === undefined ? base.label : `disk use on ${path}`,
      // The sample reads the filesystem of /; another path is read when it is checked.
      value:
        path === undefined || path === '/'
          ? base.value
          : () => {
              const d = diskUsage(path);
              return d === null ? null : diskPercent(d);
            },
    });
  });
  return checks;
}

export class MonitorLoop {
  private timer: NodeJS.Timeout | null = null;
  private prev: CpuTimes | null = null;
  private latest: SystemSample | null = null;
  private readonly raised = new Set<string>();
  private readonly sql: ReturnType<typeof statementCache>;
  private readonly checks: Check[];
  private servicesChecking: Promise<void> | null = null;
  private readonly downOnce = new Set<string>();

  constructor(private readonly opts: MonitorOptions) {
    this.sql = statementCache(opts.db);
    this.checks = checksOf(opts.thresholds, opts.custom ?? []);
  }

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  get last(): SystemSample | null {
    return this.latest;
  }

  /** One sample, stored and checked; public so tests and `aios top` need not wait. */
  tick(): SystemSample {
    const s = (this.opts.sample ?? sampleSystem)(this.prev);
    this.prev = s.cpu;
    this.latest = s;
    const insert = this.sql('INSERT INTO metrics (ts, name, value) VALUES (?, ?, ?)');
    try {
      this.opts.db.transaction(() => {
        for (const [name, value] of [
          ['cpu_pct', s.cpuPct],
          ['memory_pct', s.memPct],
          ['disk_pct', s.diskPct],
          ['load1', s.load1],
        ] as const) {
          if (value !== null) insert.run(s.ts, name, value);
        }
        this.sql('DELETE FROM metrics WHERE ts < ?').run(
          new Date(Date.now() - this.opts.keepHours * 3_600_000).toISOString(),
        );
      })();
    } catch {
      // A full or read-only state directory loses this sample from the history; the live view and the checks go on.
    }
    for (const check of this.checks) {
      const v = check.value(s);
      if (v === null) continue;
      const limit = check.limit;
      if (v >= limit && !this.raised.has(check.id)) {
        this.raised.add(check.id);
        const message = `${check.label} is ${v.toFixed(1)}${check.metric === 'load_per_core' ? '' : '%'} (threshold ${limit})`;
        this.opts.alert(v >= limit * 1.05 || check.metric === 'disk_pct' ? 'critical' : 'warning', message);
        this.opts.propose(check.goal, message);
      } else if (v < limit * 0.95) {
        this.raised.delete(check.id);
      }
    }
    this.servicesChecking ??= this.checkServices().finally(() => {
      this.servicesChecking = null;
    });
    return s;
  }

  /**
   * Each watched service, once per tick (a check still running is not started again): one found
   * not running at two checks in a row raises a critical alert and proposes restarting it, once
   * until it runs again.
   * One the manager cannot answer for (unknown, no manager) is said once, with no proposal.
   */
  async checkServices(): Promise<void> {
    for (const unit of this.opts.services?.units ?? []) {
      let active: string;
      try {
        active = (await this.opts.services?.state(unit))?.active ?? 'unknown';
      } catch (err) {
        if (!this.raised.has(`service?:${unit}`)) {
          this.raised.add(`service?:${unit}`);
          this.opts.alert(
            'warning',
            `cannot check service ${unit}: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
        continue;
      }
      this.raised.delete(`service?:${unit}`);
      if (UP.has(active)) {
        this.raised.delete(`service:${unit}`);
        this.downOnce.delete(unit);
      } else if (!this.downOnce.has(unit)) {
        // Seen down once: at boot the manager may not have started it yet; it counts at the next check.
        this.downOnce.add(unit);
      } else if (!this.raised.has(`service:${unit}`)) {
        this.raised.add(`service:${unit}`);
        const message = `service ${unit} is ${active}, and [monitor] services says it should run`;
        this.opts.alert('critical', message);
        this.opts.propose(`restart service ${unit}`, message);
      }
    }
  }

  history(name: string, sinceIso: string): { ts: string; value: number }[] {
    return this.sql('SELECT ts, value FROM metrics WHERE name = ? AND ts >= ? ORDER BY ts').all(name, sinceIso) as {
      ts: string;
      value: number;
    }[];
  }
}
