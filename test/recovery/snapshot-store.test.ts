import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/memory/database.js';
import {
  SnapshotBlobError,
  SnapshotNotFoundError,
  SnapshotRestoreError,
  SnapshotStore,
} from '../../src/recovery/snapshot-store.js';
import { ok, run, tempDir } from '../tools/helpers.js';
import { fingerprint } from '../tools/fingerprint.js';

const isRoot = process.getuid?.() === 0;
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

function setup(): { store: SnapshotStore; work: string; blobDir: string; dbFile: string } {
  const state = tempDir();
  const dbFile = join(state, 'state.db');
  const db = openDatabase(dbFile);
  dbs.push(db);
  const blobDir = join(state, 'blobs');
  return { store: new SnapshotStore(db, blobDir), work: tempDir(), blobDir, dbFile };
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

function blobFiles(blobDir: string): string[] {
  return readdirSync(blobDir)
    .filter((d) => d !== '.tmp')
    .flatMap((d) => readdirSync(join(blobDir, d)));
}

describe('SnapshotStore round trips', () => {
  it('undoes an overwrite, content and mode', async () => {
    const { store, work } = setup();
    const file = join(work, 'app.conf');
    writeFileSync(file, 'port=80\n');
    chmodSync(file, 0o640);
    const before = fingerprint([file]);
    const snap = await store.capture({ paths: [file], label: 'before fs.write' });
    ok(await run('fs.write', { path: file, content: 'port=8080\n', mode: '600' }));
    expect(fingerprint([file])).not.toEqual(before);
    const r = await store.restore(snap.id);
    expect(r.restored).toEqual([file]);
    expect(fingerprint([file])).toEqual(before);
  });

  it('removes a file that the step created', async () => {
    const { store, work } = setup();
    const file = join(work, 'new.conf');
    const snap = await store.capture({ paths: [file], label: 'before create' });
    ok(await run('fs.write', { path: file, content: 'hello' }));
    await store.restore(snap.id);
    expect(existsSync(file)).toBe(false);
  });

  it('brings back a deleted file with its mode', async () => {
    const { store, work } = setup();
    const file = join(work, 'id_rsa');
    writeFileSync(file, 'PRIVATE KEY');
    chmodSync(file, 0o600);
    const before = fingerprint([file]);
    const snap = await store.capture({ paths: [file], label: 'before delete' });
    ok(await run('fs.delete', { path: file }));
    await store.restore(snap.id);
    expect(fingerprint([file])).toEqual(before);
  });

  it("undoes a chmod, and restores a directory's mode", async () => {
    const { store, work } = setup();
    const file = join(work, 'script.sh');
    const dir = join(work, 'conf.d');
    writeFileSync(file, '#!/bin/sh\n');
    chmodSync(file, 0o755);
    mkdirSync(dir);
    chmodSync(dir, 0o750);
    const before = fingerprint([file, dir]);
    const snap = await store.capture({ paths: [file, dir], label: 'before chmod' });
    chmodSync(file, 0o777);
    chmodSync(dir, 0o700);
    await store.restore(snap.id);
    expect(fingerprint([file, dir])).toEqual(before);
  });

  it('restores a symbolic link as a link, without following it', async () => {
    const { store, work } = setup();
    const target = join(work, 'real');
    const link = join(work, 'current');
    writeFileSync(target, 'v1');
    symlinkSync('real', link);
    const before = fingerprint([link, target]);
    const snap = await store.capture({ paths: [link], label: 'before unlink' });
    expect(store.entries(snap.id)).toEqual([
      expect.objectContaining({ type: 'symlink', linkTarget: 'real', sha256: null }),
    ]);
    ok(await run('fs.delete', { path: link }));
    writeFileSync(link, 'a regular file now');
    await store.restore(snap.id);
    expect(fingerprint([link, target])).toEqual(before);
  });

  it.skipIf(!isRoot)('restores the owner when running as root', async () => {
    const { store, work } = setup();
    const file = join(work, 'owned');
    writeFileSync(file, 'x');
    chownSync(file, 1234, 5678);
    const snap = await store.capture({ paths: [file], label: 'owner' });
    unlinkSync(file);
    writeFileSync(file, 'y');
    expect(lstatSync(file).uid).toBe(0);
    await store.restore(snap.id);
    expect([lstatSync(file).uid, lstatSync(file).gid]).toEqual([1234, 5678]);
  });

  it('restores several paths of mixed kinds at once and records when', async () => {
    const { store, work } = setup();
    const a = join(work, 'a');
    const b = join(work, 'b');
    const c = join(work, 'c');
    writeFileSync(a, 'A');
    writeFileSync(b, 'B');
    const paths = [a, b, c];
    const before = fingerprint(paths);
    const snap = await store.capture({ paths, label: 'three', goalId: 'g1', stepId: 's1' });
    expect(snap).toMatchObject({ label: 'three', goalId: 'g1', stepId: 's1', paths, restoredAt: null });
    ok(await run('fs.write', { path: a, content: 'A2' }));
    ok(await run('fs.delete', { path: b }));
    ok(await run('fs.write', { path: c, content: 'C' }));
    const r = await store.restore(snap.id);
    expect(fingerprint(paths)).toEqual(before);
    expect(r.snapshot.restoredAt).not.toBeNull();
    expect(store.get(snap.id)?.restoredAt).toBe(r.snapshot.restoredAt);
  });

  it('keeps snapshots across a daemon restart and lists newest first', async () => {
    const { store, work, blobDir, dbFile } = setup();
    const file = join(work, 'f');
    writeFileSync(file, 'one');
    const first = await store.capture({ paths: [file], label: 'first' });
    const second = await store.capture({ paths: [file], label: 'second' });
    expect(store.list().map((s) => s.id)).toEqual([second.id, first.id]);
    expect(store.list(1)).toHaveLength(1);

    const reopened = openDatabase(dbFile);
    dbs.push(reopened);
    const again = new SnapshotStore(reopened, blobDir);
    writeFileSync(file, 'two');
    await again.restore(first.id);
    expect(readFileSync(file, 'utf8')).toBe('one');
  });
});

describe('SnapshotStore blobs', () => {
  it('stores content shared by two snapshots once, named by its sha256', async () => {
    const { store, work, blobDir } = setup();
    const x = join(work, 'x');
    const y = join(work, 'y');
    writeFileSync(x, 'same bytes');
    writeFileSync(y, 'same bytes');
    await store.capture({ paths: [x], label: 'one' });
    await store.capture({ paths: [y], label: 'two' });
    const hash = sha256('same bytes');
    expect(blobFiles(blobDir)).toEqual([hash]);
    expect(readFileSync(join(blobDir, hash.slice(0, 2), hash), 'utf8')).toBe('same bytes');
    expect(readdirSync(join(blobDir, '.tmp'))).toEqual([]);
  });

  it('refuses a corrupted blob and leaves every target as it was', async () => {
    const { store, work, blobDir } = setup();
    const good = join(work, 'good');
    const bad = join(work, 'bad');
    writeFileSync(good, 'good original');
    writeFileSync(bad, 'bad original');
    const snap = await store.capture({ paths: [good, bad], label: 'pair' });
    writeFileSync(good, 'good changed');
    writeFileSync(bad, 'bad changed');
    const after = fingerprint([good, bad]);
    const hash = sha256('bad original');
    writeFileSync(join(blobDir, hash.slice(0, 2), hash), 'tampered');

    await expect(store.restore(snap.id)).rejects.toThrow(SnapshotBlobError);
    await expect(store.restore(snap.id)).rejects.toThrow(`the saved content of ${bad} is corrupted`);
    expect(fingerprint([good, bad])).toEqual(after);
    expect(readdirSync(work).sort()).toEqual(['bad', 'good']);
    expect(store.get(snap.id)?.restoredAt).toBeNull();
  });

  it('says which path lost its blob when one is missing', async () => {
    const { store, work, blobDir } = setup();
    const file = join(work, 'f');
    writeFileSync(file, 'content');
    const snap = await store.capture({ paths: [file], label: 'x' });
    rmSync(join(blobDir, sha256('content').slice(0, 2)), { recursive: true });
    writeFileSync(file, 'changed');
    await expect(store.restore(snap.id)).rejects.toThrow(
      `the saved content of ${file} is missing from the snapshot store`,
    );
    expect(readFileSync(file, 'utf8')).toBe('changed');
  });
});

describe('SnapshotStore failures', () => {
  it('names an unknown snapshot and how to list them', async () => {
    const { store } = setup();
    await expect(store.restore('01NOPE')).rejects.toThrow(SnapshotNotFoundError);
    await expect(store.restore('01NOPE')).rejects.toThrow(`no snapshot "01NOPE"; list them with 'aios snapshots'`);
    expect(store.get('01NOPE')).toBeUndefined();
  });

  it('changes nothing when one path cannot be restored (a directory stands in its place)', async () => {
    const { store, work } = setup();
    const a = join(work, 'a');
    const b = join(work, 'b');
    writeFileSync(a, 'A');
    writeFileSync(b, 'B');
    const snap = await store.capture({ paths: [a, b], label: 'x' });
    writeFileSync(a, 'A changed');
    unlinkSync(b);
    mkdirSync(b);
    const after = fingerprint([a, b]);
    await expect(store.restore(snap.id)).rejects.toThrow(SnapshotRestoreError);
    await expect(store.restore(snap.id)).rejects.toThrow(`cannot restore ${b}: a directory is there now`);
    expect(fingerprint([a, b])).toEqual(after);
    expect(readdirSync(work).sort()).toEqual(['a', 'b']);
  });

  it('refuses relative paths and things it cannot bring back', async () => {
    const { store, work } = setup();
    await expect(store.capture({ paths: ['etc/passwd'], label: 'x' })).rejects.toThrow(
      'snapshot paths must be absolute, got "etc/passwd"',
    );
    const fifo = join(work, 'pipe');
    execFileSync('mkfifo', [fifo]);
    await expect(store.capture({ paths: [fifo], label: 'x' })).rejects.toThrow(
      `cannot snapshot ${fifo}: it is not a file, directory or symbolic link`,
    );
    expect(store.list()).toEqual([]);
  });
});
