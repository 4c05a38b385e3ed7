// The head log's cost: audit appends with each commit's head written (and fdatasync'd) to the
// head log beside the database, against the same appends without it (the path before the head
// log), in alternating rounds on fresh databases; medians and their ratio. Batches of 1,000
// (as bench/audit.ts appends) and one entry per commit (as aiosd mostly appends: every
// approval and step is its own durable commit). Between commits the event loop turns, as it
// does in aiosd between requests, so the head log's group commit (its fdatasync on the
// threadpool) runs as it would there; the clock stops once every head is durable.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { AuditLedger } from '../src/memory/audit-ledger.js';
import { HEAD_LOG, HeadLog } from '../src/memory/audit-head-log.js';
import { AuditSigner } from '../src/memory/audit-signing.js';
import { openDatabase } from '../src/memory/database.js';
import { fmt, median, type Row } from './stats.js';

const ROUNDS = Number(process.env['BENCH_AUDIT_HEAD_ROUNDS'] ?? 5);
const BATCHED = Number(process.env['BENCH_AUDIT_HEAD_ENTRIES'] ?? 50_000);
const SINGLES = Number(process.env['BENCH_AUDIT_HEAD_SINGLES'] ?? 300);

const entry = (i: number) => ({
  actor: 'storage',
  action: 'tool.call',
  subject: 'fs.write',
  detail: { goalId: `g${i}`, stepId: 's1', args: { path: `/etc/app/file${i % 500}.conf`, content: 'x'.repeat(100) } },
});

/** Entries per second for `total` entries appended `batch` at a time, with or without the head log. */
async function rate(withHeadLog: boolean, total: number, batch: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'aios-bench-heads-'));
  const db = openDatabase(join(dir, 'aios.db'));
  const headLog = withHeadLog ? HeadLog.open(join(dir, HEAD_LOG)) : undefined;
  try {
    const ledger = new AuditLedger(db, {
      signer: AuditSigner.loadOrCreate(dir),
      every: 1000,
      headFile: join(dir, 'audit-head.json'),
      ...(headLog === undefined ? {} : { headLog }),
    });
    const t = process.hrtime.bigint();
    for (let start = 0; start < total; start += batch) {
      ledger.appendMany(Array.from({ length: Math.min(batch, total - start) }, (_, k) => entry(start + k)));
      await turn();
    }
    headLog?.syncNow();
    return total / (Number(process.hrtime.bigint() - t) / 1e9);
  } finally {
    headLog?.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function headLogBenchmarks(rows: Row[], results: Record<string, unknown>): Promise<void> {
  const figures: Record<string, { without: number[]; with: number[] }> = {};
  for (const [name, total, batch] of [
    ['batches of 1000', BATCHED, 1000],
    ['one entry per commit', SINGLES, 1],
  ] as const) {
    const f = { without: [] as number[], with: [] as number[] };
    // Alternating, so a machine that slows down part-way weighs on both sides alike.
    for (let r = 0; r < ROUNDS; r++) {
      f.without.push(await rate(false, total, batch));
      f.with.push(await rate(true, total, batch));
    }
    figures[name] = f;
    const ratio = median(f.with) / median(f.without);
    rows.push({
      name: `audit append with the head log, ${name} (median entries/s, ${ROUNDS} rounds of ${total})`,
      value: fmt(median(f.with), 0),
      baseline: `without: ${fmt(median(f.without), 0)}/s`,
      ratio: `${fmt(ratio, 2)}×`,
      goal: '≥ 0.8×',
    });
  }
  results['auditHeads'] = figures;
}
