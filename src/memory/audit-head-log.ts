// The ledger's heads, kept outside the database: an append-only file (O_APPEND) beside it, one
// JSON line per commit of audit entries, each line chained to the one before by its hash.
// Each line is written before the commit's append returns, so a kill -9 loses none; heads are
// made durable by group commit (one fdatasync on the threadpool covers every line written
// while the one before it ran), everything else by its own fdatasync before append returns. Deleting rows (and the checkpoint rows with them) cannot lower what this file
// has seen, so a cut tail or a rewritten range is found at the next start, however many
// restarts later. It also keeps the signed checkpoints, the breaks found, their
// acknowledgements, and the seals of ranges archived out of the database.
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fdatasync,
  fdatasyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import type { Checkpoint, Seal } from './audit-signing.js';

/** The newest entry the ledger has committed: its sequence number and chained hash. */
export interface AuditHead {
  seq: number;
  hash: string;
}

export const HEAD_LOG = 'audit-heads.log';

export type HeadRecord =
  | { k: 'head'; seq: number; hash: string }
  | ({ k: 'checkpoint' } & Checkpoint)
  /** The head log was started over a ledger that already had entries (an upgrade). */
  | { k: 'origin'; seq: number; hash: string; ts: string }
  | { k: 'broken'; seq: number; reason: string; ts: string }
  /** An admin accepted the break; entries from `seq` (the acknowledgement's own entry) on are checked again. */
  | { k: 'ack'; by: string; ts: string; brokenAt: number; reason: string; seq: number }
  | ({ k: 'seal' } & Seal);

export type Ack = Extract<HeadRecord, { k: 'ack' }>;
type Linked = HeadRecord & { link: string };

/** What a read of the whole file found; records before the last acknowledgement are history. */
export interface HeadLogState {
  /** The newest head (or checkpoint) recorded since the last acknowledgement. */
  lastHead: { seq: number; hash: string } | null;
  lastCheckpoint: Checkpoint | null;
  broken: { seq: number; reason: string } | null;
  acks: Ack[];
  seals: Seal[];
  /** A line in the middle that does not parse or does not chain: the file was edited or damaged. */
  damage: string | null;
}

const linkOf = (line: string): string => createHash('sha256').update(line).digest('hex').slice(0, 32);

export class HeadLog {
  private fd: number;
  private lastLink: string;
  /** The file's length as this process wrote it: where a failed write is cut back to. */
  private size: number;
  /** An fdatasync is running on the threadpool. */
  private syncing = false;
  /** Lines were written since the running (or last) fdatasync started. */
  private unsynced = false;
  /** close() came while an fdatasync ran: the fd is closed when it ends, never under it. */
  private closeAfterSync = false;
  /** The background fdatasync failing since `since` (an I/O error of the disk): heads written since are not durable. */
  private failing: { message: string; since: number } | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  private constructor(
    readonly path: string,
    readonly existed: boolean,
    readonly state: HeadLogState,
    lastLink: string,
    size: number,
  ) {
    this.fd = openSync(path, 'a', 0o600);
    this.lastLink = lastLink;
    this.size = size;
  }

  /** Reads the file (a torn last line from a crash mid-write is cut off) and opens it to append. */
  static open(path: string): HeadLog {
    const existed = existsSync(path);
    const text = existed ? readFileSync(path, 'utf8') : '';
    const end = text.lastIndexOf('\n') + 1;
    if (end < text.length) {
      // Never completed, so never fsync'd as a whole line: not a record anyone relied on.
      const fd = openSync(path, 'r+');
      try {
        ftruncateSync(fd, Buffer.byteLength(text.slice(0, end)));
      } finally {
        closeSync(fd);
      }
    }
    const { state, lastLink } = readState(text.slice(0, end));
    return new HeadLog(path, existed, state, lastLink, Buffer.byteLength(text.slice(0, end)));
  }

  /**
   * Appends the records with one write. A commit's head is made durable by group commit: the
   * write reaches the kernel before this returns (a kill -9 of aiosd cannot lose it), and one
   * fdatasync on the threadpool covers every head written while the previous one ran, so a
   * commit never waits for a second sync beside SQLite's. Only a power loss or a kernel crash
   * can lose a head, and only one written since the last completed fdatasync: its entries are
   * in the database (committed and synced before their head is written), so the database's
   * head is then above the log's, which the next start records (`syncNow`). Every other record
   * (checkpoints, breaks, acknowledgements, seals, origins) is synced before this returns,
   * because something relies on it at once: a seal lets entries leave the database.
   */
  append(records: readonly HeadRecord[]): void {
    if (records.length === 0) return;
    this.write(records);
    this.unsynced = true;
    if (records.every((r) => r.k === 'head')) this.syncSoon();
    else this.syncNow();
  }

  /** Makes every line written so far durable before returning. */
  syncNow(): void {
    if (this.fd < 0 || !this.unsynced) return;
    // Cleared first: lines written from here on need a sync of their own.
    this.unsynced = false;
    try {
      fdatasyncSync(this.fd);
    } catch (err) {
      this.unsynced = true;
      throw err;
    }
  }

  /** One fdatasync at a time on the threadpool; lines written meanwhile wait for the next. */
  private syncSoon(): void {
    if (this.syncing || !this.unsynced || this.fd < 0) return;
    this.syncing = true;
    this.unsynced = false;
    fdatasync(this.fd, (err) => {
      this.syncing = false;
      if (err === null) this.failing = null;
      else {
        // An I/O error: the lines it should have covered are synced again, a second later (never
        // in a loop against a failing disk), and status says so until a sync succeeds.
        this.unsynced = true;
        this.failing ??= { message: `${err.code ?? 'error'}: ${err.message}`, since: Date.now() };
      }
      if (this.closeAfterSync) this.closeFd();
      else if (err === null) this.syncSoon();
      else
        this.retryTimer ??= setTimeout(() => {
          this.retryTimer = null;
          this.syncSoon();
        }, 1000).unref();
    });
  }

  /** Why heads written lately may not survive a power loss (the background fdatasync fails), or null. */
  syncProblem(): string | null {
    const f = this.failing;
    return f === null
      ? null
      : `the audit head log ${this.path} cannot be synced to disk since ${new Date(f.since).toISOString()} (${f.message}): entries since then would not survive a power loss; check the disk (dmesg) and free space`;
  }

  private write(records: readonly HeadRecord[]): void {
    let text = '';
    let link = this.lastLink;
    for (const r of records) {
      const line = JSON.stringify({ ...r, link });
      text += `${line}\n`;
      link = linkOf(line);
    }
    const bytes = Buffer.from(text);
    if (this.fd < 0 || this.closeAfterSync) throw new Error(`the head log ${this.path} is closed`);
    try {
      if (writeSync(this.fd, bytes) !== bytes.length)
        throw new Error(`the head log ${this.path} took only part of a line`);
    } catch (err) {
      // A part of a line (a full disk) would break the chain of every line after it.
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        /* cut off at the next open, as a torn line */
      }
      throw err;
    }
    this.size += bytes.length;
    this.lastLink = link;
    for (const r of records) apply(this.state, r);
  }

  /** Syncs what is not yet durable, then closes (after an fdatasync still running, if one is). */
  close(): void {
    if (this.fd < 0 || this.closeAfterSync) return;
    try {
      this.syncNow();
    } finally {
      if (this.syncing) this.closeAfterSync = true;
      else this.closeFd();
    }
  }

  private closeFd(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    closeSync(this.fd);
    this.fd = -1;
  }

  /** Every head and checkpoint since the last acknowledgement, oldest first: read again from the file, for the rare search for where a range went bad. */
  headsSinceAck(): { seq: number; hash: string }[] {
    const heads: { seq: number; hash: string }[] = [];
    readState(readFileSync(this.path, 'utf8'), (r) => {
      if (r.k === 'ack') heads.length = 0;
      else if (r.k === 'head' || r.k === 'origin' || r.k === 'checkpoint') heads.push({ seq: r.seq, hash: r.hash });
    });
    return heads;
  }
}

function apply(s: HeadLogState, r: HeadRecord): void {
  switch (r.k) {
    case 'head':
    case 'origin':
      s.lastHead = { seq: r.seq, hash: r.hash };
      return;
    case 'checkpoint':
      s.lastHead = { seq: r.seq, hash: r.hash };
      s.lastCheckpoint = { seq: r.seq, hash: r.hash, ts: r.ts, keyId: r.keyId, signature: r.signature };
      return;
    case 'broken':
      s.broken ??= { seq: r.seq, reason: r.reason };
      return;
    case 'ack':
      s.acks.push(r);
      s.broken = null;
      s.damage = null; // the acknowledged break may have been this damage; lines from here on chain again
      s.lastHead = null;
      s.lastCheckpoint = null;
      return;
    case 'seal':
      s.seals.push({
        from: r.from,
        to: r.to,
        prevHash: r.prevHash,
        hash: r.hash,
        ts: r.ts,
        keyId: r.keyId,
        signature: r.signature,
      });
      return;
  }
}

function readState(text: string, each?: (r: HeadRecord) => void): { state: HeadLogState; lastLink: string } {
  const state: HeadLogState = { lastHead: null, lastCheckpoint: null, broken: null, acks: [], seals: [], damage: null };
  let link = '';
  let n = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    n += 1;
    let r: Linked;
    try {
      r = JSON.parse(line) as Linked;
    } catch {
      state.damage ??= `line ${n} of the head log is not a record`;
      continue;
    }
    if (r.link !== link)
      state.damage ??= `line ${n} of the head log does not follow line ${n - 1}: lines were removed, reordered or edited`;
    link = linkOf(line);
    const { link: _unused, ...record } = r;
    apply(state, record as HeadRecord);
    each?.(record as HeadRecord);
  }
  return { state, lastLink: link };
}
