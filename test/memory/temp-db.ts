import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/memory/database.js';

/** A real state database in a fresh temp dir; `close` removes both. */
export function tempDatabase(): { db: Db; file: string; close: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'aios-memory-'));
  const file = join(dir, 'aios.db');
  const db = openDatabase(file);
  return {
    db,
    file,
    close: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
