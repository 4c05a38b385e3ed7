// The daemon's side of retention: the limits from [retention], gc/run's entry point, and a run
// recorded in the ledger and the log (the maintenance agent's daily and low-disk collection:
// src/agents/maintenance/maintenance-agent.ts). src/memory/collector.ts does the deleting.
import { ageMs, retentionSettings, type RetentionConfig } from '../config/retention-schema.js';
import { collect, type CollectLimits, type CollectResult, type KindCount } from '../memory/collector.js';
import { archiveLedger } from '../memory/audit-archive.js';
import type { AuditLedger } from '../memory/audit-ledger.js';
import type { Db } from '../memory/database.js';
import { OpError } from '../agents/op-error.js';

export function retentionLimits(
  retention: RetentionConfig | undefined,
  olderThan?: string,
): CollectLimits & { ledgerMs: number } {
  const r = retentionSettings(retention);
  const age = (configured: string): number => ageMs(olderThan ?? configured);
  return {
    goalsMs: age(r.goals),
    eventsMs: age(r.events),
    memoriesMs: age(r.memories),
    autoSnapshots: r.auto_snapshots,
    ledgerMs: age(r.ledger),
  };
}

/** A collection: what collector.ts deleted, and the ledger entries archived out of the database (audit-archive.ts). */
export type GcResult = CollectResult & { ledger: KindCount };

const KINDS = ['goals', 'events', 'memories', 'snapshots', 'blobs', 'ledger'] as const;

/** The ledger's detail: counts and bytes per kind, flat. */
export function collectedDetail(r: GcResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of KINDS) {
    out[k] = r[k].count;
    out[`${k}Bytes`] = r[k].bytes;
  }
  return out;
}

/** Bytes a run freed (blob bytes exact, rows approximate). */
export function collectedBytes(r: GcResult): number {
  return KINDS.reduce((sum, k) => sum + r[k].bytes, 0);
}

/** "3 goals, 120 events, 0 memories, 4 snapshots, 9 blobs, 500 ledger entries archived (2.1 MiB)" */
export function describeCollected(r: GcResult): string {
  return `${r.goals.count} goals, ${r.events.count} events, ${r.memories.count} memories, ${r.snapshots.count} snapshots, ${r.blobs.count} blobs, ${r.ledger.count} ledger entries archived (${formatBytes(collectedBytes(r))})`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export interface Retention {
  run: (opts: { olderThan?: string; dryRun: boolean }) => GcResult;
  /** A real run by aiosd itself, in the ledger as gc.run (actor aiosd, subject the trigger) and in the log. */
  collectRecorded: (trigger: string, extra?: Record<string, number | string>) => GcResult;
}

export function createRetention(deps: {
  db: Db;
  blobDir: string;
  /** Where the ledger's archive files go (<state>/audit-archive). */
  stateDir: string;
  ledger: AuditLedger;
  /** The first ledger entry the fleet's hub has not acknowledged, or null outside a fleet: it is not archived. */
  unpublishedFrom?: () => number | null;
  retention: RetentionConfig | undefined;
  /** Why nothing may be changed now (a read-only state dir), or null. */
  refusal: () => string | null;
  log: (msg: string) => void;
}): Retention {
  const run = (opts: { olderThan?: string; dryRun: boolean }): GcResult => {
    const refused = opts.dryRun ? null : deps.refusal();
    if (refused !== null) throw new OpError('StateUnavailable', `cannot collect old state: ${refused}`);
    const limits = retentionLimits(deps.retention, opts.olderThan);
    const now = Date.now();
    const r = collect(deps.db, deps.blobDir, limits, { dryRun: opts.dryRun, now });
    const archived = archiveLedger(deps.db, deps.ledger, deps.stateDir, {
      before: new Date(now - limits.ledgerMs).toISOString(),
      keepFrom: deps.unpublishedFrom?.() ?? null,
      dryRun: opts.dryRun,
    });
    if (archived.files.length > 0) deps.log(`retention: ledger archived to ${archived.files.join(', ')}`);
    return { ...r, ledger: { count: archived.count, bytes: archived.bytes } };
  };
  return {
    run,
    collectRecorded: (trigger, extra = {}) => {
      const r = run({ dryRun: false });
      deps.ledger.append({
        actor: 'aiosd',
        action: 'gc.run',
        subject: trigger,
        detail: { ...collectedDetail(r), ...extra },
      });
      deps.log(`retention (${trigger}): collected ${describeCollected(r)}`);
      return r;
    },
  };
}
