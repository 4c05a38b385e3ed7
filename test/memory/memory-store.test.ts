import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/memory/database.js';
import { MemoryStore } from '../../src/memory/memory-store.js';
import { tempDatabase } from './temp-db.js';

let db: Db;
let close: () => void;
let store: MemoryStore;

beforeEach(() => {
  ({ db, close } = tempDatabase());
  store = new MemoryStore(db);
});
afterEach(() => close());

function contents(query: string): string[] {
  return store.search(query).map((hit) => hit.content);
}

describe('MemoryStore.search', () => {
  it('ranks the closest match first and marks the matched words in the snippet', () => {
    store.add({ kind: 'goal', content: 'restarted nginx after the config test passed on web-1' });
    const crash = store.add({
      kind: 'goal',
      content: 'nginx worker crash loop: nginx fixed by raising the nginx worker ulimit',
    });
    store.add({ kind: 'goal', content: 'disk full on /var; cleaned old journal logs' });
    store.add({ kind: 'fact', content: 'the worker pool on db-2 runs postgres' });

    const hits = store.search('nginx worker');
    expect(hits.map((hit) => hit.id)).toEqual([crash]);
    expect(hits[0]?.kind).toBe('goal');
    expect(hits[0]?.snippet).toContain('«nginx»');
    expect(hits[0]?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(contents('nginx')[0]).toBe('nginx worker crash loop: nginx fixed by raising the nginx worker ulimit');
    expect(contents('nginx')).toHaveLength(2);
  });

  it('matches every word (AND), case-insensitively', () => {
    store.add({ kind: 'fact', content: 'Disk full on /var' });
    store.add({ kind: 'fact', content: 'disk healthy' });
    expect(contents('DISK full')).toEqual(['Disk full on /var']);
    expect(contents('disk missing')).toEqual([]);
  });

  it('treats a trailing * as a prefix and nothing else as one', () => {
    store.add({ kind: 'fact', content: 'systemd-journald rotated' });
    expect(contents('journ*')).toEqual(['systemd-journald rotated']);
    expect(contents('journ')).toEqual([]);
    expect(contents('sys*emd')).toEqual([]);
  });

  it('reads hyphens as a phrase and query operators as plain words', () => {
    store.add({ kind: 'fact', content: 'web-1 cache is near capacity' });
    store.add({ kind: 'fact', content: 'web 2 cache is fine' });
    expect(contents('web-1')).toEqual(['web-1 cache is near capacity']);
    expect(contents('NEAR')).toEqual(['web-1 cache is near capacity']);
    expect(contents('"cache"')).toHaveLength(2);
    expect(contents('cache OR nothing')).toEqual([]);
  });

  it.each([
    '"',
    '""',
    'a"b',
    '"unclosed phrase',
    'NEAR(a b)',
    'a NEAR/2 b',
    '(',
    ')',
    '((x)',
    'AND',
    'OR',
    'NOT x',
    'x AND',
    '-x',
    'x-',
    '*',
    '**',
    'a*b*',
    '^x',
    'content:x',
    'x:y',
    '{x}',
    '+',
    'a\u0000b',
    "it's",
    '\u{1F600}',
  ])('does not throw on %j', (query) => {
    store.add({ kind: 'fact', content: 'x content a b near' });
    expect(() => store.search(query)).not.toThrow();
  });

  it.each(['', '   ', '!!!', '-- ( ) " * ^ :', '\u0000\t\n'])('finds nothing for %j, which has no words', (query) => {
    store.add({ kind: 'fact', content: 'anything at all' });
    expect(store.search(query)).toEqual([]);
  });

  it('returns at most limit hits and rejects a limit that is not positive', () => {
    for (let i = 0; i < 5; i++) store.add({ kind: 'fact', content: `backup run ${i}` });
    expect(store.search('backup', 3)).toHaveLength(3);
    expect(() => store.search('backup', 0)).toThrow(RangeError);
  });

  it('stores kind and metadata with the content', () => {
    const id = store.add({ kind: 'procedure', content: 'rotate logs', metadata: { goalId: 'g1' } });
    expect(db.prepare('SELECT kind, metadata FROM memories WHERE id = ?').get(id)).toEqual({
      kind: 'procedure',
      metadata: '{"goalId":"g1"}',
    });
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });
});

describe('the FTS index follows the memories table', () => {
  function integrityCheck(): void {
    // rank = 1 compares the index against the content table, not only with itself.
    db.prepare("INSERT INTO memories_fts(memories_fts, rank) VALUES ('integrity-check', 1)").run();
  }

  it('after an UPDATE of the content', () => {
    const id = store.add({ kind: 'fact', content: 'ntp server is pool.example' });
    db.prepare('UPDATE memories SET content = ? WHERE id = ?').run('chrony server is time.example', id);
    expect(contents('ntp')).toEqual([]);
    expect(store.search('chrony').map((hit) => hit.id)).toEqual([id]);
    integrityCheck();
  });

  it('after a DELETE', () => {
    const gone = store.add({ kind: 'fact', content: 'swap is on /dev/sda2' });
    store.add({ kind: 'fact', content: 'swap is a file' });
    db.prepare('DELETE FROM memories WHERE id = ?').run(gone);
    expect(contents('swap')).toEqual(['swap is a file']);
    integrityCheck();
  });
});
