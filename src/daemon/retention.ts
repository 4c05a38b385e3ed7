// The daemon's side of retention: the limits from [retention], gc/run's entry point, and the
// daily collection (src/memory/collector.ts does the deleting).
import { ageMs, retentionSettings, type RetentionConfig } from '../config/retention-schema.js';
import { collect, type CollectLimits, type CollectResult } from '../memory/collector.js';
import type { AuditLedger } from '../memory/audit-ledger.js';
import type { Db } from '../memory/database.js';
import { OpError } from '../agents/op-error.js';

const DAY_MS = 86_400_000;

export function retentionLimits(retention: RetentionConfig | undefined, olderThan?: string): CollectLimits {
  const r = retentionSettings(retention);
  const age = (configured: string): number => ageMs(olderThan ?? configured);
  return {
    goalsMs: age(r.goals),
    eventsMs: age(r.events),
    memoriesMs: age(r.memories),
    autoSnapshots: r.auto_snapshots,
  };
}

export interface Retention {
  run: (opts: { olderThan?: string; dryRun: boolean }) => CollectResult;
  start: () => void;
  stop: () => void;
}

export function createRetention(deps: {
  db: Db;
  blobDir: string;
  ledger: AuditLedger;
  retention: RetentionConfig | undefined;
  /** Why nothing may be changed now (a read-only state dir), or null. */
  refusal: () => string | null;
  log: (msg: string) => void;
  warn: (msg: string) => void;
}): Retention {
  let timer: NodeJS.Timeout | null = null;
  const run = (opts: { olderThan?: string; dryRun: boolean }): CollectResult => {
    const refused = opts.dryRun ? null : deps.refusal();
    if (refused !== null) throw new OpError('StateUnavailable', `cannot collect old state: ${refused}`);
    return collect(deps.db, deps.blobDir, retentionLimits(deps.retention, opts.olderThan), {
      dryRun: opts.dryRun,
    });
  };
  const daily = (): void => {
    try {
      const r = run({ dryRun: false });
      deps.ledger.append({
        actor: 'aiosd',
        action: 'gc.run',
        subject: 'retention',
        detail: {
          goals: r.goals.count,
          events: r.events.count,
          memories: r.memories.count,
          snapshots: r.snapshots.count,
          blobs: r.blobs.count,
          blobsBytes: r.blobs.bytes,
        },
      });
      deps.log(
        `retention: collected ${r.goals.count} goals, ${r.events.count} events, ${r.memories.count} memories, ${r.snapshots.count} snapshots, ${r.blobs.count} blobs (${r.blobs.bytes} bytes)`,
      );
    } catch (err) {
      deps.warn(`retention: collection failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  return {
    run,
    // Once a day, first a day after start: a restart loop must not turn into a collection loop.
    start: () => {
      if (timer !== null) return;
      timer = setInterval(daily, DAY_MS);
      timer.unref();
    },
    stop: () => {
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}
