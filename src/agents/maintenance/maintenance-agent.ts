// The maintenance agent's own jobs: retention once a day, collection at once when the state
// directory's filesystem runs low (it says what that freed: an alert the TUI and line mode
// show, the ledger's gc.run, the log), and the housekeeping goals (housekeeping.ts). Each run is
// a task on the agent's queue, so `aios agents` and the TUI's panes show it working, and each
// job's schedule and last result are listed under the agent in `aios agents`.
import { statfsSync } from 'node:fs';
import type { AgentJobView } from '../../protocol/agent-jobs.js';
import type { AgentWorker } from '../mesh/agent-worker.js';

export interface MaintenanceJob {
  name: string;
  /** In words, for `aios agents`. */
  schedule: string;
  /** Between timed runs; the first is one interval after aiosd starts, so a restart loop is not a job loop. */
  everyMs: number;
  /** Runs on the agent's queue; returns what it did, in a sentence. */
  run: (signal: AbortSignal) => Promise<string>;
}

/** The filesystem's fill, as df counts it: used over what non-root users could have. */
export interface DiskFill {
  usedPct: number;
  freeBytes: number;
}

export interface LowDiskWatch {
  /** At or above this fill, collect now. */
  pct: number;
  fill: () => DiskFill;
  /** Collects; returns what it freed, in a sentence, and the bytes. */
  collect: (fill: DiskFill) => { summary: string; bytes: number };
  /** The notice: an alert event (TUI, line mode, events table). */
  notify: (message: string) => void;
  everyMs: number;
  /** Not again within this long while the disk stays full, so nothing loops on a disk it cannot free. */
  quietMs: number;
}

interface JobState {
  job: MaintenanceJob;
  timer: NodeJS.Timeout | null;
  next: number | null;
  last: AgentJobView['last'];
}

const TASK_DEADLINE_MS = 30 * 60_000;

export class MaintenanceAgent {
  private readonly jobs: JobState[];
  private diskTimer: NodeJS.Timeout | null = null;
  private lowSince: number | null = null;

  constructor(
    private readonly o: {
      agent: () => AgentWorker | undefined;
      jobs: readonly MaintenanceJob[];
      lowDisk: LowDiskWatch | null;
      log: { info: (m: string) => void; warn: (m: string) => void };
      now?: () => number;
    },
  ) {
    this.jobs = o.jobs.map((job) => ({ job, timer: null, next: null, last: null }));
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  start(): void {
    for (const s of this.jobs) this.arm(s);
    const low = this.o.lowDisk;
    if (low !== null && this.diskTimer === null) {
      this.diskTimer = setInterval(() => void this.checkDisk(low), low.everyMs);
      this.diskTimer.unref();
    }
  }

  stop(): void {
    for (const s of this.jobs) {
      if (s.timer !== null) clearTimeout(s.timer);
      s.timer = null;
      s.next = null;
    }
    if (this.diskTimer !== null) clearInterval(this.diskTimer);
    this.diskTimer = null;
  }

  /** For agents/list: each job's schedule, next run and last result. */
  views(): AgentJobView[] {
    return this.jobs.map((s) => ({
      name: s.job.name,
      schedule: s.job.schedule,
      next: s.next === null ? null : new Date(s.next).toISOString(),
      last: s.last,
    }));
  }

  /** Runs a job now, on the agent's queue (a test, or the low-disk check for retention). */
  async runNow(name: string): Promise<AgentJobView['last']> {
    const s = this.jobs.find((j) => j.job.name === name);
    if (s === undefined) throw new Error(`no maintenance job "${name}"`);
    await this.runJob(s);
    return s.last;
  }

  private arm(s: JobState): void {
    s.next = this.now() + s.job.everyMs;
    s.timer = setTimeout(() => {
      void this.runJob(s).finally(() => {
        if (s.timer !== null) this.arm(s);
      });
    }, s.job.everyMs);
    s.timer.unref();
  }

  private async runJob(s: JobState): Promise<void> {
    const summary = await this.onQueue(s.job.name, (signal) => s.job.run(signal));
    s.last = { at: new Date(this.now()).toISOString(), ok: summary.ok, summary: summary.text };
    (summary.ok ? this.o.log.info : this.o.log.warn)(`maintenance: ${s.job.name}: ${summary.text}`);
  }

  /** A job's failure is its result, not the agent's fault: the agent goes on with the next one. */
  private async onQueue(
    id: string,
    run: (signal: AbortSignal) => Promise<string>,
  ): Promise<{ ok: boolean; text: string }> {
    const attempt = async (signal: AbortSignal): Promise<{ ok: boolean; text: string }> => {
      try {
        return { ok: true, text: await run(signal) };
      } catch (err) {
        return { ok: false, text: `failed: ${err instanceof Error ? err.message : String(err)}` };
      }
    };
    const agent = this.o.agent();
    if (agent === undefined) return attempt(new AbortController().signal);
    try {
      return await agent.submit({ id, deadlineMs: TASK_DEADLINE_MS, run: attempt });
    } catch (err) {
      return { ok: false, text: `not run: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  private async checkDisk(low: LowDiskWatch): Promise<void> {
    let fill: DiskFill;
    try {
      fill = low.fill();
    } catch {
      return;
    }
    if (fill.usedPct < low.pct) {
      this.lowSince = null;
      return;
    }
    if (this.lowSince !== null && this.now() - this.lowSince < low.quietMs) return;
    this.lowSince = this.now();
    const r = await this.onQueue('retention (low disk)', () => {
      const freed = low.collect(fill);
      const after = low.fill();
      return Promise.resolve(
        `the state directory's filesystem was ${fill.usedPct.toFixed(0)}% full (at least ${low.pct}% starts collection): collected ${freed.summary}; now ${after.usedPct.toFixed(0)}% full${freed.bytes === 0 ? '. Nothing [retention] allows was left to collect: free space on that filesystem, or shorten [retention]' : ''}`,
      );
    });
    const s = this.jobs.find((j) => j.job.name === 'retention');
    if (s !== undefined) s.last = { at: new Date(this.now()).toISOString(), ok: r.ok, summary: r.text };
    (r.ok ? this.o.log.info : this.o.log.warn)(`maintenance: retention (low disk): ${r.text}`);
    low.notify(`maintenance: ${r.text}`);
  }
}

/** The fill of the filesystem that holds `dir`. */
export function diskFill(dir: string): DiskFill {
  const s = statfsSync(dir);
  const used = s.blocks - s.bfree;
  const usable = used + s.bavail;
  return { usedPct: usable === 0 ? 100 : (used / usable) * 100, freeBytes: s.bavail * s.bsize };
}
