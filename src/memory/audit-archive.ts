// Old ledger entries leave the database, not the record: collection signs a seal over the oldest
// range ([retention] ledger), writes the range to a gzipped file of its own under
// <state>/audit-archive, and only then deletes its rows. Verify accepts the gap under the seal
// (src/memory/audit-integrity.ts sealedStart); `aios audit verify --archives` checks each file
// against its seal, entry by entry, so the archive is evidence too and not just a copy.
//
// Crash order: the seal is synced to the head log first, the file is written atomically next,
// the rows go last. A crash anywhere leaves rows still in the database under a seal, and the
// next collection finishes the job (writes the file if it is missing, then deletes).
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { writeFileAtomicSync } from '../files/write-file-atomic.js';
import { entryHashOfText, type AuditLedger } from './audit-ledger.js';
import { verifySeal, type Checkpoint, type Seal } from './audit-signing.js';
import type { Db } from './database.js';

export const ARCHIVE_DIR = 'audit-archive';

/** One row as the audit table holds it: seq, ts, actor, action, subject, detail (canonical JSON text), prev_hash, hash. */
type ArchivedRow = [number, string, string, string, string, string, string, string];

interface ArchiveHeader {
  format: 'aios-audit-archive-1';
  seal: Seal;
  /** The key the seal was signed with, for reading the file elsewhere; verify uses the node's own. */
  publicKey: string | null;
}

export interface LedgerArchived {
  /** Entries archived (or, dry, that would be). */
  count: number;
  /** Their size in the database, approximately (the archive file is smaller: gzipped). */
  bytes: number;
  /** Archive files written by this run. */
  files: string[];
}

export interface ArchiveCheck {
  file: string;
  from: number;
  to: number;
  ok: boolean;
  problem: string | null;
}

export const archiveFileName = (s: Pick<Seal, 'from' | 'to'>): string => `ledger-${s.from}-${s.to}.jsonl.gz`;

/**
 * Archives the entries dated before `before`, up to `keepFrom - 1` at most (the fleet's
 * publisher has not sent the rest yet), and never the newest entry (the chain goes on from it).
 */
export function archiveLedger(
  db: Db,
  ledger: AuditLedger,
  stateDir: string,
  o: { before: string; keepFrom: number | null; dryRun: boolean },
): LedgerArchived {
  // Without a key there is no seal, and a broken ledger is not sealed: what is damaged must stay
  // where verify sees it.
  if (!ledger.canSeal()) return { count: 0, bytes: 0, files: [] };
  const seals = ledger.seals();
  const sealedTo = seals.at(-1)?.to ?? 0;
  const head = ledger.head().seq;
  const newest = (
    db.prepare('SELECT max(seq) AS s FROM audit WHERE ts < ? AND seq > ?').get(o.before, sealedTo) as {
      s: number | null;
    }
  ).s;
  const through = Math.min(newest ?? 0, head - 1, (o.keepFrom ?? Infinity) - 1);
  const rowsIn = (from: number, to: number): { count: number; bytes: number } =>
    db
      .prepare(
        `SELECT count(*) AS count, coalesce(sum(length(detail) + length(actor) + length(action) + length(subject) + 200), 0) AS bytes
         FROM audit WHERE seq BETWEEN ? AND ?`,
      )
      .get(from, to) as { count: number; bytes: number };
  // Rows a crash left under an older seal count too: a real run takes them out now. Rows go in
  // seq order, so those seals are the ones ending at or after the first row still here.
  const firstRow = (db.prepare('SELECT min(seq) AS s FROM audit').get() as { s: number | null }).s;
  const leftover = firstRow === null ? [] : seals.filter((s) => s.to >= firstRow);
  const fresh = through > sealedTo ? rowsIn(sealedTo + 1, through) : { count: 0, bytes: 0 };
  const pending = leftover.map((s) => rowsIn(s.from, s.to));
  const total = [fresh, ...pending].reduce((a, b) => ({ count: a.count + b.count, bytes: a.bytes + b.bytes }), {
    count: 0,
    bytes: 0,
  });
  if (o.dryRun || total.count === 0) return { ...total, files: [] };
  const todo = fresh.count > 0 ? [...leftover, ledger.seal(through)] : leftover;
  const dir = join(stateDir, ARCHIVE_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files: string[] = [];
  for (const seal of todo) {
    const file = join(dir, archiveFileName(seal));
    if (!existsSync(file)) {
      writeFileAtomicSync(file, gzipSync(archiveText(db, seal, ledger.publicKey())), { mode: 0o600 });
      files.push(file);
    }
    dropSealed(db, seal.to);
  }
  return { ...total, files };
}

function archiveText(db: Db, seal: Seal, publicKey: string | null): string {
  const header: ArchiveHeader = { format: 'aios-audit-archive-1', seal, publicKey };
  const rows = db
    .prepare(
      'SELECT seq, ts, actor, action, subject, detail, prev_hash, hash FROM audit WHERE seq BETWEEN ? AND ? ORDER BY seq',
    )
    .raw(true)
    .all(seal.from, seal.to) as ArchivedRow[];
  const checkpoints = db
    .prepare(
      'SELECT seq, hash, ts, key_id AS keyId, signature FROM audit_checkpoints WHERE seq BETWEEN ? AND ? ORDER BY seq',
    )
    .all(seal.from, seal.to) as Checkpoint[];
  const lines = [
    JSON.stringify(header),
    ...rows.map((r) => JSON.stringify({ e: r })),
    ...checkpoints.map((c) => JSON.stringify({ c })),
  ];
  return lines.join('\n') + '\n';
}

/**
 * The sealed rows go, and the checkpoints over them, but never the newest checkpoint: it is what
 * the head file outside the database is compared with. A delete a crash loses only leaves rows
 * under their seal, taken out at the next collection.
 */
function dropSealed(db: Db, through: number): void {
  db.transaction(() => {
    db.prepare('DELETE FROM audit WHERE seq <= ?').run(through);
    db.prepare('DELETE FROM audit_checkpoints WHERE seq <= ? AND seq < (SELECT max(seq) FROM audit_checkpoints)').run(
      through,
    );
  })();
}

/**
 * Checks every archive file against the seals in the head log: each seal has its file, each file
 * holds every entry of its range, chained from the seal's prevHash to its hash, and the seal is
 * signed by the node's key.
 */
export function checkArchives(stateDir: string, seals: readonly Seal[], publicKeyPem: string | null): ArchiveCheck[] {
  const dir = join(stateDir, ARCHIVE_DIR);
  const present = new Set(existsSync(dir) ? readdirSync(dir) : []);
  return seals.map((seal) => {
    const name = archiveFileName(seal);
    const file = join(dir, name);
    const fail = (problem: string): ArchiveCheck => ({ file, from: seal.from, to: seal.to, ok: false, problem });
    if (!present.has(name)) return fail(`the archive of entries ${seal.from} to ${seal.to} is missing`);
    if (publicKeyPem === null || !verifySeal(publicKeyPem, seal))
      return fail(`the seal over entries ${seal.from} to ${seal.to} does not verify with this node's key`);
    let lines: string[];
    try {
      lines = gunzipSync(readFileSync(file)).toString('utf8').trimEnd().split('\n');
    } catch (err) {
      return fail(`cannot read ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const problem = chainProblem(lines, seal);
    return problem === null ? { file, from: seal.from, to: seal.to, ok: true, problem: null } : fail(problem);
  });
}

function chainProblem(lines: string[], seal: Seal): string | null {
  let header: ArchiveHeader;
  try {
    header = JSON.parse(lines[0] ?? '') as ArchiveHeader;
  } catch {
    return 'its first line is not an archive header';
  }
  if (header.format !== 'aios-audit-archive-1' || header.seal?.signature !== seal.signature)
    return 'its header does not name the seal the head log holds';
  let prev = seal.prevHash;
  let seq = seal.from - 1;
  for (const line of lines.slice(1)) {
    let parsed: { e?: ArchivedRow };
    try {
      parsed = JSON.parse(line) as { e?: ArchivedRow };
    } catch {
      return `entry ${seq + 1}: a line that is not JSON`;
    }
    if (parsed.e === undefined) continue; // a checkpoint: the seal vouches for the range
    const [s, ts, actor, action, subject, detail, prevHash, hash] = parsed.e;
    if (s !== seq + 1) return `entry ${seq + 1} is missing`;
    if (prevHash !== prev || entryHashOfText(s, ts, actor, action, subject, detail, prevHash) !== hash)
      return `entry ${s} was altered`;
    prev = hash;
    seq = s;
  }
  if (seq !== seal.to) return `entries ${seq + 1} to ${seal.to} are missing`;
  if (prev !== seal.hash) return `entry ${seal.to} is not the one the seal names`;
  return null;
}
