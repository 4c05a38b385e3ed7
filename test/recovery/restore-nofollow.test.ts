// A rollback checks that the person may write each path, then root restores: a real operator
// who swaps a directory of theirs for a symbolic link in between (or all the while) must not
// get root to write or remove anything where the link points. The restore reaches each parent
// from / without following links, and names what it did not restore.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/memory/database.js';
import { SnapshotStore } from '../../src/recovery/snapshot-store.js';
import { createAccount, isRoot, type TestAccount } from '../helpers/system-users.js';

let operator: TestAccount;
let base: string;
let db: Db;
let store: SnapshotStore;

beforeAll(() => {
  if (!isRoot) return;
  operator = createAccount('nofol');
  // Outside /tmp (sticky, and protected_symlinks would hide the very attack).
  base = mkdtempSync('/var/tmp/aios-nofollow-');
  chmodSync(base, 0o755);
  db = openDatabase(join(base, 'state', 'aios.db'));
  store = new SnapshotStore(db, join(base, 'state', 'blobs'));
});
afterAll(() => {
  if (!isRoot) return;
  db.close();
  rmSync(base, { recursive: true, force: true });
  operator.remove();
});

/** A directory the operator owns, with their file in it; and root's directory the link will point at. */
function layout(name: string): { work: string; sub: string; victim: string } {
  const work = join(base, name);
  const sub = join(work, 'sub');
  const victim = join(base, `${name}-victim`);
  mkdirSync(sub, { recursive: true });
  mkdirSync(victim, { mode: 0o755 });
  writeFileSync(join(victim, 'keep'), 'root owns this\n');
  for (const p of [work, sub]) chownSync(p, operator.uid, operator.gid);
  return { work, sub, victim };
}

const asOperator = (script: string): void => {
  const r = spawnSync('/bin/sh', ['-c', script], { uid: operator.uid, gid: operator.gid, encoding: 'utf8', cwd: '/' });
  if (r.status !== 0) throw new Error(`as the operator: ${r.stderr}`);
};

describe.skipIf(!isRoot)('a restore reaches its directories without following links', () => {
  it('a parent swapped for a link after the check: nothing is written or removed through it, and it says so', async () => {
    const { work, sub, victim } = layout('swap');
    writeFileSync(join(sub, 'f'), 'v1\n');
    chownSync(join(sub, 'f'), operator.uid, operator.gid);
    const snap = await store.capture({ paths: [join(sub, 'f'), join(sub, 'gone')], label: 'before' });
    // The operator changes their file, makes the file the snapshot says is absent, then swaps the directory.
    asOperator(`echo v2 > ${sub}/f && echo new > ${sub}/gone && mv ${sub} ${work}/sub.real && ln -s ${victim} ${sub}`);
    writeFileSync(join(victim, 'gone'), 'root owns this too\n');

    const r = await store.restore(snap.id);
    expect(readdirSync(victim).sort()).toEqual(['gone', 'keep']);
    expect(readFileSync(join(victim, 'gone'), 'utf8')).toBe('root owns this too\n');
    expect(existsSync(join(victim, 'f'))).toBe(false);
    expect(r.problems.join('\n')).toMatch(
      new RegExp(`${sub} is a symbolic link now, not the directory the snapshot recorded`),
    );
    // What is behind the link was left as it was too.
    expect(readFileSync(join(work, 'sub.real', 'f'), 'utf8')).toBe('v2\n');
  });

  it('an operator swapping the directory all the while never gets root to write or remove through the link', async () => {
    const { work, sub, victim } = layout('race');
    writeFileSync(join(sub, 'g'), 'snapshot\n');
    const snap = await store.capture({ paths: [join(sub, 'g'), join(sub, 'f')], label: 'before' });
    const stop = join(work, 'stop');
    // Each round: their own f (which the restore removes), g gone (which it writes), the directory a link for a moment.
    const racer = spawn(
      '/bin/sh',
      [
        '-c',
        `while [ ! -e ${stop} ]; do echo mine > ${sub}/f; rm -f ${sub}/g; mv -T ${sub} ${work}/real && ln -s ${victim} ${sub}; rm -f ${sub}; mv -T ${work}/real ${sub}; done 2>/dev/null`,
      ],
      { uid: operator.uid, gid: operator.gid, cwd: '/', stdio: 'ignore' },
    );
    try {
      const until = Date.now() + 4000;
      let rounds = 0;
      while (Date.now() < until) {
        await store.restore(snap.id).catch(() => undefined);
        rounds += 1;
        expect(readdirSync(victim)).toEqual(['keep']);
      }
      expect(rounds).toBeGreaterThan(5);
    } finally {
      writeFileSync(stop, '');
      chownSync(stop, operator.uid, operator.gid);
      await new Promise((resolve) => racer.once('exit', resolve));
    }
    expect(readdirSync(victim)).toEqual(['keep']);
  }, 30_000);
});
