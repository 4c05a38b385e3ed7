// [[schedule]]: goals submitted on their own, as the `schedule` actor, every so often or at
// cron-style times. A goal goes through planning, policy and approval like anyone's; an entry's
// autonomy may only lower the node's. While an entry's last goal is still planned, waiting for
// approval or running, the next firing is skipped (and counted), so unapproved goals do not pile up.
import { EVERY_PATTERN, type ScheduleEntry } from '../../config/operations-schema.js';
import { nextCron, parseCron } from '../../config/cron.js';
import type { GoalView } from '../../protocol/model.js';
import type { ScheduleView } from '../../protocol/schedule.js';
import type { AutonomyLevel } from '../../protocol/vocabulary.js';

type Level = AutonomyLevel;
const RANK: Record<Level, number> = { manual: 0, supervised: 1, full: 2 };
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const BUSY = new Set(['planning', 'awaiting_approval', 'running']);

export interface SchedulerOptions {
  entries: readonly ScheduleEntry[];
  nodeAutonomy: Level;
  submit: (entry: { name: string; goal: string; autonomy?: Level }) => Promise<GoalView>;
  /** The state of a goal an entry submitted earlier (undefined: no longer kept). */
  stateOf: (goalId: string) => string | undefined;
  log: (line: string) => void;
  now?: () => number;
}

interface Slot {
  view: ScheduleView;
  next: (after: number) => number | null;
  inFlight: boolean;
}

export class Scheduler {
  private readonly slots: Slot[];
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;

  constructor(private readonly o: SchedulerOptions) {
    this.now = o.now ?? Date.now;
    this.slots = o.entries.map((e, i) => this.slot(e, i));
  }

  private slot(e: ScheduleEntry, i: number): Slot {
    const name = e.name ?? e.goal.slice(0, 100);
    const tooHigh = e.autonomy !== undefined && RANK[e.autonomy] > RANK[this.o.nodeAutonomy];
    const next = scheduleOf(e);
    const view: ScheduleView = {
      index: i,
      name,
      goal: e.goal,
      every: e.every ?? null,
      at: e.at ?? null,
      autonomy: e.autonomy ?? null,
      nextAt: null,
      lastAt: null,
      lastGoalId: null,
      lastState: null,
      fired: 0,
      skipped: 0,
      problem: tooHigh
        ? `autonomy "${e.autonomy ?? ''}" is higher than the node's ("${this.o.nodeAutonomy}"): not scheduled`
        : null,
    };
    const first = view.problem === null ? next(this.now()) : null;
    view.nextAt = first === null ? null : new Date(first).toISOString();
    if (view.problem === null && first === null) view.problem = 'its times never come (no date matches within a year)';
    return { view, next, inFlight: false };
  }

  start(): void {
    for (const s of this.slots) if (s.view.problem !== null) this.o.log(`schedule "${s.view.name}": ${s.view.problem}`);
    // Checked every second: firing times are whole seconds or minutes, and a timer per entry would drift no better.
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  list(): ScheduleView[] {
    return this.slots.map((s) => ({
      ...s.view,
      lastState: s.view.lastGoalId === null ? null : (this.o.stateOf(s.view.lastGoalId) ?? null),
    }));
  }

  /** Fires every entry that is due; public so a test need not wait for the timer. */
  tick(): void {
    const now = this.now();
    for (const s of this.slots) {
      if (s.view.nextAt === null || Date.parse(s.view.nextAt) > now) continue;
      const following = s.next(now);
      s.view.nextAt = following === null ? null : new Date(following).toISOString();
      const last = s.view.lastGoalId === null ? undefined : this.o.stateOf(s.view.lastGoalId);
      if (s.inFlight || (last !== undefined && BUSY.has(last))) {
        s.view.skipped += 1;
        continue;
      }
      this.fire(s, now);
    }
  }

  private fire(s: Slot, now: number): void {
    s.inFlight = true;
    s.view.fired += 1;
    s.view.lastAt = new Date(now).toISOString();
    const { name, goal, autonomy } = s.view;
    this.o
      .submit({ name, goal, ...(autonomy === null ? {} : { autonomy }) })
      .then(
        (g) => {
          s.view.lastGoalId = g.id;
        },
        (err: unknown) => {
          this.o.log(
            `schedule "${name}" could not submit "${goal}": ${err instanceof Error ? err.message : String(err)}`,
          );
        },
      )
      .finally(() => {
        s.inFlight = false;
      });
  }
}

/** When an entry fires next after a time (ms), or null when it never does. */
function scheduleOf(e: ScheduleEntry): (after: number) => number | null {
  if (e.every !== undefined) {
    const m = EVERY_PATTERN.exec(e.every);
    const ms = Number(m?.[1] ?? 0) * (UNIT_MS[m?.[2] ?? 's'] ?? 1000);
    return (after) => after + Math.max(1000, ms);
  }
  const spec = parseCron(e.at ?? '');
  if (typeof spec === 'string') return () => null;
  return (after) => nextCron(spec, new Date(after))?.getTime() ?? null;
}
