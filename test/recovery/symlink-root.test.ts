// A snapshot whose declared path goes through a symbolic link (/srv/data -> /data/x, as an admin
// lays out a node): recorded where it is on disk, so that the rollback restores it (a restore
// never follows a link on the way, so a path kept through the link could never be restored), the
// link itself comes back when it was repointed, and a link swapped in after the snapshot on the
// real path still gets nothing written through it. Real files, real links.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/memory/database.js';
import { SnapshotStore } from '../../src/recovery/snapshot-store.js';

let base: string;
let db: Db;
let store: SnapshotStore;

beforeAll(() => {
  // Outside /tmp: protected_symlinks there would hide the swap.
  base = mkdtempSync('/var/tmp/aios-symroot-');
  db = openDatabase(join(base, 'state', 'aios.db'));
  store = new SnapshotStore(db, join(base, 'state', 'blobs'));
});
afterAll(() => {
  db.close();
  rmSync(base, { recursive: true, force: true });
});

/** <name>/data/x holding app.conf, <name>/srv/data -> it, and another directory a link could be pointed at. */
function layout(name: string): { real: string; link: string; other: string } {
  const real = join(base, name, 'data', 'x');
  const other = join(base, name, 'other');
  mkdirSync(real, { recursive: true });
  mkdirSync(other);
  mkdirSync(join(base, name, 'srv'));
  writeFileSync(join(real, 'app.conf'), 'v1\n');
  writeFileSync(join(other, 'app.conf'), 'not ours\n');
  const link = join(base, name, 'srv', 'data');
  symlinkSync(real, link);
  return { real, link, other };
}

describe('a snapshot of a path through a symbolic link', () => {
  it("a step's file under a linked directory: recorded at its real path, and the rollback restores it", async () => {
    const { real, link } = layout('file');
    const snap = await store.capture({ paths: [join(link, 'app.conf'), join(link, 'made.conf')], label: 'before' });
    expect(store.entries(snap.id).map((e) => e.path)).toEqual([join(real, 'app.conf'), join(real, 'made.conf')]);
    writeFileSync(join(link, 'app.conf'), 'v2\n');
    writeFileSync(join(link, 'made.conf'), 'new\n');
    const r = await store.restore(snap.id);
    expect(r.problems).toEqual([]);
    expect(readFileSync(join(real, 'app.conf'), 'utf8')).toBe('v1\n');
    expect(existsSync(join(real, 'made.conf'))).toBe(false);
  });

  it('the link repointed since: the file comes back where it was, nothing is written where the link points now', async () => {
    const { real, link, other } = layout('repointed');
    const snap = await store.capture({ paths: [join(link, 'app.conf')], label: 'before' });
    writeFileSync(join(real, 'app.conf'), 'v2\n');
    rmSync(link);
    symlinkSync(other, link);
    const r = await store.restore(snap.id);
    expect(r.problems).toEqual([]);
    expect(readFileSync(join(real, 'app.conf'), 'utf8')).toBe('v1\n');
    expect(readFileSync(join(other, 'app.conf'), 'utf8')).toBe('not ours\n');
  });

  it('a directory declared whole through its link (writeDirs /srv/data): the link and the tree come back, what is new is removed', async () => {
    const { real, link, other } = layout('tree');
    const snap = await store.capture({ paths: [], trees: [link], label: 'before' });
    expect(store.entries(snap.id).map((e) => [e.path, e.type])).toEqual([
      [link, 'symlink'],
      [real, 'dir'],
      [join(real, 'app.conf'), 'file'],
    ]);
    writeFileSync(join(link, 'app.conf'), 'v2\n');
    writeFileSync(join(link, 'new.conf'), 'new\n');
    rmSync(link);
    symlinkSync(other, link);
    const r = await store.restore(snap.id);
    expect(r.problems).toEqual([]);
    expect(readlinkSync(link)).toBe(real);
    expect(readFileSync(join(real, 'app.conf'), 'utf8')).toBe('v1\n');
    expect(existsSync(join(real, 'new.conf'))).toBe(false);
    expect(readFileSync(join(other, 'app.conf'), 'utf8')).toBe('not ours\n');
  });

  it('aios snapshot create of a linked root records the link and the tree where it points (not the link alone)', async () => {
    const { real, link } = layout('manual');
    const t = store.captureTree({ roots: [link], label: 'manual', kind: 'manual' });
    expect(t.entries).toBe(3);
    expect(t.snapshot.paths).toEqual([real]);
    writeFileSync(join(real, 'app.conf'), 'v2\n');
    const r = await store.restore(t.snapshot.id);
    expect(r.problems).toEqual([]);
    expect(readFileSync(join(real, 'app.conf'), 'utf8')).toBe('v1\n');
  });

  it('the real directory swapped for a link after the snapshot: nothing is written through it, and it says so', async () => {
    const { real, link, other } = layout('swapped');
    const snap = await store.capture({ paths: [join(link, 'app.conf')], label: 'before' });
    renameSync(real, `${real}.moved`);
    symlinkSync(other, real);
    const r = await store.restore(snap.id);
    expect(r.problems.join('\n')).toContain(`${real} is a symbolic link now, not the directory the snapshot recorded`);
    expect(readFileSync(join(other, 'app.conf'), 'utf8')).toBe('not ours\n');
  });
});
