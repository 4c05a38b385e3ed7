// The audit ledger: append-only and hash-chained, so that changing, removing or reordering
// any entry breaks the chain from that entry on and verify() names it. Signed checkpoints
// (every N entries and at shutdown, Ed25519) pin the head, so that cutting off the tail or
// rewriting the whole chain is detected too.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { AuditVerifyResult } from '../protocol/model.js';
import { canonicalJson } from '../text/canonical-json.js';
import { verifyCheckpoint, writeAtomic, type AuditSigner, type Checkpoint } from './audit-signing.js';
import { durably, type Db } from './database.js';
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

type RawRow = [number, string, string, string, string, string, string, string];

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

/**
 * The same hash from the stored (canonical) detail text, without parsing it: what
 * canonicalJson of the array gives, built directly. A detail not in canonical form hashes
 * differently, which is right: it is not what was written.
 */
export function entryHashOfText(seq: number, ts: string, actor: string, action: string, subject: string, detailText: string, prevHash: string): string {
  const text = `[${seq},${JSON.stringify(ts)},${JSON.stringify(actor)},${JSON.stringify(action)},${JSON.stringify(subject)},${detailText},${JSON.stringify(prevHash)}]`;
  return createHash('sha256').update(text).digest('hex');
}

export interface LedgerSigning {
  signer: AuditSigner;
  /** A checkpoint is signed once this many entries were appended since the last one. */
  every: number;
  /** The newest checkpoint is also written here, outside the database. */
  headFile: string;
}

export interface AuditExport {
  entries: AuditEntry[];
  checkpoints: Checkpoint[];
  publicKey: string | null;
  keyId: string | null;
  head: AuditHead;
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

  private lastCheckpoint = 0;

  constructor(private readonly db: Db, private readonly signing: LedgerSigning | null = null) {
    // The WHERE makes a stale tip harmless: if another connection appended, or an outer
    // transaction rolled our last entry back, nothing is inserted and we re-read the tip.
    this.insertStmt = db.prepare<[AuditRow]>(`
      INSERT INTO audit (seq, ts, actor, action, subject, detail, prev_hash, hash)
      SELECT @seq, @ts, @actor, @action, @subject, @detail, @prev_hash, @hash
      WHERE coalesce((SELECT hash FROM audit ORDER BY seq DESC LIMIT 1), '${GENESIS_HASH}') = @prev_hash`);
    this.headStmt = db.prepare<[], AuditHead>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
    // Rows as arrays: the walk over a million entries spends a third less time building them.
    this.walkStmt = db.prepare<[], RawRow>('SELECT seq, ts, actor, action, subject, detail, prev_hash, hash FROM audit ORDER BY seq').raw(true);
    this.countStmt = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM audit');
    this.listStmt = db.prepare<[number, number], AuditRow>('SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?');
    this.writeBatch = db.transaction((entries: readonly PendingEntry[]) => this.chain(entries));
    // One read transaction, so entries appended mid-walk cannot make a sound chain look broken.
    this.readSnapshot = db.transaction(() => this.walk());
    if (signing !== null) this.lastCheckpoint = (db.prepare('SELECT max(seq) AS s FROM audit_checkpoints').get() as { s: number | null }).s ?? 0;
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
    // The ledger is the record of every approval (the executor reads it back): once append
    // returns, the entry must survive a power loss (test/image/power-loss.image.ts).
    const written = durably(this.db, () => this.writeBatch.immediate(pending));
    this.tip = written.at(-1) ?? this.tip;
    if (this.signing !== null && (this.tip?.seq ?? 0) - this.lastCheckpoint >= this.signing.every) this.checkpoint();
    return written;
  }

  /** Signs the current head (nothing to do when it is already signed); returns the checkpoint. */
  checkpoint(): Checkpoint | null {
    if (this.signing === null) return null;
    const head = this.head();
    if (head.seq === 0 || head.seq === this.lastCheckpoint) return null;
    const c = this.signing.signer.sign({ seq: head.seq, hash: head.hash, ts: new Date().toISOString() });
    this.db.prepare('INSERT OR REPLACE INTO audit_checkpoints (seq, hash, ts, key_id, signature) VALUES (?, ?, ?, ?, ?)').run(c.seq, c.hash, c.ts, c.keyId, c.signature);
    writeAtomic(this.signing.headFile, JSON.stringify(c) + '\n', 0o600);
    this.lastCheckpoint = head.seq;
    return c;
  }

  /** The newest entry with this action and subject (an approval, say), or undefined. */
  lastEntry(action: string, subject: string): AuditEntry | undefined {
    const row = this.db.prepare('SELECT * FROM audit WHERE action = ? AND subject = ? ORDER BY seq DESC LIMIT 1').get(action, subject) as AuditRow | undefined;
    return row === undefined ? undefined : toEntry(row);
  }

  checkpoints(): Checkpoint[] {
    const rows = this.db.prepare('SELECT seq, hash, ts, key_id, signature FROM audit_checkpoints ORDER BY seq').all() as { seq: number; hash: string; ts: string; key_id: string; signature: string }[];
    return rows.map((r) => ({ seq: r.seq, hash: r.hash, ts: r.ts, keyId: r.key_id, signature: r.signature }));
  }

  /** A page of entries with every checkpoint and the public key, for `aios audit export`. */
  exportPage(afterSeq: number, limit: number): AuditExport {
    return {
      entries: this.list({ afterSeq, limit }),
      checkpoints: this.checkpoints(),
      publicKey: this.signing?.signer.publicKeyPem ?? null,
      keyId: this.signing?.signer.keyId ?? null,
      head: this.head(),
    };
  }

  head(): AuditHead {
    this.tip = this.headStmt.get() ?? { seq: 0, hash: GENESIS_HASH };
    return this.tip;
  }

  /** Walks the chain in seq order and reports the first entry that does not verify, then checks the signed checkpoints. */
  verify(): AuditVerifyResult {
    const chain = this.readSnapshot();
    if (this.signing === null) return chain;
    const checkpoints = this.checkpoints();
    const signed = { checkpoints: checkpoints.length, signedThrough: checkpoints.at(-1)?.seq ?? 0 };
    if (!chain.ok) return { ...chain, ...signed };
    const problem = this.checkCheckpoints(checkpoints, chain.entries);
    return problem === null ? { ...chain, ...signed } : { ok: false, entries: chain.entries, firstBad: problem, ...signed };
  }

  private checkCheckpoints(checkpoints: readonly Checkpoint[], entries: number): { seq: number; reason: string } | null {
    const signing = this.signing as LedgerSigning;
    const outside = readHeadFile(signing.headFile);
    const newest = checkpoints.at(-1);
    if (outside !== null && (newest === undefined || newest.seq < outside.seq)) {
      return { seq: outside.seq, reason: `the checkpoint signed at entry ${outside.seq} is missing from the database: checkpoints or entries were removed` };
    }
    for (const c of checkpoints) {
      if (!verifyCheckpoint(signing.signer.publicKeyPem, c)) return { seq: c.seq, reason: `the checkpoint at entry ${c.seq} has a bad signature (key ${c.keyId})` };
      if (c.seq > entries) {
        return { seq: entries + 1, reason: `the ledger ends at entry ${entries}, but entry ${c.seq} was signed: entries ${entries + 1} to ${c.seq} were cut off` };
      }
      const row = this.db.prepare('SELECT hash FROM audit WHERE seq = ?').get(c.seq) as { hash: string } | undefined;
      if (row?.hash !== c.hash) return { seq: c.seq, reason: `entry ${c.seq} does not match its signed checkpoint: the ledger was rewritten` };
    }
    return null;
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
    for (const raw of this.walkStmt.iterate() as Iterable<RawRow>) {
      const [seq, ts, actor, action, subject, detail, prevHash, hash] = raw;
      firstBad = problemWith({ seq, ts, actor, action, subject, detail, prev_hash: prevHash, hash }, prev);
      if (firstBad !== null) break;
      prev = { seq, hash };
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
  const text = canonicalJson(detail);
  return { seq, ts, actor, action, subject, detail: text, prev_hash: prev.hash, hash: entryHashOfText(seq, ts, actor, action, subject, text, prev.hash) };
}

function readHeadFile(path: string): Checkpoint | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Checkpoint;
  } catch {
    return null;
  }
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
  if (entryHashOfText(row.seq, row.ts, row.actor, row.action, row.subject, row.detail, row.prev_hash) !== row.hash) {
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
