// Reads aiosd's database off a state disk the way the next boot finds it after a power loss:
// a copy of the disk has its ext4 journal replayed (e2fsck), the database and its WAL are
// copied out (debugfs, no mount needed), and SQLite opens them, replaying the WAL as aiosd's
// next start would. Only the copy is touched; the VM boots the disk itself afterwards. The last
// step cuts the ledger's tail on the disk itself.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface CrashedState {
  /** e2fsck's exit status on the copy: 0 clean, 1 repaired (a replayed journal counts as clean). */
  fsckStatus: number;
  fsckOutput: string;
  /** PRAGMA integrity_check's rows: ['ok'] when the database is sound. */
  integrity: string[];
  walBytes: number;
  /** For each plan: its steps' approved_by, and how many plan.approve ledger entries it has. */
  approvals(planId: string): { stepsApproved: Array<string | null>; ledgerApprovals: number };
  goals(): number;
  close(): void;
}

export function readCrashedState(disk: string, dir: string): CrashedState {
  mkdirSync(dir, { recursive: true });
  const copy = join(dir, 'state.img');
  execFileSync('cp', ['--sparse=always', disk, copy]);
  const fsck = spawnSync('e2fsck', ['-f', '-y', copy], { encoding: 'utf8' });
  if (fsck.status === null || fsck.status > 1)
    throw new Error(`e2fsck found damage it could not repair (exit ${fsck.status}):\n${fsck.stdout}${fsck.stderr}`);
  const db = join(dir, 'aios.db');
  for (const name of ['aios.db', 'aios.db-wal']) {
    spawnSync('debugfs', ['-R', `dump /${name} ${join(dir, name)}`, copy], { encoding: 'utf8' });
  }
  if (!existsSync(db) || statSync(db).size === 0) throw new Error(`no aios.db on the state disk ${disk}`);
  const wal = join(dir, 'aios.db-wal');
  const walBytes = existsSync(wal) ? statSync(wal).size : 0;
  const conn = new Database(db);
  const integrity = (conn.pragma('integrity_check') as Array<{ integrity_check: string }>).map(
    (r) => r.integrity_check,
  );
  const stepsOf = conn.prepare<[string], { approved_by: string | null }>(
    'SELECT approved_by FROM steps WHERE plan_id = ? ORDER BY ord',
  );
  const ledgerOf = conn.prepare<{ plan: string }, { n: number }>(
    "SELECT count(*) AS n FROM audit WHERE action = 'plan.approve' AND substr(subject, 1, length(@plan) + 1) = @plan || '/'",
  );
  return {
    fsckStatus: fsck.status,
    fsckOutput: fsck.stdout + fsck.stderr,
    integrity,
    walBytes,
    approvals: (planId) => ({
      stepsApproved: stepsOf.all(planId).map((r) => r.approved_by),
      ledgerApprovals: ledgerOf.get({ plan: planId })?.n ?? 0,
    }),
    goals: () => conn.prepare<[], { n: number }>('SELECT count(*) AS n FROM goals').get()?.n ?? 0,
    close: () => conn.close(),
  };
}

/**
 * What someone with the disk in hand does after a power loss (issue 16): the last `n` ledger
 * entries and any checkpoint rows over them deleted from the database on the state disk
 * (mounted through a loop device, which replays the ext4 journal), files kept aiosd's.
 * Returns the first entry cut off.
 */
export function cutLedgerTail(disk: string, mountPoint: string, n: number): number {
  mkdirSync(mountPoint, { recursive: true });
  execFileSync('mount', ['-o', 'loop', disk, mountPoint]);
  try {
    const file = join(mountPoint, 'aios.db');
    const owner = statSync(file);
    const conn = new Database(file);
    const last = conn.prepare<[], { m: number }>('SELECT max(seq) AS m FROM audit').get()?.m ?? 0;
    const first = last - n + 1;
    conn.prepare('DELETE FROM audit WHERE seq >= ?').run(first);
    conn.prepare('DELETE FROM audit_checkpoints WHERE seq >= ?').run(first);
    conn.pragma('wal_checkpoint(TRUNCATE)');
    conn.close();
    for (const name of readdirSync(mountPoint).filter((f) => f.startsWith('aios.db')))
      chownSync(join(mountPoint, name), owner.uid, owner.gid);
    return first;
  } finally {
    execFileSync('umount', [mountPoint]);
  }
}
