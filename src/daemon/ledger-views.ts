// Read-only views over what the daemon recorded, for the TUI's audit view: a page of the
// ledger (newest first) and one goal's whole decision trace (events, ledger entries, tool
// calls, in the order they happened).
import type { AuditEntryView, TraceItem } from '../protocol/model.js';
import type { AuditLedger } from '../memory/audit-ledger.js';
import { statementCache, type Db } from '../memory/database.js';

/** Entries before `beforeSeq` (exclusive; default past the tip), newest first. */
export function auditPage(
  ledger: AuditLedger,
  beforeSeq: number | undefined,
  limit: number,
): { entries: AuditEntryView[]; head: number } {
  const head = ledger.head().seq;
  const end = Math.min(beforeSeq ?? head + 1, head + 1);
  const after = Math.max(0, end - 1 - limit);
  const count = end - 1 - after;
  if (count <= 0) return { entries: [], head };
  const entries = ledger
    .list({ limit: count, afterSeq: after })
    .map(({ seq, ts, actor, action, subject, detail, hash }) => ({ seq, ts, actor, action, subject, detail, hash }))
    .reverse();
  return { entries, head };
}

const MAX_SUMMARY = 400;

function brief(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY)}…` : text;
}

function parse(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
  } catch {
    return { unreadable: text.slice(0, 100) };
  }
}

function withoutGoal(detail: Record<string, unknown>): Record<string, unknown> {
  const { goalId: _goal, ...rest } = detail;
  return rest;
}

interface AuditRow {
  seq: number;
  ts: string;
  actor: string;
  action: string;
  subject: string;
  detail: string;
}
interface EventRow {
  id: number;
  ts: string;
  type: string;
  payload: string;
}
interface ToolRow {
  tool: string;
  args: string;
  ok: number;
  error: string | null;
  step_id: string | null;
  started_at: string;
  finished_at: string;
}

export class GoalTrace {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  /** Everything recorded about a goal, oldest first. */
  items(goalId: string): TraceItem[] {
    const plans = (this.sql('SELECT id FROM plans WHERE goal_id = ?').all(goalId) as { id: string }[]).map((p) => p.id);
    // Ledger entries name the goal in their detail, or as their subject, or name one of its plans.
    const audit = this.sql(
      `SELECT seq, ts, actor, action, subject, detail FROM audit
      WHERE subject = @goal
         OR (CASE WHEN json_valid(detail) THEN json_extract(detail, '$.goalId') END) = @goal
         OR subject IN (SELECT value FROM json_each(@plans))
         OR EXISTS (SELECT 1 FROM json_each(@plans) WHERE substr(audit.subject, 1, length(value) + 1) = value || '/')
      ORDER BY seq`,
    ).all({ goal: goalId, plans: JSON.stringify(plans) }) as AuditRow[];
    const events = this.sql('SELECT id, ts, type, payload FROM events WHERE goal_id = ? ORDER BY id').all(
      goalId,
    ) as EventRow[];
    const tools = this.sql(
      'SELECT tool, args, ok, error, step_id, started_at, finished_at FROM tool_calls WHERE goal_id = ? ORDER BY started_at',
    ).all(goalId) as ToolRow[];
    const items: TraceItem[] = [
      ...events.map((e): TraceItem => ({
        ts: e.ts,
        source: 'event',
        kind: e.type,
        actor: 'aiosd',
        summary: brief(parse(e.payload)),
        seq: null,
      })),
      ...audit.map((a): TraceItem => ({
        ts: a.ts,
        source: 'audit',
        kind: a.action,
        actor: a.actor,
        summary: `${a.subject} ${brief(withoutGoal(parse(a.detail)))}`,
        seq: a.seq,
      })),
      ...tools.map((t): TraceItem => {
        const ms = Date.parse(t.finished_at) - Date.parse(t.started_at);
        const outcome = t.ok === 1 ? 'ok' : `failed: ${t.error ?? ''}`;
        return {
          ts: t.started_at,
          source: 'tool',
          kind: t.tool,
          actor: t.step_id ?? '',
          summary: `${brief(parse(t.args))} → ${outcome} (${Number.isFinite(ms) ? ms : '?'} ms)`,
          seq: null,
        };
      }),
    ];
    // Stable: within one millisecond the ledger's own order (seq) decides.
    return items
      .map((item, i) => ({ item, i }))
      .sort((a, b) =>
        a.item.ts < b.item.ts
          ? -1
          : a.item.ts > b.item.ts
            ? 1
            : (a.item.seq ?? Infinity) - (b.item.seq ?? Infinity) || a.i - b.i,
      )
      .map(({ item }) => item);
  }
}
