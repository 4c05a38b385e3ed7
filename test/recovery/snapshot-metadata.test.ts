// A rollback brings back what a file is beyond its bytes: mode, owner and group, mtime (atime
// when asked), POSIX ACLs and xattrs, and hard links; and names whatever it could not. Real
// files on the real filesystem; ACLs set with setfacl (Debian package acl, a test dependency
// only: aiOS reads and writes them as xattrs through its own addon).
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  linkSync,
  mkdirSync,
  lstatSync,
  readFileSync,
  renameSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/memory/database.js';
import { readXattrs } from '../../src/recovery/fs-meta.js';
import { SnapshotStore } from '../../src/recovery/snapshot-store.js';
import { ok, preview, run, tempDir } from '../tools/helpers.js';

const isRoot = process.getuid?.() === 0;
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

function setup(): { store: SnapshotStore; db: Db; work: string } {
  const state = tempDir();
  const db = openDatabase(join(state, 'state.db'));
  dbs.push(db);
  return { store: new SnapshotStore(db, join(state, 'blobs')), db, work: tempDir() };
}

const getfacl = (path: string): string => execFileSync('getfacl', ['-cp', path], { encoding: 'utf8' });
const setfacl = (...args: string[]): void => {
  execFileSync('setfacl', args);
};
/** user.* through setfattr's equivalent: the addon's own call would test itself with itself. */
const xattr = (path: string, name: string): string | undefined =>
  readXattrs(path)
    .find((x) => x.name === name)
    ?.value.toString();
const setXattr = (path: string, name: string, value: string): void => {
  execFileSync('python3', [
    '-c',
    'import os,sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode(), follow_symlinks=False)',
    path,
    name,
    value,
  ]);
};
const removeXattr = (path: string, name: string): void => {
  execFileSync('python3', [
    '-c',
    'import os,sys; os.removexattr(sys.argv[1], sys.argv[2], follow_symlinks=False)',
    path,
    name,
  ]);
};

const OLD = new Date('2020-02-03T04:05:06.789Z');

describe.skipIf(!isRoot)('a restore brings back metadata', () => {
  it('mode, owner, group, mtime to the nanosecond, an ACL and a user.* xattr', async () => {
    const { store, work } = setup();
    const file = join(work, 'app.conf');
    writeFileSync(file, 'port=80\n');
    chownSync(file, 4242, 4343);
    chmodSync(file, 0o640);
    setfacl('-m', 'u:4444:rw,g:4545:r', file);
    setXattr(file, 'user.origin', 'from-the-vendor');
    utimesSync(file, OLD, OLD);
    const before = { st: lstatSync(file, { bigint: true }), acl: getfacl(file), xattrs: readXattrs(file) };
    expect(before.acl).toContain('user:4444:rw-');

    const snap = await store.capture({ paths: [file], label: 'before' });
    ok(await run('fs.write', { path: file, content: 'port=8080\n' }));
    // fs.write keeps them on the file it writes; the later steps take them away.
    expect(getfacl(file)).toBe(before.acl);
    expect(xattr(file, 'user.origin')).toBe('from-the-vendor');
    chmodSync(file, 0o600);
    chownSync(file, 0, 0);
    setfacl('-b', file);
    removeXattr(file, 'user.origin');
    setXattr(file, 'user.added', 'later');
    expect(getfacl(file)).not.toContain('4444');

    const r = await store.restore(snap.id);
    expect(r.problems).toEqual([]);
    const after = lstatSync(file, { bigint: true });
    expect(readFileSync(file, 'utf8')).toBe('port=80\n');
    expect({ mode: after.mode, uid: after.uid, gid: after.gid, mtime: after.mtimeNs }).toEqual({
      mode: before.st.mode,
      uid: 4242n,
      gid: 4343n,
      mtime: before.st.mtimeNs,
    });
    expect(getfacl(file)).toBe(before.acl);
    expect(xattr(file, 'user.origin')).toBe('from-the-vendor');
    expect(xattr(file, 'user.added')).toBeUndefined();
    expect(readXattrs(file)).toEqual(before.xattrs);
  });

  it('puts back only the metadata when the content is unchanged; atime only when asked', async () => {
    const { store, work } = setup();
    const file = join(work, 'kept');
    writeFileSync(file, 'same\n');
    setfacl('-m', 'u:4444:r', file);
    utimesSync(file, OLD, OLD);
    const before = lstatSync(file, { bigint: true });
    const snap = await store.capture({ paths: [file], label: 'before' });
    setfacl('-x', 'u:4444', file);
    const touched = new Date('2024-01-01T00:00:00Z');
    utimesSync(file, touched, touched);
    const r = await store.restore(snap.id);
    expect(r.changed).toEqual([file]);
    expect(getfacl(file)).toContain('user:4444:r--');
    const after = lstatSync(file, { bigint: true });
    expect(after.mtimeNs).toBe(before.mtimeNs);
    expect(after.atimeNs).not.toBe(before.atimeNs);
    await store.restore(snap.id, { atime: true });
    expect(lstatSync(file, { bigint: true }).atimeNs).toBe(before.atimeNs);
  });

  it('a directory: its default ACL, setgid mode and mtime come back', async () => {
    const { store, work } = setup();
    const dir = join(work, 'shared');
    execFileSync('mkdir', ['-m', '2775', dir]);
    setfacl('-d', '-m', 'g:4545:rwx', dir);
    utimesSync(dir, OLD, OLD);
    const acl = getfacl(dir);
    const tree = store.captureTree({ roots: [dir], label: 'tree', kind: 'manual' });
    setfacl('-k', dir);
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'new'), 'x');
    const r = await store.restore(tree.snapshot.id);
    expect(r.problems).toEqual([]);
    expect(getfacl(dir)).toBe(acl);
    expect(lstatSync(dir).mode & 0o7777).toBe(0o2775);
    // What was made inside stays (a tree snapshot restores what it recorded), and the directory's times come back after it.
    expect(lstatSync(dir).mtime.toISOString()).toBe(OLD.toISOString());
  });
});

describe.skipIf(!isRoot)('a re-snapshot of a tree records xattrs as they are now', () => {
  it('but records an xattr changed since (its ctime moved), and the restore brings back the first', async () => {
    const { store, work } = setup();
    const tree = join(work, 'tree');
    mkdirSync(tree);
    writeFileSync(join(tree, 'a'), 'a\n');
    writeFileSync(join(tree, 'b'), 'b\n');
    setXattr(join(tree, 'a'), 'user.v', 'one');
    setXattr(join(tree, 'b'), 'user.v', 'same');
    // Older than the clock's resolution when the first walk starts (what a re-snapshot's reuse of recorded attributes would key on).
    await new Promise((r) => setTimeout(r, 60));
    const first = store.captureTree({ roots: [tree], label: 'first', kind: 'manual' });
    setXattr(join(tree, 'a'), 'user.v', 'two');
    const second = store.captureTree({ roots: [tree], label: 'second', kind: 'manual' });
    const recorded = (id: string, name: string): string | null | undefined =>
      store.entries(id).find((e) => e.path === join(tree, name))?.xattrs;
    expect(recorded(second.snapshot.id, 'a')).toContain(Buffer.from('two').toString('base64'));
    expect(recorded(second.snapshot.id, 'b')).toBe(recorded(first.snapshot.id, 'b'));
    await store.restore(first.snapshot.id);
    expect(xattr(join(tree, 'a'), 'user.v')).toBe('one');
  });

  it("takes an unchanged file's xattrs from the file index, and reads them where the index has none", async () => {
    const { store, db, work } = setup();
    const tree = join(work, 'tree');
    mkdirSync(tree);
    writeFileSync(join(tree, 'a'), 'a\n');
    setXattr(join(tree, 'a'), 'user.v', 'kept');
    await new Promise((r) => setTimeout(r, 60));
    store.captureTree({ roots: [tree], label: 'first', kind: 'manual' });
    const indexed = (): unknown =>
      db.prepare('SELECT xattrs FROM file_index WHERE path = ?').pluck().get(join(tree, 'a'));
    const want = JSON.stringify([['user.v', Buffer.from('kept').toString('base64')]]);
    expect(indexed()).toBe(want);
    // An index row without xattrs (written by a store recording none): the next snapshot reads them from the file.
    db.prepare('UPDATE file_index SET xattrs = NULL').run();
    const second = store.captureTree({ roots: [tree], label: 'second', kind: 'manual' });
    expect(second.hashed).toBe(0);
    expect(store.entries(second.snapshot.id).find((e) => e.path === join(tree, 'a'))?.xattrs).toBe(want);
  });
});

describe.skipIf(!isRoot)('hard links', () => {
  it('fs.write writes a file with two names in place and says so; the rollback keeps the link, both names old', async () => {
    const { store, work } = setup();
    const a = join(work, 'a.conf');
    const b = join(work, 'b.conf');
    writeFileSync(a, 'old\n');
    linkSync(a, b);
    const p = await preview('fs.write', { path: a, content: 'new\n' });
    expect(p.summary).toMatch(/2 hard links: written in place/);
    const snap = await store.capture({ paths: [a], label: 'before' });
    ok(await run('fs.write', { path: a, content: 'new\n' }));
    expect(readFileSync(b, 'utf8')).toBe('new\n');
    expect(lstatSync(a).nlink).toBe(2);
    const r = await store.restore(snap.id);
    expect(r.problems).toEqual([]);
    expect(readFileSync(a, 'utf8')).toBe('old\n');
    expect(readFileSync(b, 'utf8')).toBe('old\n');
    expect(lstatSync(a).nlink).toBe(2);
    expect(lstatSync(a).ino).toBe(lstatSync(b).ino);
  });

  it('a tree snapshot holding both names links them again after one was replaced', async () => {
    const { store, work } = setup();
    const a = join(work, 'a');
    const b = join(work, 'b');
    writeFileSync(a, 'old\n');
    linkSync(a, b);
    const snap = store.captureTree({ roots: [work], label: 'tree', kind: 'manual' });
    writeFileSync(join(work, '.tmp'), 'replaced\n');
    renameSync(join(work, '.tmp'), a);
    expect(lstatSync(b).nlink).toBe(1);
    const r = await store.restore(snap.snapshot.id);
    expect(r.problems).toEqual([]);
    expect(lstatSync(a).ino).toBe(lstatSync(b).ino);
    expect(lstatSync(a).nlink).toBe(2);
    expect(readFileSync(a, 'utf8')).toBe('old\n');
  });

  it('names the link it cannot restore: the file was replaced and its other name is not in the snapshot', async () => {
    const { store, work } = setup();
    const a = join(work, 'a');
    writeFileSync(a, 'old\n');
    linkSync(a, join(work, 'elsewhere'));
    const snap = await store.capture({ paths: [a], label: 'before' });
    writeFileSync(join(work, '.tmp'), 'replaced\n');
    renameSync(join(work, '.tmp'), a);
    const r = await store.restore(snap.id);
    expect(readFileSync(a, 'utf8')).toBe('old\n');
    expect(r.problems).toEqual([expect.stringMatching(new RegExp(`^${a}: had 2 hard links; .*other name`))]);
  });
});

describe.skipIf(!isRoot)('what a restore cannot bring back', () => {
  it('an xattr the kernel refuses is named in the result, and everything else is restored', async () => {
    const { store, db, work } = setup();
    const file = join(work, 'f');
    writeFileSync(file, 'old\n');
    chmodSync(file, 0o644);
    const snap = await store.capture({ paths: [file], label: 'before' });
    // Made unrestorable on purpose: a recorded attribute in a namespace no kernel has.
    const row = db.prepare('SELECT xattrs FROM snapshot_entries WHERE snapshot_id = ?').get(snap.id) as {
      xattrs: string;
    };
    const recorded = JSON.parse(row.xattrs) as [string, string][];
    db.prepare('UPDATE snapshot_entries SET xattrs = ? WHERE snapshot_id = ?').run(
      JSON.stringify([...recorded, ['bogus.attr', Buffer.from('x').toString('base64')]]),
      snap.id,
    );
    writeFileSync(file, 'new\n');
    chmodSync(file, 0o600);
    const r = await store.restore(snap.id);
    expect(readFileSync(file, 'utf8')).toBe('old\n');
    expect(lstatSync(file).mode & 0o777).toBe(0o644);
    expect(r.problems).toEqual([
      expect.stringMatching(new RegExp(`^${file}: could not restore xattr bogus\\.attr \\(E`)),
    ]);
  });
});
