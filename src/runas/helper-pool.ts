// One run-as helper per uid with work, kept warm between steps (a cold start costs a Node
// start-up) and ended once it has been idle a while, so a helper never outlives its use long
// and a changed group membership is picked up by the next one.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RunAsHelper } from './helper-process.js';
import { identityOf } from './identity.js';
import type { HelperToolOptions, RunAsIdentity } from './messages.js';

/** How long a helper with nothing to do stays up. */
export const HELPER_IDLE_MS = 60_000;

/** dist/runas-helper.js, beside dist/aios.js; this module may be bundled into a chunk below it. */
export function defaultHelperScript(from: string = import.meta.url): string {
  const candidates = ['./runas-helper.js', '../runas-helper.js', '../../dist/runas-helper.js'].map((rel) =>
    fileURLToPath(new URL(rel, from)),
  );
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined)
    throw new Error(
      `the run-as helper is not built (looked for ${candidates.join(', ')}); run: node scripts/build.mjs`,
    );
  return found;
}

export interface HelperPoolOptions {
  tools: HelperToolOptions;
  script?: string;
  idleMs?: number;
  identity?: (uid: number) => RunAsIdentity;
  log?: (line: string) => void;
}

export class HelperPool {
  private readonly helpers = new Map<number, RunAsHelper>();
  private readonly idleTimers = new Map<number, NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly opts: HelperPoolOptions) {}

  /** The warm helper for this uid, or a new one (which drops to it before it does anything). */
  get(uid: number): RunAsHelper {
    if (this.closed) throw new Error('aiosd is shutting down: no new step runs');
    this.holdOff(uid);
    const warm = this.helpers.get(uid);
    if (warm?.alive === true) return warm;
    const who = (this.opts.identity ?? identityOf)(uid);
    const helper: RunAsHelper = new RunAsHelper(
      who,
      this.opts.tools,
      this.opts.script ?? defaultHelperScript(),
      (why) => {
        if (this.helpers.get(uid) === helper) this.helpers.delete(uid);
        this.holdOff(uid);
        if (!this.closed && why !== 'it was idle and was ended')
          this.opts.log?.(`run-as helper for ${helper.label} ended: ${why}`);
      },
    );
    this.helpers.set(uid, helper);
    helper.ready.then(
      (r) =>
        this.opts.log?.(
          `run-as helper for ${helper.label} started in ${Math.round(helper.startMs ?? 0)} ms (gid ${r.gid}, groups ${r.groups.join(',')})`,
        ),
      () => undefined,
    );
    return helper;
  }

  /** Starts the uid's helper ahead of its first call (an operator connected), unless it is up. */
  warm(uid: number): void {
    if (this.closed) return;
    try {
      this.get(uid);
      this.settle(uid);
    } catch (err) {
      this.opts.log?.(
        `could not start the run-as helper for uid ${uid}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  /** Called when a call ends: a helper left with nothing to do is ended after the idle time. */
  settle(uid: number): void {
    const helper = this.helpers.get(uid);
    if (helper === undefined || helper.busy > 0 || this.closed) return;
    this.holdOff(uid);
    const timer = setTimeout(() => {
      this.idleTimers.delete(uid);
      if (helper.busy === 0 && this.helpers.get(uid) === helper) {
        this.helpers.delete(uid);
        helper.end();
      }
    }, this.opts.idleMs ?? HELPER_IDLE_MS);
    timer.unref();
    this.idleTimers.set(uid, timer);
  }

  /** The helpers now up, by uid (status and tests). */
  running(): { uid: number; pid: number | undefined }[] {
    return [...this.helpers.entries()].filter(([, h]) => h.alive).map(([uid, h]) => ({ uid, pid: h.pid }));
  }

  close(): void {
    this.closed = true;
    for (const t of this.idleTimers.values()) clearTimeout(t);
    this.idleTimers.clear();
    for (const h of this.helpers.values()) h.end();
    this.helpers.clear();
  }

  private holdOff(uid: number): void {
    const t = this.idleTimers.get(uid);
    if (t !== undefined) clearTimeout(t);
    this.idleTimers.delete(uid);
  }
}
