// The ledger's signed checkpoints: a flipped byte, a deleted row, a truncated tail (with or
// without its checkpoint rows), a whole chain rewritten consistently, a forged signature; and
// the export, which carries what a third party needs to check it.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { AuditLedger } from '../../src/memory/audit-ledger.js';
import { AuditSigner, checkpointMessage, KEY_FILE } from '../../src/memory/audit-signing.js';
import { openDatabase, type Db } from '../../src/memory/database.js';
import { canonicalJson } from '../../src/text/canonical-json.js';

let dir: string;
let db: Db;
let ledger: AuditLedger;
let signer: AuditSigner;

function open(every = 10): AuditLedger {
  signer = AuditSigner.loadOrCreate(dir);
  return new AuditLedger(db, { signer, every, headFile: join(dir, 'audit-head.json') });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aios-audit-'));
  db = openDatabase(join(dir, 'aios.db'));
  ledger = open();
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function appendN(n: number): void {
  for (let i = 0; i < n; i++) ledger.append({ actor: 'ada', action: 'tool.call', subject: `s${i}`, detail: { i } });
}

interface Row {
  seq: number;
  ts: string;
  actor: string;
  action: string;
  subject: string;
  detail: string;
  prev_hash: string;
  hash: string;
}
const rows = (): Row[] => db.prepare('SELECT * FROM audit ORDER BY seq').all() as Row[];
const hashOf = (r: Row): string =>
  createHash('sha256')
    .update(canonicalJson([r.seq, r.ts, r.actor, r.action, r.subject, JSON.parse(r.detail), r.prev_hash]))
    .digest('hex');

describe('signed checkpoints', () => {
  it('signs the head every N entries and at shutdown, with a key kept private in the state dir', () => {
    appendN(25);
    expect(ledger.checkpoints().map((c) => c.seq)).toEqual([10, 20]);
    ledger.checkpoint();
    expect(ledger.checkpoints().map((c) => c.seq)).toEqual([10, 20, 25]);
    expect(ledger.checkpoint()).toBeNull();
    expect(statSync(join(dir, KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(ledger.verify()).toEqual({ ok: true, entries: 25, firstBad: null, checkpoints: 3, signedThrough: 25 });
  });

  it('signs no checkpoint inside an outer transaction, which may yet roll back; the next append outside one signs it', () => {
    appendN(9);
    expect(() =>
      db.transaction(() => {
        appendN(3); // a checkpoint is due at entry 10
        throw new Error('rolled back');
      })(),
    ).toThrow('rolled back');
    expect(ledger.checkpoints()).toEqual([]);
    ledger = open(); // as the next start finds the state: nothing signed is missing
    expect(ledger.verify()).toMatchObject({ ok: true, entries: 9, firstBad: null });
    appendN(1);
    expect(ledger.checkpoints().map((c) => c.seq)).toEqual([10]);
    expect(ledger.verify()).toMatchObject({ ok: true, entries: 10, firstBad: null });
  });

  it('names an entry with one flipped byte', () => {
    appendN(15);
    const r = rows()[6] as Row;
    const flipped = Buffer.from(r.subject);
    flipped[0] = (flipped[0] ?? 0) ^ 0x01;
    db.prepare('UPDATE audit SET subject = ? WHERE seq = ?').run(flipped.toString(), r.seq);
    expect(ledger.verify().firstBad).toEqual({ seq: 7, reason: 'entry 7 was altered' });
  });

  it('names a deleted row', () => {
    appendN(15);
    db.prepare('DELETE FROM audit WHERE seq = 12').run();
    expect(ledger.verify().firstBad).toEqual({ seq: 12, reason: 'entry 12 is missing' });
  });

  it('detects a truncated tail that a bare hash chain cannot see', () => {
    appendN(25);
    ledger.checkpoint();
    db.prepare('DELETE FROM audit WHERE seq > 18').run();
    // The chain 1..18 is intact on its own; the signatures over entries 20 and 25 are not.
    expect(new AuditLedger(db).verify().ok).toBe(true);
    expect(ledger.verify().firstBad).toEqual({
      seq: 19,
      reason: 'the ledger ends at entry 18, but entry 20 was signed: entries 19 to 20 were cut off',
    });
  });

  it('detects a truncated tail whose checkpoint rows were deleted too, from the head kept outside the database', () => {
    appendN(25);
    ledger.checkpoint();
    db.prepare('DELETE FROM audit WHERE seq > 18').run();
    db.prepare('DELETE FROM audit_checkpoints WHERE seq > 18').run();
    expect(ledger.verify().firstBad).toEqual({
      seq: 25,
      reason: 'the checkpoint signed at entry 25 is missing from the database: checkpoints or entries were removed',
    });
  });

  it('detects the whole chain rewritten with consistent hashes', () => {
    appendN(12);
    let prev = '0'.repeat(64);
    for (const r of rows()) {
      const forged = { ...r, detail: r.seq === 3 ? '{"i":999}' : r.detail, prev_hash: prev };
      forged.hash = hashOf(forged);
      db.prepare('UPDATE audit SET detail = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(
        forged.detail,
        forged.prev_hash,
        forged.hash,
        r.seq,
      );
      prev = forged.hash;
    }
    expect(new AuditLedger(db).verify().ok).toBe(true);
    expect(ledger.verify().firstBad).toEqual({
      seq: 10,
      reason: 'entry 10 does not match its signed checkpoint: the ledger was rewritten',
    });
  });

  it('detects a checkpoint re-signed with another key', () => {
    appendN(10);
    const keyDir = mkdtempSync(join(tmpdir(), 'aios-other-key-'));
    onTestFinished(() => rmSync(keyDir, { recursive: true, force: true }));
    const other = AuditSigner.loadOrCreate(keyDir);
    const forged = other.sign({ seq: 10, hash: rows()[9]?.hash ?? '', ts: new Date().toISOString() });
    db.prepare('UPDATE audit_checkpoints SET signature = ?, key_id = ? WHERE seq = 10').run(
      forged.signature,
      forged.keyId,
    );
    expect(ledger.verify().firstBad).toMatchObject({
      seq: 10,
      reason: expect.stringMatching(/^the checkpoint at entry 10 has a bad signature/) as unknown,
    });
  });

  it("signs once per batch that crosses N, at the batch's last entry", () => {
    ledger.appendMany(
      Array.from({ length: 25 }, (_, i) => ({ actor: 'ada', action: 'x', subject: `b${i}`, detail: {} })),
    );
    expect(ledger.checkpoints().map((c) => c.seq)).toEqual([25]);
  });

  it('keeps its key across restarts, and resumes counting from the last checkpoint', () => {
    appendN(15);
    const key = signer.keyId;
    ledger = open();
    expect(signer.keyId).toBe(key);
    appendN(4);
    expect(ledger.checkpoints().map((c) => c.seq)).toEqual([10]);
    appendN(1);
    expect(ledger.checkpoints().map((c) => c.seq)).toEqual([10, 20]);
  });

  it('exports entries, checkpoints and the public key, enough to verify elsewhere', () => {
    appendN(12);
    const page = ledger.exportPage(0, 1000);
    expect(page.entries).toHaveLength(12);
    expect(page.head.seq).toBe(12);
    const publicKey = createPublicKey(page.publicKey ?? '');
    for (const c of page.checkpoints) {
      expect(verify(null, checkpointMessage(c), publicKey, Buffer.from(c.signature, 'base64'))).toBe(true);
      expect(page.entries.find((e) => e.seq === c.seq)?.hash).toBe(c.hash);
    }
    expect(ledger.exportPage(10, 1000).entries.map((e) => e.seq)).toEqual([11, 12]);
  });

  it('verifies without a head file (a fresh state dir) and with a lost one', () => {
    appendN(10);
    unlinkSync(join(dir, 'audit-head.json'));
    expect(existsSync(join(dir, 'audit-head.json'))).toBe(false);
    expect(ledger.verify().ok).toBe(true);
  });
});
