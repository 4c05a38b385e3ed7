// Audit ledger benchmarks: appending 1M entries in batches (hash-chained, signed every 1000)
// against raw SQLite inserts of the same rows, and verifying all of them against a bare read.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLedger } from '../src/memory/audit-ledger.js';
import { AuditSigner } from '../src/memory/audit-signing.js';
import { openDatabase } from '../src/memory/database.js';
import { headLogBenchmarks } from './audit-heads.js';
import { fmt, type Row } from './stats.js';

const ENTRIES = Number(process.env['BENCH_AUDIT_ENTRIES'] ?? 1_000_000);
const BATCH = 1000;

const entry = (i: number) => ({
  actor: 'storage',
  action: 'tool.call',
  subject: 'fs.write',
  detail: {
    goalId: `01J${String(i).padStart(23, '0')}`,
    planId: '01JPLAN',
    stepId: 's1',
    args: { path: `/etc/app/file${i % 500}.conf`, content: 'x'.repeat(100) },
    approvedBy: 'ada',
  },
});

export async function auditBenchmarks(rows: Row[], results: Record<string, unknown>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aios-bench-audit-'));
  try {
    const db = openDatabase(join(dir, 'aios.db'));
    const ledger = new AuditLedger(db, {
      signer: AuditSigner.loadOrCreate(dir),
      every: 1000,
      headFile: join(dir, 'audit-head.json'),
    });
    let t = process.hrtime.bigint();
    for (let start = 0; start < ENTRIES; start += BATCH) {
      ledger.appendMany(Array.from({ length: Math.min(BATCH, ENTRIES - start) }, (_, k) => entry(start + k)));
    }
    const appendS = Number(process.hrtime.bigint() - t) / 1e9;
    t = process.hrtime.bigint();
    const verified = ledger.verify();
    const verifyS = Number(process.hrtime.bigint() - t) / 1e9;
    if (!verified.ok) throw new Error(`bench ledger did not verify: ${JSON.stringify(verified.firstBad)}`);

    // Baselines on the same machine: the same rows inserted with no hashing, and read back bare.
    const raw = openDatabase(join(dir, 'raw.db'));
    raw.exec(
      'CREATE TABLE rows (seq INTEGER PRIMARY KEY, ts TEXT, actor TEXT, action TEXT, subject TEXT, detail TEXT, prev_hash TEXT, hash TEXT)',
    );
    const insert = raw.prepare('INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const batch = raw.transaction((from: number, n: number) => {
      for (let i = from; i < from + n; i++) {
        const e = entry(i);
        insert.run(
          i + 1,
          new Date().toISOString(),
          e.actor,
          e.action,
          e.subject,
          JSON.stringify(e.detail),
          '0'.repeat(64),
          '0'.repeat(64),
        );
      }
    });
    t = process.hrtime.bigint();
    for (let start = 0; start < ENTRIES; start += BATCH) batch(start, Math.min(BATCH, ENTRIES - start));
    const rawS = Number(process.hrtime.bigint() - t) / 1e9;
    t = process.hrtime.bigint();
    let n = 0;
    for (const row of db.prepare('SELECT * FROM audit ORDER BY seq').iterate()) if (row !== undefined) n += 1;
    const readS = Number(process.hrtime.bigint() - t) / 1e9;
    raw.close();
    db.close();
    results['audit'] = { entries: ENTRIES, appendS, verifyS, rawInsertS: rawS, rawReadS: readS, read: n };
    const rate = ENTRIES / appendS;
    rows.push({
      name: `audit append, batches of ${BATCH} (entries/s, ${ENTRIES} entries)`,
      value: fmt(rate, 0),
      baseline: `raw insert: ${fmt(ENTRIES / rawS, 0)}/s`,
      ratio: `${fmt(rawS / appendS, 2)}×`,
      goal: '≥ 20000/s',
    });
    rows.push({
      name: `audit verify of ${ENTRIES} entries (s)`,
      value: fmt(verifyS, 2),
      baseline: `bare read: ${fmt(readS, 2)}`,
      ratio: `${fmt(verifyS / readS, 2)}×`,
      goal: '≤ 5 s',
    });
    await headLogBenchmarks(rows, results);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
