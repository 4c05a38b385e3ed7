// What aiosd does at each start, for the ledger's tests: the database, the head log, a ledger
// signing every 10 entries, and the start's comparison of the two; one fresh state directory
// per test, and restart() as a crash-free stop and start.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { AuditLedger } from '../../src/memory/audit-ledger.js';
import { HEAD_LOG, HeadLog } from '../../src/memory/audit-head-log.js';
import { AuditSigner } from '../../src/memory/audit-signing.js';
import { openDatabase, type Db } from '../../src/memory/database.js';

export interface SignedLedger {
  dir: string;
  db: Db;
  log: HeadLog;
  ledger: AuditLedger;
}

/** Registers the per-test state directory; `onStart` gets each (re)opened ledger. */
export function signedLedgerSuite(
  prefix: string,
  onStart: (s: SignedLedger) => void,
): { start: () => AuditLedger; stop: () => void; restart: () => AuditLedger } {
  let current: SignedLedger | null = null;
  let dir = '';
  const start = (): AuditLedger => {
    const db = openDatabase(join(dir, 'aios.db'));
    const log = HeadLog.open(join(dir, HEAD_LOG));
    const ledger = new AuditLedger(db, {
      signer: AuditSigner.loadOrCreate(dir),
      every: 10,
      headFile: join(dir, 'audit-head.json'),
      headLog: log,
    });
    ledger.startCheck();
    current = { dir, db, log, ledger };
    onStart(current);
    return ledger;
  };
  const stop = (): void => {
    current?.log.close();
    current?.db.close();
    current = null;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    start();
  });
  afterEach(() => {
    stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    start,
    stop,
    restart: () => {
      stop();
      return start();
    },
  };
}
