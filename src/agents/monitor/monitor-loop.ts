// The monitor agent's loop: sample on an interval, keep the samples in operational memory,
// and when a threshold is crossed raise one alert and propose a diagnostic goal (once per
// crossing, cleared when the value falls back), so a full disk is noticed without a person.
import { statementCache, type Db } from '../../memory/database.js';
import { sampleSystem, type CpuTimes, type SystemSample } from './system-sample.js';

/** false: the check is off. */
export interface Thresholds { cpu_pct: number | false; memory_pct: number | false; disk_pct: number | false; load_per_core: number | false }

export interface MonitorOptions {
  db: Db;
  intervalMs: number;
  keepHours: number;
  thresholds: Thresholds;
  alert: (level: 'warning' | 'critical', message: string) => void;
  /** Proposes a goal in plain words, as a person would type it; the usual approval applies. */
  propose: (goalText: string, why: string) => void;
  sample?: (prev: CpuTimes | null) => SystemSample;
}

interface Check { key: keyof Thresholds; value: (s: SystemSample) => number | null; label: string; goal: string }

const CHECKS: readonly Check[] = [
  { key: 'disk_pct', value: (s) => s.diskPct, label: 'disk use on /', goal: 'disk usage' },
  { key: 'memory_pct', value: (s) => s.memPct, label: 'memory use', goal: 'which processes use the most memory' },
  { key: 'cpu_pct', value: (s) => s.cpuPct, label: 'CPU use', goal: 'list processes' },
  { key: 'load_per_core', value: (s) => s.loadPerCore, label: 'load per core', goal: 'list processes' },
];

export class MonitorLoop {
  private timer: NodeJS.Timeout | null = null;
  private prev: CpuTimes | null = null;
  private latest: SystemSample | null = null;
  private readonly raised = new Set<string>();
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(private readonly opts: MonitorOptions) {
    this.sql = statementCache(opts.db);
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
        for (const [name, value] of [['cpu_pct', s.cpuPct], ['memory_pct', s.memPct], ['disk_pct', s.diskPct], ['load1', s.load1]] as const) {
          if (value !== null) insert.run(s.ts, name, value);
        }
        this.sql('DELETE FROM metrics WHERE ts < ?').run(new Date(Date.now() - this.opts.keepHours * 3_600_000).toISOString());
      })();
    } catch {
      // A full or read-only state directory loses this sample from the history; the live view and the checks go on.
    }
    for (const check of CHECKS) {
      const v = check.value(s);
      const limit = this.opts.thresholds[check.key];
      if (v === null || limit === false) continue;
      if (v >= limit && !this.raised.has(check.key)) {
        this.raised.add(check.key);
        const message = `${check.label} is ${v.toFixed(1)}${check.key === 'load_per_core' ? '' : '%'} (threshold ${limit})`;
        this.opts.alert(v >= limit * 1.05 || check.key === 'disk_pct' ? 'critical' : 'warning', message);
        this.opts.propose(check.goal, message);
      } else if (v < limit * 0.95) {
        this.raised.delete(check.key);
      }
    }
    return s;
  }

  history(name: string, sinceIso: string): { ts: string; value: number }[] {
    return this.sql('SELECT ts, value FROM metrics WHERE name = ? AND ts >= ? ORDER BY ts').all(name, sinceIso) as { ts: string; value: number }[];
  }
}
