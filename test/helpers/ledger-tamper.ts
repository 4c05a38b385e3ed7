// What someone with the database but not the signing key would do: rewrite entry k's actor and
// rehash every entry after it, so that the chain inside the database is whole again.
import type Database from 'better-sqlite3';
import { entryHash } from '../../src/memory/audit-ledger.js';

export function rehashFrom(db: Database.Database, k: number): void {
  const rows = db.prepare('SELECT * FROM audit WHERE seq >= ? ORDER BY seq').all(k) as {
    seq: number;
    ts: string;
    actor: string;
    action: string;
    subject: string;
    detail: string;
  }[];
  let prev = (db.prepare('SELECT hash FROM audit WHERE seq = ?').get(k - 1) as { hash: string }).hash;
  for (const r of rows) {
    const actor = r.seq === k ? 'mallory' : r.actor;
    const hash = entryHash(r.seq, r.ts, actor, r.action, r.subject, JSON.parse(r.detail), prev);
    db.prepare('UPDATE audit SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(actor, prev, hash, r.seq);
    prev = hash;
  }
}
