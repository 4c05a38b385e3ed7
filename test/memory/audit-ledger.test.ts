import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLedger, GENESIS_HASH } from '../../src/memory/audit-ledger.js';
import type { Db } from '../../src/memory/database.js';
import { openDatabase } from '../../src/memory/database.js';
import { redact } from '../../src/memory/redact.js';
import { canonicalJson } from '../../src/text/canonical-json.js';
import { tempDatabase } from './temp-db.js';

let db: Db;
let file: string;
let close: () => void;
let ledger: AuditLedger;

beforeEach(() => {
  ({ db, file, close } = tempDatabase());
  ledger = new AuditLedger(db);
});
afterEach(() => close());

function appendN(n: number): void {
  for (let i = 1; i <= n; i++)
    ledger.append({
      actor: 'alice',
      action: 'tool.call',
      subject: `file.write#${i}`,
      detail: { i, path: `/etc/f${i}` },
    });
}

interface Row {
  seq: number;
  ts: string;
  actor: string;
  action: string;
  subject: string;
  detail: string;
  prev_hash: string;
}

function hashOf(row: Row): string {
  const fields = [row.seq, row.ts, row.actor, row.action, row.subject, JSON.parse(row.detail), row.prev_hash];
  return createHash('sha256').update(canonicalJson(fields)).digest('hex');
}

function row(seq: number): Row {
  return db.prepare('SELECT * FROM audit WHERE seq = ?').get(seq) as Row;
}

describe('AuditLedger', () => {
  it('chains entries from the genesis hash with dense seqs and verifies a clean chain', () => {
    const first = ledger.append({
      actor: 'alice',
      action: 'goal.submit',
      subject: 'g1',
      detail: { text: 'free disk' },
    });
    appendN(4);
    expect(first.seq).toBe(1);
    expect(row(1).prev_hash).toBe(GENESIS_HASH);
    const entries = ledger.list({ limit: 10 });
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    for (const [i, entry] of entries.entries()) {
      expect(entry.hash).toBe(hashOf(row(entry.seq)));
      expect(entry.prevHash).toBe(i === 0 ? GENESIS_HASH : entries[i - 1]?.hash);
      expect(new Date(entry.ts).toISOString()).toBe(entry.ts);
    }
    expect(entries[0]?.detail).toEqual({ text: 'free disk' });
    expect(ledger.head()).toEqual({ seq: 5, hash: entries[4]?.hash });
    expect(ledger.verify()).toEqual({ ok: true, entries: 5, firstBad: null });
  });

  it('verifies an empty ledger and starts head at the genesis hash', () => {
    expect(ledger.verify()).toEqual({ ok: true, entries: 0, firstBad: null });
    expect(ledger.head()).toEqual({ seq: 0, hash: GENESIS_HASH });
  });

  it('pages with afterSeq', () => {
    appendN(7);
    expect(ledger.list({ limit: 3, afterSeq: 2 }).map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(ledger.list({ limit: 3, afterSeq: 7 })).toEqual([]);
  });

  it.each([
    ['actor', "'mallory'"],
    ['ts', "'2020-01-01T00:00:00.000Z'"],
    ['detail', `'{"i":7,"path":"/etc/shadow"}'`],
    ['hash', `'${'a'.repeat(64)}'`],
  ])('names the entry whose %s was changed by a raw UPDATE', (column, value) => {
    appendN(10);
    db.exec(`UPDATE audit SET ${column} = ${value} WHERE seq = 7`);
    expect(ledger.verify()).toEqual({ ok: false, entries: 10, firstBad: { seq: 7, reason: 'entry 7 was altered' } });
  });

  it('names a deleted middle entry as missing', () => {
    appendN(10);
    db.exec('DELETE FROM audit WHERE seq = 5');
    expect(ledger.verify()).toEqual({ ok: false, entries: 9, firstBad: { seq: 5, reason: 'entry 5 is missing' } });
  });

  it('names a run of deleted entries', () => {
    appendN(10);
    db.exec('DELETE FROM audit WHERE seq BETWEEN 4 AND 6');
    expect(ledger.verify().firstBad).toEqual({ seq: 4, reason: 'entries 4 to 6 are missing' });
  });

  it('detects two entries whose contents were swapped', () => {
    appendN(6);
    db.transaction(() => {
      const a = row(3);
      const b = row(4);
      const put = db.prepare(
        'UPDATE audit SET ts = ?, actor = ?, action = ?, subject = ?, detail = ?, prev_hash = ?, hash = ? WHERE seq = ?',
      );
      const rest = (r: Row) => [r.ts, r.actor, r.action, r.subject, r.detail, r.prev_hash, hashOf(r)];
      put.run(...rest(b), 3);
      put.run(...rest(a), 4);
    })();
    expect(ledger.verify().firstBad).toEqual({ seq: 3, reason: 'entry 3 was altered' });
  });

  it('detects an entry moved and re-hashed so that only its link is wrong', () => {
    appendN(6);
    // Entry 4's content rewritten into seq 3 with a self-consistent hash: the row alone verifies.
    const moved = { ...row(4), seq: 3 };
    db.prepare(
      'UPDATE audit SET ts = ?, actor = ?, action = ?, subject = ?, detail = ?, prev_hash = ?, hash = ? WHERE seq = 3',
    ).run(moved.ts, moved.actor, moved.action, moved.subject, moved.detail, moved.prev_hash, hashOf(moved));
    expect(ledger.verify().firstBad).toEqual({ seq: 3, reason: 'entry 3 does not follow entry 2: moved or re-linked' });
  });

  it('detects a first entry that does not start from the genesis hash', () => {
    appendN(3);
    const forged = { ...row(1), prev_hash: 'f'.repeat(64) };
    db.prepare('UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = 1').run(forged.prev_hash, hashOf(forged));
    expect(ledger.verify().firstBad).toEqual({ seq: 1, reason: 'entry 1 does not start from the genesis hash' });
  });

  it('appends 10,000 entries in one transaction and verifies them', () => {
    const entries = Array.from({ length: 10_000 }, (_, i) => ({
      actor: 'aiosd',
      action: 'tool.result',
      subject: `s${i}`,
      detail: { i, ok: true },
    }));
    const written = ledger.appendMany(entries);
    expect(written).toHaveLength(10_000);
    expect(written.at(-1)).toEqual(ledger.head());
    expect(ledger.verify()).toEqual({ ok: true, entries: 10_000, firstBad: null });
  });

  it('writes all of a batch or none of it, and chains on correctly afterwards', () => {
    appendN(2);
    db.exec(
      "CREATE TRIGGER refuse_boom BEFORE INSERT ON audit WHEN new.actor = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END",
    );
    const ok = { actor: 'alice', action: 'x', subject: 's', detail: {} };
    expect(() => ledger.appendMany([ok, ok, { ...ok, actor: 'boom' }])).toThrow(/boom/);
    expect(ledger.head().seq).toBe(2);
    ledger.append(ok);
    expect(ledger.verify()).toEqual({ ok: true, entries: 3, firstBad: null });
  });

  it('chains onto entries another connection appended since it last wrote', () => {
    const otherDb = openDatabase(file);
    const other = new AuditLedger(otherDb);
    try {
      for (let i = 0; i < 5; i++) {
        ledger.append({ actor: 'a', action: 'x', subject: `a${i}`, detail: {} });
        other.append({ actor: 'b', action: 'x', subject: `b${i}`, detail: {} });
      }
    } finally {
      otherDb.close();
    }
    expect(ledger.verify()).toEqual({ ok: true, entries: 10, firstBad: null });
  });

  it('chains correctly after an outer transaction rolled its last entry back', () => {
    appendN(2);
    expect(() =>
      db.transaction(() => {
        ledger.append({ actor: 'alice', action: 'x', subject: 'rolled back', detail: {} });
        throw new Error('abort the outer work');
      })(),
    ).toThrow('abort the outer work');
    const next = ledger.append({ actor: 'alice', action: 'x', subject: 'kept', detail: {} });
    expect(next.seq).toBe(3);
    expect(ledger.verify()).toEqual({ ok: true, entries: 3, firstBad: null });
  });
});

describe('redaction', () => {
  it('replaces the values of secret-sounding keys at any depth', () => {
    const detail = {
      user: 'bob',
      apiKey: 'sk-live-123',
      TOKEN: 't',
      db_password: 'p',
      nested: { Secret: { deep: 'x' }, list: [{ auth_token: 'y', name: 'n' }] },
    };
    expect(redact(detail)).toEqual({
      user: 'bob',
      apiKey: '[redacted]',
      TOKEN: '[redacted]',
      db_password: '[redacted]',
      nested: { Secret: '[redacted]', list: [{ auth_token: '[redacted]', name: 'n' }] },
    });
    expect(detail.apiKey).toBe('sk-live-123');
  });

  it('keeps secrets out of the stored ledger', () => {
    ledger.append({
      actor: 'alice',
      action: 'api.configure',
      subject: 'anthropic',
      detail: { provider: 'anthropic', api_key: 'sk-ant-secret', headers: { Authorization: 'Bearer abc' } },
    });
    const stored = row(1).detail;
    expect(stored).not.toContain('sk-ant-secret');
    expect(stored).not.toContain('Bearer abc');
    expect(ledger.list({ limit: 1 })[0]?.detail).toEqual({
      provider: 'anthropic',
      api_key: '[redacted]',
      headers: { Authorization: '[redacted]' },
    });
    expect(ledger.verify().ok).toBe(true);
  });
});
