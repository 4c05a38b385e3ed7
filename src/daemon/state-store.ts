// aiosd's hold on its state directory: the lock that keeps a second aiosd off it, the database
// (watched, so that a file deleted or replaced underneath is noticed), and the audit ledger with
// its head log, compared at start. What may change the node asks `guard` first.
import { join } from 'node:path';
import type { StateGuard } from '../agents/goal-engine.js';
import { AuditLedger } from '../memory/audit-ledger.js';
import { HEAD_LOG, HeadLog } from '../memory/audit-head-log.js';
import { AuditSigner } from '../memory/audit-signing.js';
import { openDatabase, type Db } from '../memory/database.js';
import { DatabaseWatch } from '../memory/database-watch.js';
import type { StateSpace } from '../memory/state-space.js';
import { lockStateDir } from './state-lock.js';

export interface StateStore {
  db: Db;
  ledger: AuditLedger;
  dbWatch: DatabaseWatch;
  /** Why nothing may change the node now (the database gone, the ledger broken), or null. */
  integrity(): string | null;
  /** The state space's word and integrity()'s together, for the goal engine. */
  guard: StateGuard;
  /** Signs the head (unless broken), closes the database and lets go of the lock. */
  close(): void;
}

export function openStateStore(stateDir: string, space: StateSpace, log: (line: string) => void): StateStore {
  const readOnly = space.readOnly;
  // One aiosd per state directory, held until this process ends: taken before the database opens.
  const lock = lockStateDir(stateDir, { readOnly });
  const dbPath = join(stateDir, 'aios.db');
  let db: Db;
  try {
    db = openDatabase(dbPath, { readOnly });
  } catch (err) {
    lock.release();
    throw err;
  }
  const dbWatch = new DatabaseWatch(dbPath, log);
  // Signed checkpoints every 1000 entries, at each goal's end and at shutdown; the key lives in
  // the state dir. Every commit's head goes to the head log, and a start compares the two.
  const headLog = readOnly ? undefined : HeadLog.open(join(stateDir, HEAD_LOG));
  const ledger = new AuditLedger(
    db,
    {
      signer: AuditSigner.loadOrCreate(stateDir),
      every: 1000,
      headFile: join(stateDir, 'audit-head.json'),
      ...(headLog === undefined ? {} : { headLog }),
    },
    { beforeCommit: () => dbWatch.assertSame() },
  );
  try {
    if (ledger.startCheck() !== null) log(ledger.problem() ?? 'the audit ledger is BROKEN');
  } catch (err) {
    log(`could not compare the audit ledger with its head log: ${err instanceof Error ? err.message : String(err)}`);
  }
  const integrity = (): string | null => dbWatch.problem() ?? ledger.problem();
  return {
    db,
    ledger,
    dbWatch,
    integrity,
    guard: {
      get readOnly() {
        return space.readOnly || integrity() !== null;
      },
      problem: () => space.problem() ?? integrity(),
    },
    close() {
      // The head at shutdown is signed, so a tail cut off while aiosd was down is detected.
      try {
        ledger.checkpoint();
      } catch (err) {
        log(`could not sign the audit ledger's head: ${err instanceof Error ? err.message : String(err)}`);
      }
      headLog?.close();
      db.close();
      lock.release();
    },
  };
}
