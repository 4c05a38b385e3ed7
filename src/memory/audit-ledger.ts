// The audit ledger: append-only and hash-chained, so that changing, removing or reordering
// any entry breaks the chain from that entry on and verify() names it.
import { createHash } from 'node:crypto';
import type { AuditVerifyResult } from '../protocol/model.js';
import { canonicalJson } from '../text/canonical-json.js';
import type { Db } from './database.js';
import { redact } from './redact.js';

export const GENESIS_HASH = '0'.repeat(64);
const MAX_LIST = 1000;

export interface AuditEntryInput {
  actor: string;
  action: string;
  subject: string;
  detail: Record<string, unknown>;
}

export interface AuditHead {
  seq: number;
  hash: string;
}

export interface AuditEntry {
  seq: number;
  ts: string;
  actor: string;
  action: string;
  subject: string;
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

interface AuditRow {
  seq: number;
  ts: string;
  actor: string;
  action: string;
  subject: string;
  detail: string;
  prev_hash: string;
  hash: string;
}

/** An entry ready to chain: detail already redacted and reduced to plain JSON. */
interface PendingEntry {
  actor: string;
  action: string;
  subject: string;
  detail: unknown;
}

export function entryHash(seq: number, ts: string, actor: string, action: string, subject: string, detail: unknown, prevHash: string): string {
  return createHash('sha256').update(canonicalJson([seq, ts, actor, action, subject, detail, prevHash])).digest('hex');
}

export class AuditLedger {
  /** The chain's tip as this instance last wrote or read it; the insert re-checks it. */
  private tip: AuditHead | null = null;
  private readonly insertStmt;
  private readonly headStmt;
  private readonly walkStmt;
  private readonly countStmt;
  private readonly listStmt;
  private readonly writeBatch;
  private readonly readSnapshot;

  constructor(db: Db) {
    // The WHERE makes a stale tip harmless: if another connection appended, or an outer
    // transaction rolled our last entry back, nothing is inserted and we re-read the tip.
    this.insertStmt = db.prepare<[AuditRow]>(`
      INSERT INTO audit (seq, ts, actor, action, subject, detail, prev_hash, hash)
      SELECT @seq, @ts, @actor, @action, @subject, @detail, @prev_hash, @hash
      WHERE coalesce((SELECT hash FROM audit ORDER BY seq DESC LIMIT 1), '${GENESIS_HASH}') = @prev_hash`);
    this.headStmt = db.prepare<[], AuditHead>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
    this.walkStmt = db.prepare<[], AuditRow>('SELECT * FROM audit ORDER BY seq');
    this.countStmt = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM audit');
    this.listStmt = db.prepare<[number, number], AuditRow>('SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?');
    this.writeBatch = db.transaction((entries: readonly PendingEntry[]) => this.chain(entries));
    // One read transaction, so entries appended mid-walk cannot make a sound chain look broken.
    this.readSnapshot = db.transaction(() => this.walk());
  }

  append(entry: AuditEntryInput): AuditHead {
    const [written] = this.appendMany([entry]);
    if (written === undefined) throw new Error('audit append wrote nothing');
    return written;
  }

  /** Appends all entries in one transaction: all are written or none. */
  appendMany(entries: readonly AuditEntryInput[]): AuditHead[] {
    if (entries.length === 0) return [];
    // Prepared before taking the write lock, which other connections may be waiting for.
    const pending = entries.map(({ actor, action, subject, detail }) => ({ actor, action, subject, detail: plainRedacted(detail) }));
    // IMMEDIATE takes the write lock up front; a deferred read-then-write could fail with SQLITE_BUSY.
    const written = this.writeBatch.immediate(pending);
    this.tip = written.at(-1) ?? this.tip;
    return written;
  }

  head(): AuditHead {
    this.tip = this.headStmt.get() ?? { seq: 0, hash: GENESIS_HASH };
    return this.tip;
  }

  /** Walks the chain in seq order and reports the first entry that does not verify. */
  verify(): AuditVerifyResult {
    return this.readSnapshot();
  }

  /** Entries after `afterSeq` (default: from the start), oldest first. */
  list({ limit, afterSeq = 0 }: { limit: number; afterSeq?: number }): AuditEntry[] {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer; got ${limit}`);
    return this.listStmt.all(afterSeq, Math.min(limit, MAX_LIST)).map(toEntry);
  }

  private chain(entries: readonly PendingEntry[]): AuditHead[] {
    let prev = this.tip ?? this.head();
    const written: AuditHead[] = [];
    for (const entry of entries) {
      let row = link(prev, entry);
      if (this.insertStmt.run(row).changes === 0) {
        prev = this.head();
        row = link(prev, entry);
        // We hold the write lock, so the tip just read cannot move again.
        if (this.insertStmt.run(row).changes === 0) throw new Error(`audit entry ${row.seq} could not be chained to the tip`);
      }
      prev = { seq: row.seq, hash: row.hash };
      written.push(prev);
    }
    return written;
  }

  private walk(): AuditVerifyResult {
    let prev: AuditHead = { seq: 0, hash: GENESIS_HASH };
    let firstBad: AuditVerifyResult['firstBad'] = null;
    for (const row of this.walkStmt.iterate()) {
      firstBad = problemWith(row, prev);
      if (firstBad !== null) break;
      prev = { seq: row.seq, hash: row.hash };
    }
    if (firstBad === null) return { ok: true, entries: prev.seq, firstBad };
    // Counted after the loop: the connection is busy while the iterator is open.
    return { ok: false, entries: this.countStmt.get()?.n ?? 0, firstBad };
  }
}

function link(prev: AuditHead, entry: PendingEntry): AuditRow {
  const seq = prev.seq + 1;
  const ts = new Date().toISOString();
  const { actor, action, subject, detail } = entry;
  return {
    seq, ts, actor, action, subject,
    detail: canonicalJson(detail),
    prev_hash: prev.hash,
    hash: entryHash(seq, ts, actor, action, subject, detail, prev.hash),
  };
}

// Through JSON first, so what is hashed is exactly what verify() reads back (a Date becomes
// its ISO string, undefined disappears), then redacted, so no secret is stored or hashed.
function plainRedacted(detail: Record<string, unknown>): unknown {
  return redact(JSON.parse(JSON.stringify(detail)) as Record<string, unknown>);
}

function problemWith(row: AuditRow, prev: AuditHead): { seq: number; reason: string } | null {
  const expected = prev.seq + 1;
  if (row.seq < expected) return { seq: row.seq, reason: `entry ${row.seq} is outside the chain, which starts at 1` };
  if (row.seq === expected + 1) return { seq: expected, reason: `entry ${expected} is missing` };
  if (row.seq > expected) return { seq: expected, reason: `entries ${expected} to ${row.seq - 1} are missing` };
  const detail = parseDetail(row.detail);
  if (detail === undefined || entryHash(row.seq, row.ts, row.actor, row.action, row.subject, detail, row.prev_hash) !== row.hash) {
    return { seq: row.seq, reason: `entry ${row.seq} was altered` };
  }
  if (row.prev_hash !== prev.hash) {
    return {
      seq: row.seq,
      reason: row.seq === 1 ? 'entry 1 does not start from the genesis hash' : `entry ${row.seq} does not follow entry ${prev.seq}: moved or re-linked`,
    };
  }
  return null;
}

function parseDetail(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function toEntry(row: AuditRow): AuditEntry {
  const detail = parseDetail(row.detail);
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
    throw new Error(`audit entry ${row.seq} has unreadable detail; run audit verify`);
  }
  return {
    seq: row.seq, ts: row.ts, actor: row.actor, action: row.action, subject: row.subject,
    detail: detail as Record<string, unknown>, prevHash: row.prev_hash, hash: row.hash,
  };
}
