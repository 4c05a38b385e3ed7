// The audit ledger: append-only and hash-chained, so that changing, removing or reordering
// any entry breaks the chain from that entry on and verify() names it. Signed checkpoints
// (every N entries, at each goal's end and at shutdown, Ed25519) pin the head, and every
// commit's head goes to the head log outside the database (audit-head-log.ts), so that cutting
// off the tail or rewriting a range is detected too, after any number of restarts. A ledger
// found broken stays broken, and is never signed over, until an admin acknowledges it.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { AuditVerifyResult } from '../protocol/model.js';
import { canonicalJson } from '../text/canonical-json.js';
import type { Ack, AuditHead, HeadLog, HeadRecord } from './audit-head-log.js';
import {
  firstProblem,
  headLogCheckpointProblem,
  headLogProblem,
  sealedStart,
  type LedgerRows,
  type Problem,
} from './audit-integrity.js';
import { verifyCheckpoint, writeAtomic, type AuditSigner, type Checkpoint, type Seal } from './audit-signing.js';
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

export type { AuditHead };

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

export function entryHash(
  seq: number,
  ts: string,
  actor: string,
  action: string,
  subject: string,
  detail: unknown,
  prevHash: string,
): string {
  return createHash('sha256')
    .update(canonicalJson([seq, ts, actor, action, subject, detail, prevHash]))
    .digest('hex');
}

/**
 * The same hash from the stored (canonical) detail text, without parsing it: what
 * canonicalJson of the array gives, built directly. A detail not in canonical form hashes
 * differently, which is right: it is not what was written.
 */
export function entryHashOfText(
  seq: number,
  ts: string,
  actor: string,
  action: string,
  subject: string,
  detailText: string,
  prevHash: string,
): string {
  const text = `[${seq},${JSON.stringify(ts)},${JSON.stringify(actor)},${JSON.stringify(action)},${JSON.stringify(subject)},${detailText},${JSON.stringify(prevHash)}]`;
  return createHash('sha256').update(text).digest('hex');
}

export interface LedgerSigning {
  signer: AuditSigner;
  /** A checkpoint is signed once this many entries were appended since the last one. */
  every: number;
  /** The newest checkpoint is also written here, outside the database. */
  headFile: string;
  /** Each commit's head, and each checkpoint, is appended here (heads group-committed: see HeadLog.append). */
  headLog?: HeadLog;
}

export interface LedgerOptions {
  /** Runs before each commit and throws to refuse it (aiosd: the database file was deleted or replaced). */
  beforeCommit?: () => void;
}

/** An acknowledged break, as verify reports it: entries from intactSince on verify again. */
export interface Acknowledged {
  brokenAt: number;
  reason: string;
  by: string;
  at: string;
  intactSince: number;
}

export interface AuditExport {
  entries: AuditEntry[];
  checkpoints: Checkpoint[];
  /** Ranges archived out of the database: the chain in `entries` starts after the last one. */
  seals: Seal[];
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
  private readonly hashStmt;
  private readonly countStmt;
  private readonly listStmt;
  private readonly writeBatch;
  private readonly readSnapshot;

  /** The newest head signed; by hash too, since an acknowledged break may leave a checkpoint above the new head. */
  private lastCheckpoint: AuditHead = { seq: 0, hash: GENESIS_HASH };
  /** Found at start or recorded in the head log, and not yet acknowledged: nothing is signed over it. */
  private broken: Problem | null = null;
  /** An append inside an outer transaction: its head is logged after a later commit, never before its own. */
  private headUnlogged = false;

  constructor(
    private readonly db: Db,
    private readonly signing: LedgerSigning | null = null,
    private readonly opts: LedgerOptions = {},
  ) {
    // The WHERE makes a stale tip harmless: if another connection appended, or an outer
    // transaction rolled our last entry back, nothing is inserted and we re-read the tip.
    this.insertStmt = db.prepare<[AuditRow]>(`
      INSERT INTO audit (seq, ts, actor, action, subject, detail, prev_hash, hash)
      SELECT @seq, @ts, @actor, @action, @subject, @detail, @prev_hash, @hash
      WHERE coalesce((SELECT hash FROM audit ORDER BY seq DESC LIMIT 1), '${GENESIS_HASH}') = @prev_hash`);
    this.headStmt = db.prepare<[], AuditHead>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
    // Rows as arrays: the walk over a million entries spends a third less time building them.
    this.walkStmt = db
      .prepare<[number], RawRow>(
        'SELECT seq, ts, actor, action, subject, detail, prev_hash, hash FROM audit WHERE seq > ? ORDER BY seq',
      )
      .raw(true);
    this.hashStmt = db.prepare<[number], { hash: string }>('SELECT hash FROM audit WHERE seq = ?');
    this.countStmt = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM audit');
    this.listStmt = db.prepare<[number, number], AuditRow>('SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?');
    this.writeBatch = db.transaction((entries: readonly PendingEntry[]) => this.chain(entries));
    // One read transaction, so entries appended mid-walk cannot make a sound chain look broken.
    this.readSnapshot = db.transaction(() => this.verifyNow());
    if (signing !== null)
      this.lastCheckpoint =
        db.prepare<[], AuditHead>('SELECT seq, hash FROM audit_checkpoints ORDER BY ts DESC, seq DESC LIMIT 1').get() ??
        this.lastCheckpoint;
    this.broken = signing?.headLog?.state.broken ?? null;
  }

  /**
   * At start: compares the database with the head log and the newest signed checkpoint. A
   * disagreement is recorded in the head log as a break, so that it is still reported after
   * any number of restarts, whatever happens to the database meanwhile. Returns the break.
   */
  startCheck(): Problem | null {
    const log = this.signing?.headLog;
    if (log === undefined) return null;
    if (this.broken !== null) return this.broken;
    const sealed = sealedStart(log.state.seals, this.firstRow(), this.signing?.signer.publicKeyPem ?? null);
    const rows = this.rows();
    const problem = firstProblem(
      [sealed.problem, headLogProblem(log, rows, sealed.sealedThrough)],
      [headLogCheckpointProblem(log, rows, sealed.sealedThrough), this.outsideCheckpointProblem(this.checkpoints())],
    );
    const head = this.head();
    if (problem !== null) this.recordBreak(problem);
    else if (log.state.lastHead === null && log.state.acks.length === 0 && head.seq > 0) {
      // A ledger from before the head log: its head as it stands now is where the record starts.
      log.append([{ k: 'origin', seq: head.seq, hash: head.hash, ts: new Date().toISOString() }]);
    } else if (head.seq > (log.state.lastHead?.seq ?? 0)) {
      // Heads lost with a power loss (written, not yet synced by the group commit): their
      // entries are here, and from now on they are guarded as any other.
      log.append([{ k: 'head', seq: head.seq, hash: head.hash }]);
      log.syncNow();
    }
    return this.broken;
  }

  /** Why the newest heads may not be durable (the head log cannot be synced), or null: a warning, changes go on. */
  durabilityProblem(): string | null {
    return this.signing?.headLog?.syncProblem() ?? null;
  }

  /** Why changes must wait (the ledger is broken and not acknowledged), or null. */
  problem(): string | null {
    const b = this.broken;
    return b === null
      ? null
      : `the audit ledger is BROKEN at entry ${b.seq}: ${b.reason}. aiosd signs nothing over it and refuses changes to the node until an admin runs 'aios audit acknowledge'`;
  }

  /**
   * An admin accepts the break: recorded as an audit entry and in the head log, after which the
   * ledger is checked again from that entry on and signed again. Throws when nothing is broken.
   */
  acknowledge(by: string, note: string | undefined): Acknowledged {
    const b = this.broken;
    const log = this.signing?.headLog;
    if (b === null || log === undefined)
      throw new Error('the audit ledger is not broken: there is nothing to acknowledge');
    const entry = this.append({
      actor: by,
      action: 'audit.acknowledge',
      subject: 'ledger',
      detail: { brokenAt: b.seq, reason: b.reason, ...(note === undefined ? {} : { note }) },
    });
    const ack: Ack = { k: 'ack', by, ts: new Date().toISOString(), brokenAt: b.seq, reason: b.reason, seq: entry.seq };
    log.append([ack]);
    this.broken = null;
    this.checkpoint();
    return acknowledged(ack);
  }

  /** The seals over ranges archived out of the database, oldest first. */
  seals(): Seal[] {
    return [...(this.signing?.headLog?.state.seals ?? [])];
  }

  /** Whether seal() can run: a signing key and a head log, and a ledger that is not broken. */
  canSeal(): boolean {
    return this.signing?.headLog !== undefined && this.broken === null;
  }

  /** The public key (PEM) checkpoints and seals verify with, or null without a signing key. */
  publicKey(): string | null {
    return this.signing?.signer.publicKeyPem ?? null;
  }

  /**
   * Signs a seal over the entries after the last seal up to `through`, so that collection may
   * archive them out of the database; verify accepts their absence under a valid seal.
   */
  seal(through: number): Seal {
    const log = this.signing?.headLog;
    if (this.signing === null || log === undefined) throw new Error('sealing needs the signing key and the head log');
    if (this.broken !== null) throw new Error(`cannot seal: ${this.problem() ?? ''}`);
    const last = log.state.seals.at(-1);
    const from = (last?.to ?? 0) + 1;
    const prevHash = last?.hash ?? GENESIS_HASH;
    const hash = this.hashAt(through);
    if (!Number.isInteger(through) || through < from || hash === undefined)
      throw new RangeError(`cannot seal entries ${from} to ${through}: entry ${through} is not in the ledger`);
    const seal = this.signing.signer.seal({ from, to: through, prevHash, hash, ts: new Date().toISOString() });
    log.append([{ k: 'seal', ...seal }]);
    return seal;
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
    const pending = entries.map(({ actor, action, subject, detail }) => ({
      actor,
      action,
      subject,
      detail: plainRedacted(detail),
    }));
    // IMMEDIATE takes the write lock up front; a deferred read-then-write could fail with SQLITE_BUSY.
    // The ledger is the record of every approval (the executor reads it back): once append
    // returns, the entry must survive a power loss (test/image/power-loss.image.ts).
    this.opts.beforeCommit?.();
    const written = durably(this.db, () => this.writeBatch.immediate(pending));
    this.tip = written.at(-1) ?? this.tip;
    const due = this.signing !== null && (this.tip?.seq ?? 0) - this.lastCheckpoint.seq >= this.signing.every;
    // The head and a checkpoint due with it go to the head log in one write and one sync.
    this.logHead(due ? this.signCheckpoint() : null);
    return written;
  }

  private logHead(checkpoint: Checkpoint | null): void {
    const log = this.signing?.headLog;
    if (log === undefined) return;
    // Inside an outer transaction the entries may yet be rolled back: the head waits for a commit.
    if (this.db.inTransaction) {
      this.headUnlogged = true;
      return;
    }
    const records: HeadRecord[] = [];
    if (checkpoint !== null) records.push({ k: 'checkpoint', ...checkpoint });
    else if (this.tip !== null) records.push({ k: 'head', seq: this.tip.seq, hash: this.tip.hash });
    try {
      log.append(records);
      this.headUnlogged = false;
    } catch {
      // The entries are committed; a head log that cannot take the line now (a full disk)
      // only lags, which hides nothing that was there. The next commit's head covers these.
      this.headUnlogged = true;
    }
  }

  /**
   * Signs the current head (nothing to do when it is already signed, or while the ledger is
   * broken: a signature over it would vouch for the damage); returns the checkpoint.
   */
  checkpoint(): Checkpoint | null {
    const c = this.signCheckpoint();
    if (c !== null || this.headUnlogged) this.logHead(c);
    return c;
  }

  private signCheckpoint(): Checkpoint | null {
    // Inside an outer transaction the row may yet be rolled back, while audit-head.json would
    // keep it: the checkpoint waits for an append outside one (it stays due).
    if (this.signing === null || this.broken !== null || this.db.inTransaction) return null;
    const head = this.head();
    if (head.seq === 0 || (head.seq === this.lastCheckpoint.seq && head.hash === this.lastCheckpoint.hash)) return null;
    const c = this.signing.signer.sign({ seq: head.seq, hash: head.hash, ts: new Date().toISOString() });
    // On the disk before audit-head.json and the head log name it: a power loss that took the
    // row back and left them (seen in the power-loss image test) is a ledger BROKEN at a
    // checkpoint "missing from the database".
    durably(this.db, () =>
      this.db
        .prepare('INSERT OR REPLACE INTO audit_checkpoints (seq, hash, ts, key_id, signature) VALUES (?, ?, ?, ?, ?)')
        .run(c.seq, c.hash, c.ts, c.keyId, c.signature),
    );
    writeAtomic(this.signing.headFile, JSON.stringify(c) + '\n', 0o600);
    this.lastCheckpoint = head;
    return c;
  }

  /** The newest entry with this action and subject (an approval, say), or undefined. */
  lastEntry(action: string, subject: string): AuditEntry | undefined {
    const row = this.db
      .prepare('SELECT * FROM audit WHERE action = ? AND subject = ? ORDER BY seq DESC LIMIT 1')
      .get(action, subject) as AuditRow | undefined;
    return row === undefined ? undefined : toEntry(row);
  }

  /** The signed checkpoints at `fromSeq` or later, oldest first (one per seq). */
  checkpoints(fromSeq = 0): Checkpoint[] {
    const rows = this.db
      .prepare('SELECT seq, hash, ts, key_id, signature FROM audit_checkpoints WHERE seq >= ? ORDER BY seq')
      .all(fromSeq) as { seq: number; hash: string; ts: string; key_id: string; signature: string }[];
    return rows.map((r) => ({ seq: r.seq, hash: r.hash, ts: r.ts, keyId: r.key_id, signature: r.signature }));
  }

  /** A page of entries with every checkpoint and the public key, for `aios audit export`. */
  exportPage(afterSeq: number, limit: number): AuditExport {
    return {
      entries: this.list({ afterSeq, limit }),
      checkpoints: this.checkpoints(),
      seals: [...(this.signing?.headLog?.state.seals ?? [])],
      publicKey: this.signing?.signer.publicKeyPem ?? null,
      keyId: this.signing?.signer.keyId ?? null,
      head: this.head(),
    };
  }

  head(): AuditHead {
    this.tip = this.headStmt.get() ?? { seq: 0, hash: GENESIS_HASH };
    return this.tip;
  }

  /**
   * Walks the chain in seq order, checks the signed checkpoints, the seals and the head log,
   * and reports the lowest entry that any of them finds bad. Damage an admin acknowledged is
   * reported as such, and the chain is held to be whole again from the acknowledgement on.
   */
  verify(): AuditVerifyResult {
    const result = this.readSnapshot();
    // Found now (an entry altered in place, which the start's check of heads cannot see): it
    // is a break like any other, shown in status and kept until acknowledged.
    if (result.firstBad !== null && this.broken === null) this.recordBreak(result.firstBad);
    return result;
  }

  private recordBreak(problem: Problem): void {
    const log = this.signing?.headLog;
    if (log === undefined) return;
    this.broken = problem;
    log.append([{ k: 'broken', seq: problem.seq, reason: problem.reason, ts: new Date().toISOString() }]);
  }

  private verifyNow(): AuditVerifyResult {
    const log = this.signing?.headLog;
    const acks = (log?.state.acks ?? []).map(acknowledged);
    const since = acks.at(-1)?.intactSince ?? 0;
    const sealed = sealedStart(log?.state.seals ?? [], this.firstRow(), this.signing?.signer.publicKeyPem ?? null);
    let chain = this.walk(sealed.start);
    // Damage before the acknowledgement was accepted: the chain must hold from there on.
    if (chain.firstBad !== null && chain.firstBad.seq < since)
      chain = this.walk({ seq: since - 1, hash: this.hashAt(since - 1) ?? GENESIS_HASH });
    if (this.signing === null) return chain;
    const checkpoints = this.checkpoints();
    const signed = {
      checkpoints: checkpoints.length,
      signedThrough: checkpoints.at(-1)?.seq ?? 0,
      ...(sealed.sealedThrough === 0 ? {} : { sealedThrough: sealed.sealedThrough }),
      ...(acks.length === 0 ? {} : { acknowledged: acks }),
    };
    const history = { since, ackAt: acks.at(-1)?.at ?? '', sealedThrough: sealed.sealedThrough };
    const rows = this.rows();
    const current = (p: Problem | null): boolean => p !== null && (p.seq >= since || p === this.broken);
    const firstBad = firstProblem(
      [
        sealed.problem,
        chain.firstBad,
        this.broken,
        this.sealMismatch(log?.state.seals ?? []),
        this.checkCheckpoints(checkpoints, chain.entries, history),
        log === undefined ? null : headLogProblem(log, rows, sealed.sealedThrough),
      ].filter(current),
      [
        this.outsideCheckpointProblem(checkpoints),
        log === undefined ? null : headLogCheckpointProblem(log, rows, sealed.sealedThrough),
      ].filter(current),
    );
    return { ok: firstBad === null, entries: chain.entries, firstBad, ...signed };
  }

  /**
   * Checkpoints signed before the last acknowledgement vouch for the past it accepted, and
   * those over a sealed range for what the seal covers; the rest must match the chain.
   */
  private checkCheckpoints(
    checkpoints: readonly Checkpoint[],
    entries: number,
    history: { since: number; ackAt: string; sealedThrough: number },
  ): Problem | null {
    const signing = this.signing as LedgerSigning;
    for (const c of checkpoints) {
      if (c.seq < history.since || c.ts < history.ackAt || c.seq <= history.sealedThrough) continue;
      if (!verifyCheckpoint(signing.signer.publicKeyPem, c))
        return { seq: c.seq, reason: `the checkpoint at entry ${c.seq} has a bad signature (key ${c.keyId})` };
      if (c.seq > entries) {
        return {
          seq: entries + 1,
          reason: `the ledger ends at entry ${entries}, but entry ${c.seq} was signed: entries ${entries + 1} to ${c.seq} were cut off`,
        };
      }
      if (this.hashAt(c.seq) !== c.hash)
        return { seq: c.seq, reason: `entry ${c.seq} does not match its signed checkpoint: the ledger was rewritten` };
    }
    return null;
  }

  /** The newest checkpoint, kept in audit-head.json outside the database, must still be in it. */
  private outsideCheckpointProblem(checkpoints: readonly Checkpoint[]): Problem | null {
    if (this.signing === null) return null;
    const outside = readHeadFile(this.signing.headFile);
    const newest = checkpoints.at(-1);
    if (outside !== null && (newest === undefined || newest.seq < outside.seq)) {
      return {
        seq: outside.seq,
        reason: `the checkpoint signed at entry ${outside.seq} is missing from the database: checkpoints or entries were removed`,
      };
    }
    return null;
  }

  /** A sealed entry still in the database must be the one the seal vouches for. */
  private sealMismatch(seals: readonly Seal[]): Problem | null {
    for (const s of seals) {
      const have = this.hashAt(s.to);
      if (have !== undefined && have !== s.hash)
        return {
          seq: s.to,
          reason: `entry ${s.to} does not match the seal over entries ${s.from} to ${s.to}: the ledger was rewritten`,
        };
    }
    return null;
  }

  private hashAt(seq: number): string | undefined {
    return this.hashStmt.get(seq)?.hash;
  }

  private firstRow(): number | null {
    return (this.db.prepare('SELECT min(seq) AS s FROM audit').get() as { s: number | null }).s;
  }

  private rows(): LedgerRows {
    return {
      head: () => this.head(),
      hashAt: (seq) => this.hashAt(seq),
      hasCheckpoint: (seq, signature) =>
        this.db.prepare('SELECT 1 FROM audit_checkpoints WHERE seq = ? AND signature = ?').get(seq, signature) !==
        undefined,
    };
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
        if (this.insertStmt.run(row).changes === 0)
          throw new Error(`audit entry ${row.seq} could not be chained to the tip`);
      }
      prev = { seq: row.seq, hash: row.hash };
      written.push(prev);
    }
    return written;
  }

  private walk(start: AuditHead): AuditVerifyResult {
    let prev = start;
    let firstBad: AuditVerifyResult['firstBad'] = null;
    for (const raw of this.walkStmt.iterate(start.seq) as Iterable<RawRow>) {
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
  return {
    seq,
    ts,
    actor,
    action,
    subject,
    detail: text,
    prev_hash: prev.hash,
    hash: entryHashOfText(seq, ts, actor, action, subject, text, prev.hash),
  };
}

function acknowledged(a: Ack): Acknowledged {
  return { brokenAt: a.brokenAt, reason: a.reason, by: a.by, at: a.ts, intactSince: a.seq };
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
      reason:
        row.seq === 1
          ? 'entry 1 does not start from the genesis hash'
          : `entry ${row.seq} does not follow entry ${prev.seq}: moved or re-linked`,
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
    seq: row.seq,
    ts: row.ts,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    detail: detail as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
