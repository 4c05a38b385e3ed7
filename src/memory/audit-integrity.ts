// What the database must still agree with: the heads and checkpoints recorded in the head log
// (outside the database), and the seals over ranges archived out of it. Each check returns
// the first entry that does not agree, and why; the ledger reports the lowest of them.
import type { AuditHead, HeadLog } from './audit-head-log.js';
import { verifySeal, type Seal } from './audit-signing.js';

export interface Problem {
  seq: number;
  reason: string;
}

/** The database as these checks read it. */
export interface LedgerRows {
  head(): AuditHead;
  hashAt(seq: number): string | undefined;
  hasCheckpoint(seq: number, signature: string): boolean;
}

export const lowest = (problems: readonly (Problem | null)[]): Problem | null =>
  problems.reduce<Problem | null>((a, p) => (p === null || (a !== null && a.seq <= p.seq) ? a : p), null);

/**
 * What is wrong with the entries: the lowest of `entries`; only when none is, a missing
 * checkpoint (the entries it signed may be whole: the head log vouches for them).
 */
export const firstProblem = (
  entries: readonly (Problem | null)[],
  checkpoints: readonly (Problem | null)[],
): Problem | null => lowest(entries) ?? lowest(checkpoints);

/**
 * The head log against the database: its newest head must be there with the same hash. Only
 * when it disagrees is the whole log read again, to find the first recorded head that
 * disagrees: the range ending there is where it went bad.
 */
export function headLogProblem(log: HeadLog, rows: LedgerRows, sealedThrough: number): Problem | null {
  const s = log.state;
  const damage =
    s.damage === null
      ? null
      : { seq: (s.lastHead?.seq ?? 0) + 1, reason: `${s.damage}: the head log was damaged or edited` };
  const last = s.lastHead;
  const heads =
    last === null || last.seq <= sealedThrough || rows.hashAt(last.seq) === last.hash
      ? null
      : firstDivergence(log, rows, sealedThrough);
  return lowest([damage, heads]);
}

/** The newest checkpoint the head log recorded must still be in the database. */
export function headLogCheckpointProblem(log: HeadLog, rows: LedgerRows, sealedThrough: number): Problem | null {
  const c = log.state.lastCheckpoint;
  if (c === null || c.seq <= sealedThrough || rows.hasCheckpoint(c.seq, c.signature)) return null;
  return {
    seq: c.seq,
    reason: `the checkpoint signed at entry ${c.seq} is missing from the database: checkpoints or entries were removed`,
  };
}

function firstDivergence(log: HeadLog, rows: LedgerRows, sealedThrough: number): Problem | null {
  const ack = log.state.acks.at(-1);
  let matched = Math.max(sealedThrough, (ack?.seq ?? 1) - 1);
  const dbHead = rows.head().seq;
  const newest = log.state.lastHead?.seq ?? 0;
  for (const h of log.headsSinceAck()) {
    if (h.seq <= sealedThrough) continue;
    const have = rows.hashAt(h.seq);
    if (have === h.hash) {
      matched = Math.max(matched, h.seq);
      continue;
    }
    const from = matched + 1;
    if (have === undefined && dbHead < h.seq) {
      // Entries up to the database's head are there, and no recorded head contradicts them.
      return {
        seq: dbHead + 1,
        reason: `the ledger ends at entry ${dbHead}, but the head log recorded entry ${newest}: entries ${dbHead + 1} to ${newest} were cut off`,
      };
    }
    if (have === undefined)
      return { seq: from, reason: `entry ${h.seq}, recorded in the head log, is missing from the database` };
    return {
      seq: from,
      reason:
        from === h.seq
          ? `entry ${h.seq} does not match the head recorded outside the database: the ledger was rewritten from there`
          : `entries ${from} to ${h.seq} do not match the head recorded outside the database at ${h.seq}: the ledger was rewritten in that range`,
    };
  }
  return null;
}

/**
 * Where the chain starts once sealed ranges are taken out: the seals must run from entry 1
 * without a gap, each signed, each starting where the one before ended. The database's first
 * row must follow the end of one of them (or be entry 1).
 */
export function sealedStart(
  seals: readonly Seal[],
  firstRow: number | null,
  publicKeyPem: string | null,
): { start: AuditHead; problem: Problem | null; sealedThrough: number } {
  const genesis = { seq: 0, hash: '0'.repeat(64) };
  let prev = genesis;
  const ends = new Map<number, AuditHead>([[0, genesis]]);
  for (const s of seals) {
    if (publicKeyPem === null || !verifySeal(publicKeyPem, s)) {
      return {
        start: genesis,
        problem: {
          seq: s.from,
          reason: `the seal over entries ${s.from} to ${s.to} does not verify (key ${s.keyId}): forged or damaged`,
        },
        sealedThrough: 0,
      };
    }
    if (s.from !== prev.seq + 1 || s.prevHash !== prev.hash || s.to < s.from) {
      return {
        start: genesis,
        problem: {
          seq: s.from,
          reason: `the seal over entries ${s.from} to ${s.to} does not continue the one before (which ends at ${prev.seq})`,
        },
        sealedThrough: 0,
      };
    }
    prev = { seq: s.to, hash: s.hash };
    ends.set(s.to, prev);
  }
  const first = firstRow ?? prev.seq + 1;
  const start = ends.get(first - 1);
  if (start === undefined) {
    const from = first - 1 > prev.seq ? prev.seq + 1 : 1;
    return {
      start: from === 1 ? genesis : prev,
      problem: { seq: from, reason: `entries ${from} to ${first - 1} are missing and no seal covers them` },
      sealedThrough: prev.seq,
    };
  }
  return { start, problem: null, sealedThrough: prev.seq };
}
