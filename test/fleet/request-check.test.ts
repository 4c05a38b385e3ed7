// The node's replay memory on disk: a nonce seen before a restart is still refused after it, and
// a node that runs for months rewrites its nonce file with the fresh nonces only rather than
// keeping every one it ever saw.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RequestCheck } from '../../src/fleet/request-check.js';
import { loadOrCreateKey, seal } from '../../src/fleet/signing.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(): { file: string; key: ReturnType<typeof loadOrCreateKey>; make: (now: () => number) => RequestCheck } {
  const dir = mkdtempSync(join(tmpdir(), 'aios-nonces-'));
  dirs.push(dir);
  const key = loadOrCreateKey(join(dir, 'person.key'));
  const file = join(dir, 'fleet-nonces.jsonl');
  const make = (now: () => number): RequestCheck =>
    new RequestCheck({ node: 'n1', people: () => ({ [key.publicKey]: 'ops' }), maxAgeMs: () => 60_000, file, now });
  return { file, key, make };
}

const lines = (file: string): number =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '').length;

describe('RequestCheck nonce file', () => {
  it('refuses a replay after a restart, and accepts a fresh request', () => {
    const { key, make } = setup();
    const t = 1_000_000;
    const first = make(() => t);
    const e = seal(key, 'approve', 'n1', { x: 1 }, t);
    expect(first.check(e)).toEqual({ ok: true, account: 'ops' });
    expect(first.check(e)).toMatchObject({ ok: false, why: expect.stringContaining('replay') });
    first.close();
    const again = make(() => t + 1000);
    expect(again.check(e)).toMatchObject({ ok: false, why: expect.stringContaining('replay') });
    expect(again.check(seal(key, 'approve', 'n1', { x: 2 }, t + 1000))).toEqual({ ok: true, account: 'ops' });
    again.close();
  });

  it('rewrites the file with the fresh nonces only, while running and at start', () => {
    const { file, key, make } = setup();
    let now = 1_000_000;
    const check = make(() => now);
    // 10,000 requests a minute apart in two halves: the first half is stale by the time the
    // file is rewritten, so only the second half stays.
    for (let i = 0; i < 5000; i++) expect(check.check(seal(key, 'approve', 'n1', { i }, now)).ok).toBe(true);
    now += 120_000;
    for (let i = 5000; i < 10_000; i++) expect(check.check(seal(key, 'approve', 'n1', { i }, now)).ok).toBe(true);
    expect(lines(file)).toBe(5000);
    // Appends after the rewrite go to the new file.
    const late = seal(key, 'approve', 'n1', { late: true }, now);
    expect(check.check(late).ok).toBe(true);
    expect(lines(file)).toBe(5001);
    check.close();
    // A restart two minutes on keeps none of them on disk, and still refuses nothing fresh.
    now += 120_000;
    const restarted = make(() => now);
    expect(lines(file)).toBe(0);
    expect(restarted.check(seal(key, 'approve', 'n1', { after: true }, now)).ok).toBe(true);
    restarted.close();
  }, 60_000);
});
