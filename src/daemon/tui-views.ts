// What the TUI's views ask of the daemon beyond goals and plans: ledger pages, a goal's
// decision trace, what a snapshot holds against now, the node's vital signs, the escape
// hatch, and the settings the status bar shows. Built once in the composition root.
import { join } from 'node:path';
import type { AuditEntryView, Metrics, SnapshotEntryView, SnapshotView, TraceItem } from '../protocol/model.js';
import type { AuditLedger } from '../memory/audit-ledger.js';
import type { Db } from '../memory/database.js';
import type { SnapshotStore } from '../recovery/snapshot-store.js';
import { HatchManager, type HatchPolicy } from './hatch.js';
import { auditPage, GoalTrace } from './ledger-views.js';
import { MetricsSampler, type ModelFigures } from './metrics.js';
import { snapshotDetail } from './snapshot-detail.js';
import type { AutonomyLevel } from '../protocol/vocabulary.js';

export interface TuiSettings {
  autonomy: AutonomyLevel;
  escapeHatch: HatchPolicy;
  /** The shell's key guard ([shell] guard_ms, burst_ms). */
  guardMs?: number;
  burstMs?: number;
}

export interface TuiViews {
  auditPage(beforeSeq: number | undefined, limit: number): { entries: AuditEntryView[]; head: number };
  trace(goalId: string): TraceItem[];
  /** Content diffs only for admins: in system mode the daemon can read files the asker cannot. */
  snapshot(id: string, showContent: boolean): { snapshot: SnapshotView; entries: SnapshotEntryView[] } | undefined;
  metrics(): Promise<Metrics>;
  readonly hatches: HatchManager;
  settings(): TuiSettings;
}

export interface TuiViewDeps {
  db: Db;
  ledger: AuditLedger;
  snapshots: SnapshotStore;
  stateDir: string;
  mode: 'user' | 'system';
  settings: () => TuiSettings;
  models?: () => ModelFigures;
}

export function createTuiViews(d: TuiViewDeps): TuiViews {
  const trace = new GoalTrace(d.db);
  const sampler = new MetricsSampler(d.models);
  const blobDir = join(d.stateDir, 'snapshots');
  const hatches = new HatchManager({
    stateDir: d.stateDir,
    ledger: d.ledger,
    mode: d.mode,
    policy: () => d.settings().escapeHatch,
  });
  return {
    auditPage: (beforeSeq, limit) => auditPage(d.ledger, beforeSeq, limit),
    trace: (goalId) => trace.items(goalId),
    snapshot: (id, showContent) => snapshotDetail(d.snapshots, blobDir, id, showContent),
    metrics: () => sampler.sample(),
    hatches,
    settings: d.settings,
  };
}
