// What the snapshot, audit, memory and monitor views show: data the daemon answered, the
// selection in each list, and a bounded history of metrics for the charts; and for every other
// view (src/shell/views/), what its record loaded and the item selected, kept by view name.
// Pure data and one reducer; the controller fetches, this only keeps.
import type {
  AuditEntryView,
  AuditVerifyResult,
  MemoryHit,
  Metrics,
  SnapshotEntryView,
  SnapshotView,
  TraceItem,
} from '../../protocol/model.js';

export interface ViewData {
  snapshots: SnapshotView[] | null;
  snapshotSel: number;
  snapshotDetail: { id: string; entries: SnapshotEntryView[] } | null;
  audit: { entries: AuditEntryView[]; head: number } | null;
  auditSel: number;
  verify: AuditVerifyResult | null;
  trace: { goalId: string; text: string; items: TraceItem[] } | null;
  traceScroll: number;
  memoryQuery: string;
  memoryHits: MemoryHit[] | null;
  memorySel: number;
  /** Oldest first, at most METRICS_KEEP samples. */
  metrics: Metrics[];
  helpScroll: number;
  /** What a view's record loaded (its `load`), by view name, as it put it. */
  loaded: Readonly<Record<string, unknown>>;
  /** The item selected in a view's list, by view name. */
  selected: Readonly<Record<string, number>>;
}

export const METRICS_KEEP = 120;

export const EMPTY_DATA: ViewData = {
  snapshots: null,
  snapshotSel: 0,
  snapshotDetail: null,
  audit: null,
  auditSel: 0,
  verify: null,
  trace: null,
  traceScroll: 0,
  memoryQuery: '',
  memoryHits: null,
  memorySel: 0,
  metrics: [],
  helpScroll: 0,
  loaded: {},
  selected: {},
};

export type DataAction =
  | { type: 'snapshotsLoaded'; snapshots: SnapshotView[] }
  | { type: 'snapshotDetailLoaded'; id: string; entries: SnapshotEntryView[] }
  | { type: 'auditLoaded'; entries: AuditEntryView[]; head: number }
  | { type: 'verifyLoaded'; result: AuditVerifyResult }
  | { type: 'traceLoaded'; goalId: string; text: string; items: TraceItem[] }
  | { type: 'traceClosed' }
  | { type: 'memoryLoaded'; query: string; hits: MemoryHit[] }
  | { type: 'metricsLoaded'; metrics: Metrics }
  | { type: 'listMoved'; list: 'snapshots' | 'audit' | 'memory' | 'trace' | 'help'; delta: number }
  | { type: 'viewLoaded'; view: string; data: unknown }
  /** The selection in a view's list moves by `delta`, within its `count` items. */
  | { type: 'viewSelected'; view: string; delta: number; count: number };

const clamp = (n: number, max: number): number => Math.max(0, Math.min(Math.max(0, max), n));

export function reduceData(data: ViewData, action: DataAction): ViewData {
  switch (action.type) {
    case 'snapshotsLoaded': {
      const sel = clamp(data.snapshotSel, action.snapshots.length - 1);
      const keep = data.snapshotDetail !== null && action.snapshots[sel]?.id === data.snapshotDetail.id;
      return {
        ...data,
        snapshots: action.snapshots,
        snapshotSel: sel,
        snapshotDetail: keep ? data.snapshotDetail : null,
      };
    }
    case 'snapshotDetailLoaded':
      return { ...data, snapshotDetail: { id: action.id, entries: action.entries } };
    case 'auditLoaded':
      return {
        ...data,
        audit: { entries: action.entries, head: action.head },
        auditSel: clamp(data.auditSel, action.entries.length - 1),
      };
    case 'verifyLoaded':
      return { ...data, verify: action.result };
    case 'traceLoaded':
      return { ...data, trace: { goalId: action.goalId, text: action.text, items: action.items }, traceScroll: 0 };
    case 'traceClosed':
      return data.trace === null ? data : { ...data, trace: null };
    case 'memoryLoaded':
      return { ...data, memoryQuery: action.query, memoryHits: action.hits, memorySel: 0 };
    case 'viewLoaded':
      return { ...data, loaded: { ...data.loaded, [action.view]: action.data } };
    case 'viewSelected': {
      const sel = clamp((data.selected[action.view] ?? 0) + action.delta, action.count - 1);
      return sel === (data.selected[action.view] ?? 0)
        ? data
        : { ...data, selected: { ...data.selected, [action.view]: sel } };
    }
    case 'metricsLoaded':
      return { ...data, metrics: [...data.metrics, action.metrics].slice(-METRICS_KEEP) };
    case 'listMoved':
      switch (action.list) {
        case 'snapshots': {
          const sel = clamp(data.snapshotSel + action.delta, (data.snapshots?.length ?? 0) - 1);
          return sel === data.snapshotSel ? data : { ...data, snapshotSel: sel, snapshotDetail: null };
        }
        case 'audit':
          return { ...data, auditSel: clamp(data.auditSel + action.delta, (data.audit?.entries.length ?? 0) - 1) };
        case 'memory':
          return { ...data, memorySel: clamp(data.memorySel + action.delta, (data.memoryHits?.length ?? 0) - 1) };
        case 'trace':
          return { ...data, traceScroll: clamp(data.traceScroll + action.delta, (data.trace?.items.length ?? 0) - 1) };
        case 'help':
          return { ...data, helpScroll: clamp(data.helpScroll + action.delta, 200) };
      }
  }
}
