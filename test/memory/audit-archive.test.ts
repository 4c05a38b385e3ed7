// Collection archives old ledger entries out of the database under a signed seal: the rows go to
// a gzipped file, verify still passes (and says how far the ledger is sealed), the archive is
// checked entry by entry against its seal, a crash between seal and delete is finished by the
// next run, and nothing is archived that the fleet has not been sent, nor from a broken ledger.
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ARCHIVE_DIR, archiveFileName, archiveLedger, checkArchives } from '../../src/memory/audit-archive.js';
import type { AuditLedger } from '../../src/memory/audit-ledger.js';
import type { Db } from '../../src/memory/database.js';
import { signedLedgerSuite } from '../helpers/signed-ledger.js';
import { writeFileAtomicSync } from '../../src/files/write-file-atomic.js';

let dir: string;
let db: Db;
let ledger: AuditLedger;
const { restart } = signedLedgerSuite('aios-archive-', (s) => ({ dir, db, ledger } = s));

function appendN(n: number): void {
  for (let i = 0; i < n; i++) ledger.append({ actor: 'ada', action: 'tool.call', subject: `s${i}`, detail: { i } });
}

/** Everything appended so far counts as old. */
const future = (): string => new Date(Date.now() + 60_000).toISOString();
const archive = (o: { keepFrom?: number | null; dryRun?: boolean } = {}) =>
  archiveLedger(db, ledger, dir, { before: future(), keepFrom: o.keepFrom ?? null, dryRun: o.dryRun ?? false });
const rowCount = (): number => (db.prepare('SELECT count(*) AS n FROM audit').get() as { n: number }).n;
const check = () => checkArchives(dir, ledger.seals(), ledger.publicKey());

describe('archiving the ledger', () => {
  it('moves all but the newest entry into a sealed archive, and verify still passes', () => {
    appendN(30);
    expect(archive({ dryRun: true })).toMatchObject({ count: 29, files: [] });
    expect(rowCount()).toBe(30);
    const r = archive();
    expect(r).toMatchObject({ count: 29, files: [join(dir, ARCHIVE_DIR, 'ledger-1-29.jsonl.gz')] });
    expect(rowCount()).toBe(1);
    // The chain goes on from the entry kept, across restarts.
    appendN(5);
    expect(restart().verify()).toMatchObject({ ok: true, entries: 35, firstBad: null, sealedThrough: 29 });
    expect(check()).toEqual([{ file: r.files[0], from: 1, to: 29, ok: true, problem: null }]);
    // A second run seals the next range after the first.
    appendN(5);
    expect(archive().files).toEqual([join(dir, ARCHIVE_DIR, 'ledger-30-39.jsonl.gz')]);
    expect(restart().verify()).toMatchObject({ ok: true, entries: 40, sealedThrough: 39 });
    expect(check().map((a) => a.ok)).toEqual([true, true]);
  });

  it('finds an archive altered, cut short or missing, at the entry', () => {
    appendN(20);
    const [file] = archive().files as [string];
    const lines = gunzipSync(readFileSync(file)).toString('utf8').trimEnd().split('\n');
    const altered = lines.map((l) => (l.includes('"s7"') ? l.replace('"ada"', '"eve"') : l));
    writeFileAtomicSync(file, gzipSync(altered.join('\n') + '\n'));
    expect(check()[0]).toMatchObject({ ok: false, problem: 'entry 8 was altered' });
    const cut = lines.filter((l) => !l.includes('"s12"'));
    writeFileAtomicSync(file, gzipSync(cut.join('\n') + '\n'));
    expect(check()[0]).toMatchObject({ ok: false, problem: 'entry 13 is missing' });
    unlinkSync(file);
    expect(check()[0]).toMatchObject({ ok: false, problem: 'the archive of entries 1 to 19 is missing' });
  });

  it('finishes what a crash between the seal and the delete left', () => {
    appendN(12);
    ledger.seal(8); // as if aiosd died right after signing the seal
    expect(restart().verify()).toMatchObject({ ok: true, entries: 12 });
    const r = archive();
    expect(r.files).toEqual([
      join(dir, ARCHIVE_DIR, archiveFileName({ from: 1, to: 8 })),
      join(dir, ARCHIVE_DIR, archiveFileName({ from: 9, to: 11 })),
    ]);
    expect(rowCount()).toBe(1);
    expect(restart().verify()).toMatchObject({ ok: true, sealedThrough: 11 });
    expect(check().every((a) => a.ok)).toBe(true);
  });

  it('keeps what the fleet has not been sent, and everything of a broken ledger', () => {
    appendN(20);
    expect(archive({ keepFrom: 6 })).toMatchObject({ count: 5 });
    expect(ledger.seals().at(-1)).toMatchObject({ from: 1, to: 5 });
    db.prepare('DELETE FROM audit WHERE seq = 10').run();
    expect(restart().verify().firstBad?.seq).toBe(10);
    expect(ledger.problem()).toMatch(/BROKEN at entry 10/);
    expect(archive()).toEqual({ count: 0, bytes: 0, files: [] });
    expect(existsSync(join(dir, ARCHIVE_DIR, 'ledger-6-19.jsonl.gz'))).toBe(false);
    expect(rowCount()).toBe(14);
  });
});
