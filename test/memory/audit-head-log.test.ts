// The head log outside the database: a tail cut off (with or without its checkpoint rows) or a
// range rewritten and rehashed is found at the next start and at every start after it, at the
// first entry that went bad; nothing is signed over it until an admin acknowledges it; a torn
// last line is cut off; a signed seal lets a range leave the database, a forged one does not.
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditLedger } from '../../src/memory/audit-ledger.js';
import { HEAD_LOG, HeadLog } from '../../src/memory/audit-head-log.js';
import { AuditSigner } from '../../src/memory/audit-signing.js';
import { openDatabase, type Db } from '../../src/memory/database.js';
import { rehashFrom as rehash } from '../helpers/ledger-tamper.js';
import { signedLedgerSuite } from '../helpers/signed-ledger.js';
import { eventually } from '../helpers/until.js';

let dir: string;
let db: Db;
let ledger: AuditLedger;
const { start, stop, restart } = signedLedgerSuite('aios-heads-', (s) => ({ dir, db, ledger } = s));

function appendN(n: number): void {
  for (let i = 0; i < n; i++) ledger.append({ actor: 'ada', action: 'tool.call', subject: `s${i}`, detail: { i } });
}

const rehashFrom = (k: number): void => rehash(db, k);

describe('the head log', () => {
  it('records one line per commit, and a batch as one line', () => {
    appendN(3);
    ledger.appendMany([1, 2, 3, 4].map((i) => ({ actor: 'ada', action: 'a', subject: 's', detail: { i } })));
    const lines = readFileSync(join(dir, HEAD_LOG), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { k: string; seq: number });
    expect(lines.map((l) => [l.k, l.seq])).toEqual([
      ['head', 1],
      ['head', 2],
      ['head', 3],
      ['head', 7],
    ]);
    expect(restart().verify()).toMatchObject({ ok: true, entries: 7 });
  });

  it('finds a tail cut after a crash, checkpoint rows and all, and still says BROKEN after more restarts', () => {
    appendN(21); // checkpoint at 20
    ledger.checkpoint(); // and at 21
    appendN(9);
    const headFile = readFileSync(join(dir, 'audit-head.json'), 'utf8');
    db.prepare('DELETE FROM audit WHERE seq > 21').run();
    db.prepare('DELETE FROM audit_checkpoints').run();
    const cut = {
      seq: 22,
      reason: 'the ledger ends at entry 21, but the head log recorded entry 30: entries 22 to 30 were cut off',
    };
    expect(restart().verify()).toMatchObject({ ok: false, firstBad: cut });
    expect(ledger.problem()).toMatch(/BROKEN at entry 22/);
    // New entries (a read-only goal's) are recorded, but nothing is signed over the break.
    appendN(12);
    expect(ledger.checkpoint()).toBeNull();
    for (let i = 0; i < 2; i++) expect(restart().verify()).toMatchObject({ ok: false, firstBad: cut });
    expect(readFileSync(join(dir, 'audit-head.json'), 'utf8')).toBe(headFile);
    expect(ledger.checkpoints()).toEqual([]);
  });

  it('finds a tail cut with the checkpoint rows kept', () => {
    appendN(25);
    db.prepare('DELETE FROM audit WHERE seq > 21').run();
    expect(restart().verify().firstBad?.seq).toBe(22);
  });

  it('finds checkpoint rows deleted while the entries stay', () => {
    appendN(20);
    db.prepare('DELETE FROM audit_checkpoints').run();
    expect(restart().verify().firstBad).toEqual({
      seq: 20,
      reason: 'the checkpoint signed at entry 20 is missing from the database: checkpoints or entries were removed',
    });
  });

  it('reports a rehash from entry K at K, not at a later entry', () => {
    appendN(21);
    ledger.checkpoint();
    appendN(9);
    rehashFrom(25);
    const atK = {
      seq: 25,
      reason: 'entry 25 does not match the head recorded outside the database: the ledger was rewritten from there',
    };
    expect(ledger.verify().firstBad).toEqual(atK);
    expect(restart().verify().firstBad).toEqual(atK);
    // Rewritten again from further back: the first bad entry is now 23, though the break was recorded at 25.
    rehashFrom(23);
    expect(ledger.verify().firstBad?.seq).toBe(23);
  });

  it('acknowledged: says where it broke, who accepted it and when, and checks and signs again from there', () => {
    appendN(30);
    db.prepare('DELETE FROM audit WHERE seq > 21').run();
    restart();
    expect(() => ledger.acknowledge('root', undefined)).not.toThrow();
    expect(ledger.problem()).toBeNull();
    appendN(3);
    const v = restart().verify();
    expect(v.ok).toBe(true);
    expect(v.acknowledged).toEqual([expect.objectContaining({ brokenAt: 22, by: 'root', intactSince: 22 })]);
    expect(ledger.lastEntry('audit.acknowledge', 'ledger')?.actor).toBe('root');
    expect(v.signedThrough).toBeGreaterThanOrEqual(22);
    expect(() => ledger.acknowledge('root', undefined)).toThrow(/not broken/);
    // A later cut is a new break.
    db.prepare('DELETE FROM audit WHERE seq > 23').run();
    expect(restart().verify()).toMatchObject({ ok: false, firstBad: { seq: 24 } });
  });

  it('cuts off a torn last line and chains on from the last whole one', () => {
    appendN(5);
    appendFileSync(join(dir, HEAD_LOG), '{"k":"head","seq":6,"ha');
    restart();
    appendN(1);
    expect(restart().verify()).toMatchObject({ ok: true, entries: 6 });
  });

  it('has every head in the file when append returns, before its group-committed sync', () => {
    appendN(4);
    // Read while the log is still open, as after a kill -9: the kernel has every line.
    const seqs = readFileSync(join(dir, HEAD_LOG), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { seq: number }).seq);
    expect(seqs).toEqual([1, 2, 3, 4]);
  });

  it('after a power loss took the last unsynced heads, guards those entries from the next start on', () => {
    appendN(6);
    stop();
    // What a power loss can do to the group commit: the heads of 5 and 6 never reached the disk.
    const path = join(dir, HEAD_LOG);
    writeLines(path, readFileSync(path, 'utf8').trim().split('\n').slice(0, 4).join('\n') + '\n');
    start();
    expect(ledger.problem()).toBeNull();
    expect(ledger.verify()).toMatchObject({ ok: true, entries: 6 });
    // The start recorded the database's head (6): cutting 5 and 6 now is found.
    db.prepare('DELETE FROM audit WHERE seq > 4').run();
    expect(restart().verify()).toMatchObject({ ok: false, firstBad: { seq: 5 } });
    expect(restart().problem()).toMatch(/BROKEN at entry 5/);
  });

  it('says BROKEN when a line in the middle was edited, until acknowledged', () => {
    appendN(5);
    const path = join(dir, HEAD_LOG);
    writeLines(path, readFileSync(path, 'utf8').replace('"seq":2', '"seq":2 '));
    expect(restart().verify()).toMatchObject({ ok: false });
    expect(ledger.problem()).toMatch(/line 3 of the head log does not follow line 2/);
    ledger.acknowledge('root', 'edited by hand');
    expect(restart().problem()).toBeNull();
    expect(ledger.verify().ok).toBe(true);
  });

  it('starts over a ledger from before the head log at its head, and guards it from there', () => {
    stop();
    rmSync(join(dir, HEAD_LOG));
    db = openDatabase(join(dir, 'aios.db'));
    new AuditLedger(db).appendMany([1, 2, 3].map((i) => ({ actor: 'ada', action: 'a', subject: 's', detail: { i } })));
    db.close();
    start();
    expect(JSON.parse(readFileSync(join(dir, HEAD_LOG), 'utf8').trim()) as unknown).toMatchObject({
      k: 'origin',
      seq: 3,
    });
    expect(ledger.verify().ok).toBe(true);
    db.prepare('DELETE FROM audit WHERE seq = 3').run();
    expect(restart().problem()).toMatch(/BROKEN at entry 3/);
  });

  it('records what verify finds as a break, shown until acknowledged', () => {
    appendN(5);
    db.prepare("UPDATE audit SET subject = 'x' WHERE seq = 3").run();
    expect(ledger.problem()).toBeNull(); // the start's check compares heads, not every entry
    expect(ledger.verify().firstBad?.seq).toBe(3);
    expect(restart().problem()).toMatch(/BROKEN at entry 3: entry 3 was altered/);
  });
});

describe('seals', () => {
  it('lets a sealed range leave the database, and nothing else', () => {
    appendN(25);
    const seal = ledger.seal(12);
    expect(seal).toMatchObject({ from: 1, to: 12 });
    db.prepare('DELETE FROM audit WHERE seq <= 12').run();
    expect(restart().verify()).toMatchObject({ ok: true, entries: 25 });
    // An export carries the seal, so a copy elsewhere can check a chain that starts at 13.
    expect(ledger.exportPage(0, 5)).toMatchObject({
      seals: [seal],
      entries: [{ seq: 13 }, { seq: 14 }, { seq: 15 }, { seq: 16 }, { seq: 17 }],
    });
    expect(ledger.seal(20)).toMatchObject({ from: 13, to: 20 });
    db.prepare('DELETE FROM audit WHERE seq <= 21').run();
    expect(restart().verify()).toMatchObject({
      ok: false,
      firstBad: { seq: 21, reason: 'entries 21 to 21 are missing and no seal covers them' },
    });
  });

  it('does not accept a forged seal', () => {
    appendN(25);
    ledger.seal(12);
    const path = join(dir, HEAD_LOG);
    // Moved to cover more than was signed, and the line chain mended, as a forger would.
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const seal = lines.find((l) => l['k'] === 'seal') as Record<string, unknown>;
    seal['to'] = 20;
    seal['hash'] = (db.prepare('SELECT hash FROM audit WHERE seq = 20').get() as { hash: string }).hash;
    rechain(path, lines);
    db.prepare('DELETE FROM audit WHERE seq <= 20').run();
    expect(restart().verify()).toMatchObject({
      ok: false,
      firstBad: { seq: 1, reason: expect.stringMatching(/seal over entries 1 to 20 does not verify/) },
    });
  });
});

function writeLines(path: string, text: string): void {
  rmSync(path);
  appendFileSync(path, text);
}

/** The head log's lines with their links recomputed: what someone would do to hide an edit. */
function rechain(path: string, lines: Record<string, unknown>[]): void {
  let link = '';
  let text = '';
  for (const l of lines) {
    const line = JSON.stringify({ ...l, link });
    text += `${line}\n`;
    link = createHashHex(line);
  }
  writeLines(path, text);
}

function createHashHex(line: string): string {
  return createHash('sha256').update(line).digest('hex').slice(0, 32);
}

describe('a head log the disk cannot sync', () => {
  it('says so in the ledger’s durability problem (shown in status), and keeps the entry without calling the ledger broken', async () => {
    // fdatasync(2) on /dev/null fails with EINVAL: a real failing sync, as a dying disk's EIO would be.
    const bad = HeadLog.open('/dev/null');
    const db2 = openDatabase(join(dir, 'other.db'));
    const l2 = new AuditLedger(db2, {
      signer: AuditSigner.loadOrCreate(dir),
      every: 10,
      headFile: join(dir, 'other-head.json'),
      headLog: bad,
    });
    l2.startCheck();
    expect(l2.durabilityProblem()).toBeNull();
    l2.append({ actor: 'ada', action: 'tool.call', subject: 's', detail: {} });
    await eventually('the failed sync to be reported', () => l2.durabilityProblem(), 10_000);
    expect(l2.durabilityProblem()).toMatch(
      /cannot be synced to disk since .* \(EINVAL: .*\): entries since then would not survive a power loss/,
    );
    // The entry itself is in the database, and the ledger is not broken: a warning, not a refusal.
    expect(l2.problem()).toBeNull();
    expect(() => bad.close()).toThrow(/EINVAL/);
    db2.close();
  });
});
