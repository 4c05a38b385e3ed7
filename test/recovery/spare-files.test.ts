// Spare inodes for restores (src/recovery/spare-files.ts), with real files: a restore of a deleted
// tree links spares in instead of creating files, and the result is the same tree (content,
// modes, owners); the pool fills again; spares on another filesystem, tampered spares, an
// existing temp name, a setgid directory and SELinux are each handled without using a spare
// wrongly.
import {
  chmodSync,
  chownSync,
  closeSync,
  openSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/memory/database.js';
import type { SparePoolOptions } from '../../src/recovery/spare-files.js';
import { SnapshotStore } from '../../src/recovery/snapshot-store.js';
import { fingerprintTree } from '../tools/fingerprint.js';
import { tempDir } from '../tools/helpers.js';

const isRoot = process.geteuid?.() === 0;
const dbs: Db[] = [];
const shmDirs: string[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const d of shmDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(spares: SparePoolOptions, blobParent = tempDir()): { store: SnapshotStore; spareDir: string; db: Db } {
  const db = openDatabase(join(tempDir(), 'aios.db'));
  dbs.push(db);
  const store = new SnapshotStore(db, join(blobParent, 'blobs'), [], spares);
  return { store, spareDir: join(blobParent, 'blobs', '.spare'), db };
}

/** More files than one batch that fsyncs each (16), in nested directories, with several modes and owners. */
function makeTree(root: string, files: number): void {
  for (let i = 0; i < files; i++) {
    const dir = join(root, `d${i % 4}`, i % 3 === 0 ? 'conf.d' : '');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `f${i}.conf`);
    writeFileSync(file, `setting_${i} = ${'x'.repeat(i * 37)}\n`);
    chmodSync(file, [0o644, 0o600, 0o755, 0o640][i % 4] as number);
    if (isRoot && i % 5 === 0) chownSync(file, 1234, 5678);
  }
  if (isRoot) chmodSync(join(root, 'd1', 'f1.conf'), 0o4755);
  symlinkSync('d0/f0.conf', join(root, 'current'));
}

/** Makes a tree, snapshots it, deletes it and restores it: it must come back exactly. */
async function deleteAndRestore(store: SnapshotStore, files: number, parent = tempDir()): Promise<string> {
  const root = join(parent, 'etc');
  makeTree(root, files);
  const before = fingerprintTree(root);
  const snap = store.captureTree({ roots: [root], label: 'before', kind: 'manual' });
  rmSync(root, { recursive: true });
  expect((await store.restore(snap.snapshot.id)).problems).toEqual([]);
  expect(fingerprintTree(root)).toEqual(before);
  return root;
}

const inodes = (dir: string): Set<number> => new Set(readdirSync(dir).map((n) => lstatSync(join(dir, n)).ino));

/** The files (or the directories, root included) under root. */
function under(root: string, kind: 'files' | 'dirs' = 'files'): string[] {
  const out: string[] = kind === 'dirs' ? [root] : [];
  const walk = (p: string): void => {
    for (const name of readdirSync(p)) {
      const full = join(p, name);
      const st = lstatSync(full);
      if (st.isDirectory()) {
        if (kind === 'dirs') out.push(full);
        walk(full);
      } else if (st.isFile() && kind === 'files') {
        out.push(full);
      }
    }
  };
  walk(root);
  return out;
}
const filesUnder = (root: string): string[] => under(root);
// Spare files are named by 16 hex digits, spare directories by a 'd' and 16 hex digits.
const spareFiles = (spareDir: string): string[] =>
  readdirSync(spareDir)
    .filter((n) => n.length === 16)
    .map((n) => join(spareDir, n));
const spareDirs = (spareDir: string): string[] =>
  readdirSync(spareDir)
    .filter((n) => n.length === 17)
    .map((n) => join(spareDir, n));

describe('spare files for restores', () => {
  it('a restore of a deleted tree links spares in, and the tree comes back exactly; then the pool fills again', async () => {
    const { store, spareDir } = setup({ target: 100 });
    await store.spares.refill();
    // A sixth as many directories as files.
    expect(store.spares.stats()).toMatchObject({ ready: 100, readyDirs: 17, made: 117 });
    expect(spareFiles(spareDir)).toHaveLength(100);
    for (const p of spareFiles(spareDir)) expect(lstatSync(p)).toMatchObject({ size: 0, mode: 0o100600, nlink: 1 });
    for (const p of spareDirs(spareDir)) expect(lstatSync(p)).toMatchObject({ mode: 0o40700, nlink: 2 });
    expect(spareDirs(spareDir)).toHaveLength(17);
    expect(statSync(spareDir).mode & 0o777).toBe(0o700);
    const spareInodes = inodes(spareDir);

    const root = await deleteAndRestore(store, 60);
    // Every restored file and directory is one of the spares' inodes; each file linked only where it belongs.
    const restored = filesUnder(root);
    expect(restored).toHaveLength(60);
    for (const f of restored) {
      expect(spareInodes.has(lstatSync(f).ino)).toBe(true);
      expect(lstatSync(f).nlink).toBe(1);
    }
    const dirs = under(root, 'dirs');
    expect(dirs).toHaveLength(9);
    for (const d of dirs) expect(spareInodes.has(lstatSync(d).ino)).toBe(true);
    expect(store.spares.stats()).toMatchObject({ used: 60, usedDirs: 9, discarded: 0 });
    expect(readdirSync(spareDir).filter((n) => spareInodes.has(lstatSync(join(spareDir, n)).ino))).toHaveLength(40 + 8);
    // No temps left beside the targets.
    expect(filesUnder(root).filter((p) => p.includes('.aios-restore-'))).toEqual([]);

    // The restore's end starts the refill; wait for it.
    await store.spares.refill();
    expect(store.spares.stats()).toMatchObject({ ready: 100, readyDirs: 17, made: 117 + 69 });
    expect(readdirSync(spareDir)).toHaveLength(117);
  });

  it('fills in the background after a restore that used spares, without being asked', async () => {
    const { store, spareDir } = setup({ target: 40 });
    await store.spares.refill();
    await deleteAndRestore(store, 30);
    expect(store.spares.stats().used).toBe(30);
    for (let i = 0; i < 200 && readdirSync(spareDir).length < 40 + 7; i++) await sleep(25);
    expect(spareFiles(spareDir)).toHaveLength(40);
    expect(spareDirs(spareDir)).toHaveLength(7);
  });

  it('ignores a pool on another filesystem and creates the files as usual', async (ctx) => {
    const tree = tempDir();
    let shm: string;
    try {
      shm = mkdtempSync('/dev/shm/aios-spare-');
    } catch {
      ctx.skip();
      return;
    }
    shmDirs.push(shm);
    if (statSync(shm).dev === statSync(tree).dev) ctx.skip();
    const { store } = setup({ target: 50 }, shm);
    await store.spares.refill();
    await deleteAndRestore(store, 30, tree);
    expect(store.spares.stats()).toMatchObject({ ready: 50, readyDirs: 9, used: 0, usedDirs: 0 });
  });

  it('discards a spare that is not empty, has the wrong mode or owner, or is linked elsewhere, and never writes through it', async () => {
    const { store, spareDir } = setup({ target: 20 });
    await store.spares.refill();
    const names = spareFiles(spareDir).sort();
    const [written, loose, otherOwner, linked] = names as [string, string, string, string];
    // Directories: one not empty, one not private.
    const [full, open] = spareDirs(spareDir) as [string, string];
    writeFileSync(join(full, 'planted'), 'x');
    chmodSync(open, 0o755);
    writeFileSync(written, 'left here by someone\n');
    chmodSync(loose, 0o644);
    if (isRoot) chownSync(otherOwner, 1234, 1234);
    const elsewhere = join(tempDir(), 'second-name');
    linkSync(linked, elsewhere);
    const tampered = new Set([written, loose, linked, ...(isRoot ? [otherOwner] : [])].map((p) => lstatSync(p).ino));
    // Held open, so that a discarded spare's inode number cannot be reused by a file created instead.
    const held = names.slice(0, 4).map((p) => openSync(p, 'r'));

    // More files than spares: every spare is looked at.
    const root = await deleteAndRestore(store, 30);
    expect(store.spares.stats()).toMatchObject({ discarded: tampered.size + 2, used: 20 - tampered.size, usedDirs: 2 });
    for (const f of filesUnder(root)) expect(tampered.has(lstatSync(f).ino)).toBe(false);
    for (const fd of held) closeSync(fd);
    // The second name still holds only what it held: nothing restored went through it.
    expect(readFileSync(elsewhere, 'utf8')).toBe('');
    for (const p of [written, loose, linked, full, open]) expect(() => lstatSync(p)).toThrow(/ENOENT/);
    expect(under(root, 'dirs').flatMap((d) => readdirSync(d))).not.toContain('planted');
  });

  it('never replaces what is at the temp name, and keeps the spare', async () => {
    const { store } = setup({ target: 3 });
    await store.spares.refill();
    const dir = tempDir();
    const planted = join(dir, '.target.aios-restore-planted');
    symlinkSync('/etc/passwd', planted);
    const use = store.spares.forRestore();
    await expect(use?.file(planted, true)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(lstatSync(planted).isSymbolicLink()).toBe(true);
    expect(store.spares.stats()).toMatchObject({ ready: 3, used: 0 });
    // A setgid directory gives new files its group; a spare would not, so none is used there unless the restore sets the owner.
    const shared = join(dir, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o2775);
    expect(await use?.file(join(shared, '.x.aios-restore-1'), false)).toBeNull();
    expect(await use?.dir(join(shared, 'sub1'), false)).toBe(false);
    expect(await use?.dir(join(shared, 'sub2'), true)).toBe(true);
    const fh = await use?.file(join(shared, '.x.aios-restore-2'), true);
    expect(fh).not.toBeNull();
    await fh?.close();
  });

  it('is off where SELinux is on: a moved inode keeps the label of where it was made', async () => {
    const enforce = join(tempDir(), 'enforce');
    writeFileSync(enforce, '1\n');
    const said: string[] = [];
    const { store, spareDir } = setup({ target: 10, selinuxFile: enforce, log: (line) => said.push(line) });
    expect(store.spares.off).toMatch(/SELinux is enforcing/);
    await store.spares.refill();
    expect(said).toEqual([expect.stringMatching(/^spare files for restores are off: SELinux is enforcing/)]);
    // Permissive too: the labels would be wrong the day it is switched to enforcing.
    writeFileSync(enforce, '0\n');
    expect(setup({ target: 10, selinuxFile: enforce }).store.spares.off).toMatch(/SELinux is permissive/);
    expect(() => readdirSync(spareDir)).toThrow(/ENOENT/);
    await deleteAndRestore(store, 20);
    expect(store.spares.stats().used).toBe(0);
  });

  it('a restore that fails part way (a corrupted blob) removes the spares it linked in and the directories it renamed in', async () => {
    const { store, db } = setup({ target: 100 });
    await store.spares.refill();
    const root = join(tempDir(), 'etc');
    makeTree(root, 60);
    const snap = store.captureTree({ roots: [root], label: 'before', kind: 'manual' });
    const last = store
      .entries(snap.snapshot.id)
      .filter((e) => e.type === 'file')
      .at(-1);
    db.prepare('UPDATE blobs SET data = ? WHERE sha256 = ?').run(Buffer.from('corrupted'), last?.sha256);
    rmSync(root, { recursive: true });
    await expect(store.restore(snap.snapshot.id)).rejects.toThrow(/corrupted/);
    // As before the restore: the tree is not there, nothing half-made is.
    expect(() => lstatSync(root)).toThrow(/ENOENT/);
    expect(store.spares.stats().usedDirs).toBe(9);
    expect(store.spares.stats().used).toBeGreaterThan(0);
  });

  it('with spare_files = 0, removes the spares left from before', async () => {
    const parent = tempDir();
    const first = setup({ target: 15 }, parent);
    await first.store.spares.refill();
    expect(readdirSync(first.spareDir)).toHaveLength(15 + 3);
    const second = setup({ target: 0 }, parent);
    await second.store.spares.refill();
    expect(readdirSync(second.spareDir)).toEqual([]);
  });
});
