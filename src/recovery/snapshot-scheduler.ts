// Automatic snapshots of whole trees (/etc by default) on the [recovery] schedule: hourly or
// daily, the newest [retention] auto_snapshots kept, manual and step snapshots never pruned. The first runs
// shortly after start when the newest automatic snapshot is older than the interval.
import type { TreeCapture, SnapshotStore } from './snapshot-store.js';

export type SnapshotInterval = 'off' | 'hourly' | 'daily';

const INTERVAL_MS: Record<Exclude<SnapshotInterval, 'off'>, number> = { hourly: 3_600_000, daily: 86_400_000 };
/** Start-up is busy enough; the first automatic snapshot waits this long. */
const FIRST_DELAY_MS = 60_000;

export interface SchedulerOptions {
  snapshots: SnapshotStore;
  interval: SnapshotInterval;
  keep: number;
  roots: readonly string[];
  /** Called after each automatic snapshot (the daemon audits and logs it). */
  onSnapshot: (r: TreeCapture, pruned: string[]) => void;
  onError: (err: unknown) => void;
  /** Tests shorten the clock. */
  intervalMs?: number;
  firstDelayMs?: number;
  now?: () => number;
}

export class SnapshotScheduler {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: SchedulerOptions) {}

  get periodMs(): number | null {
    if (this.opts.interval === 'off') return null;
    return this.opts.intervalMs ?? INTERVAL_MS[this.opts.interval];
  }

  start(): void {
    const period = this.periodMs;
    if (period === null || this.timer !== null) return;
    const newest = this.opts.snapshots.newest('auto');
    const now = (this.opts.now ?? Date.now)();
    const age = newest === undefined ? Infinity : now - Date.parse(newest.createdAt);
    const first = age >= period ? (this.opts.firstDelayMs ?? FIRST_DELAY_MS) : period - age;
    this.schedule(first);
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Takes one automatic snapshot now and prunes the old ones. */
  runOnce(): TreeCapture {
    const r = this.opts.snapshots.captureTree({
      roots: [...this.opts.roots],
      label: `auto (${this.opts.interval}): ${this.opts.roots.join(', ')}`,
      kind: 'auto',
    });
    const { dropped } = this.opts.snapshots.prune(this.opts.keep);
    this.opts.onSnapshot(r, dropped);
    return r;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      try {
        this.runOnce();
      } catch (err) {
        this.opts.onError(err);
      }
      const period = this.periodMs;
      if (period !== null && this.timer !== null) this.schedule(period);
    }, ms);
    // A pending snapshot never keeps the daemon alive on its own.
    this.timer.unref();
  }
}
