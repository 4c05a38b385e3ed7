// The state database's pages split between the audit ledger (its table, index and signed
// checkpoints: never collected) and everything else, and the free pages SQLite keeps for reuse.
// Read through dbstat on a read-only connection of its own, so the daemon is not disturbed.
import Database from 'better-sqlite3';

export interface DbParts {
  ledgerBytes: number;
  restBytes: number;
  freeBytes: number;
}

const LEDGER = /^(sqlite_autoindex_)?audit/;

export function dbParts(path: string): DbParts {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    let ledgerBytes = 0;
    let restBytes = 0;
    for (const r of db.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name').all() as {
      name: string;
      bytes: number;
    }[]) {
      if (LEDGER.test(r.name)) ledgerBytes += r.bytes;
      else restBytes += r.bytes;
    }
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const free = db.pragma('freelist_count', { simple: true }) as number;
    return { ledgerBytes, restBytes, freeBytes: pageSize * free };
  } finally {
    db.close();
  }
}
