// A restore is all or nothing even across kill -9: the daemon is stopped dead in the middle of
// a restore (a failpoint freezes it there, then SIGKILL), started again, and the files are
// either all as in the snapshot (it was committing: finished) or all as before (it was still
// staging: undone). Never a mix, and no temp files left behind.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { aiosBin, disposeTestDaemon, repoRoot, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { fingerprintTree } from '../tools/fingerprint.js';

let d: TestDaemon | undefined;
afterEach(async () => {
  await disposeTestDaemon(d);
  d = undefined;
});

const FILES = 12;
const failpointDaemon = join(repoRoot, 'test', 'helpers', 'failpoint-daemon.mjs');

function tree(root: string, files = FILES): void {
  mkdirSync(root, { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(join(root, `f${String(i).padStart(2, '0')}.conf`), `original ${i}\n`);
}

function tamper(root: string, files = FILES): void {
  for (let i = 0; i < files; i++) writeFileSync(join(root, `f${String(i).padStart(2, '0')}.conf`), `changed ${i}\n`);
}

async function waitFor(path: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (existsSync(path)) return;
    await sleep(25);
  }
  throw new Error(`${path} never appeared`);
}

/** Starts a daemon that will freeze at the failpoint, snapshots a tree, changes it, restores, kills -9. */
async function crashMidRestore(
  failpoint: string,
  files = FILES,
  spareFiles = 0,
): Promise<{
  root: string;
  original: Record<string, string>;
  changed: Record<string, string>;
  midway: Record<string, string>;
  spareInodes: Set<number>;
  stagedInodes: number[];
}> {
  const dir = mkdtempSync(join(tmpdir(), 'aios-crash-'));
  const marker = join(dir, 'frozen');
  if (spareFiles > 0) writeFileSync(join(dir, 'config.toml'), `[recovery]\nspare_files = ${spareFiles}\n`);
  // The tests' own entry arms the failpoint; bin/aios.js cannot (see failpoints.ts).
  d = await startTestDaemon({ dir, argv: [failpointDaemon, failpoint, marker] });
  const root = join(dir, 'tree');
  tree(root, files);
  const original = fingerprintTree(root);
  const client = await d.client();
  const snap = await client.call('snapshot/create', { paths: [root] });
  tamper(root, files);
  const changed = fingerprintTree(root);
  // The daemon fills its pool after it starts; a restore uses what is there.
  await poolFilled(d.stateDir, spareFiles);
  const spareInodes = new Set(spares(d.stateDir).map((p) => lstatSync(p).ino));
  const restoring = client.call('snapshot/restore', { snapshotId: snap.snapshot.id }).then(
    () => 'returned',
    () => 'connection lost',
  );
  await waitFor(marker);
  const exited = new Promise((r) => d?.proc.once('exit', r));
  d.proc.kill('SIGKILL');
  await exited;
  expect(await restoring).toBe('connection lost');
  client.close();
  const midway = fingerprintTree(root);
  const stagedInodes = readdirSync(root)
    .filter((n) => n.includes('.aios-restore-'))
    .map((n) => lstatSync(join(root, n)).ino);
  d.argv = [aiosBin, 'daemon'];
  await d.restart();
  return { root, original, changed, midway, spareInodes, stagedInodes };
}

const spareDir = (stateDir: string): string => join(stateDir, 'snapshots', '.spare');
/** The pool's entries: spare files (16 hex digits) and spare directories ('d' and 16 hex digits). */
const spares = (stateDir: string): string[] =>
  existsSync(spareDir(stateDir)) ? readdirSync(spareDir(stateDir)).map((n) => join(spareDir(stateDir), n)) : [];
const spareFilesIn = (stateDir: string): string[] => spares(stateDir).filter((p) => /\/[0-9a-f]{16}$/.test(p));
const spareDirsIn = (stateDir: string): string[] => spares(stateDir).filter((p) => /\/d[0-9a-f]{16}$/.test(p));

/** Waits for the pool aiosd fills after it starts: the files and a sixth as many directories. */
async function poolFilled(stateDir: string, files: number): Promise<void> {
  for (let i = 0; i < 400 && spares(stateDir).length < files + Math.ceil(files / 6); i++) await sleep(25);
}

const temps = (root: string): string[] => readdirSync(root).filter((n) => n.includes('.aios-restore-'));

function journalRows(stateDir: string): number {
  const db = new Database(join(stateDir, 'aios.db'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM restore_journal').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('an interrupted restore', () => {
  it('killed while committing, is finished when aiosd starts again', async () => {
    const { root, original, changed, midway } = await crashMidRestore('restore.commit:3');
    // Killed part way: some files were already back, the rest still changed, their temps staged.
    const back = Object.keys(midway).filter((p) => midway[p] === original[p] && original[p] !== changed[p]);
    expect(back).toHaveLength(3);
    expect(fingerprintTree(root)).toEqual(original);
    expect(temps(root)).toEqual([]);
    expect(d?.log()).toMatch(/finished the interrupted restore of snapshot \w+ \(12 change\(s\)\)/);
    expect(journalRows(d?.stateDir ?? '')).toBe(0);
    const client = await d?.client();
    expect((await client?.call('audit/verify', {}))?.ok).toBe(true);
    client?.close();
  });

  it('killed while still staging, is undone: every file stays as it was before the restore', async () => {
    const { root, changed, midway } = await crashMidRestore('restore.stage:5');
    expect(Object.entries(midway).filter(([p]) => !p.includes('.aios-restore-'))).toEqual(Object.entries(changed));
    expect(fingerprintTree(root)).toEqual(changed);
    expect(temps(root)).toEqual([]);
    expect(d?.log()).toMatch(/undid the interrupted restore of snapshot \w+: it had not changed anything yet/);
    expect(journalRows(d?.stateDir ?? '')).toBe(0);
  });

  it('killed while staging a larger set (several files staged at once, one sync for all), is undone', async () => {
    const { root, changed, midway } = await crashMidRestore('restore.stage:30', 60);
    // Stopped with many temps staged beside their targets, none renamed yet.
    expect(Object.keys(midway).filter((p) => p.includes('.aios-restore-')).length).toBeGreaterThanOrEqual(29);
    expect(Object.entries(midway).filter(([p]) => !p.includes('.aios-restore-'))).toEqual(Object.entries(changed));
    expect(fingerprintTree(root)).toEqual(changed);
    expect(temps(root)).toEqual([]);
    expect(journalRows(d?.stateDir ?? '')).toBe(0);
  });

  it('killed while staging with spare files linked in as temps, is undone, and every spare left is still a clean one', async () => {
    const { root, changed, spareInodes, stagedInodes } = await crashMidRestore('restore.stage:30', 60, 100);
    // Stopped with temps staged beside their targets, each one a spare (there were enough for all).
    expect(stagedInodes.length).toBeGreaterThan(0);
    expect(stagedInodes.filter((ino) => !spareInodes.has(ino))).toEqual([]);
    expect(fingerprintTree(root)).toEqual(changed);
    expect(temps(root)).toEqual([]);
    expect(journalRows(d?.stateDir ?? '')).toBe(0);
    for (const p of spareFilesIn(d?.stateDir ?? ''))
      expect(lstatSync(p)).toMatchObject({ size: 0, nlink: 1, mode: 0o100600 });
    for (const p of spareDirsIn(d?.stateDir ?? '')) expect(readdirSync(p)).toEqual([]);
  });

  it('killed while committing a restore that used spare files, is finished', async () => {
    const { root, original, midway, spareInodes } = await crashMidRestore('restore.commit:3', 60, 100);
    expect(Object.keys(midway).filter((p) => p.includes('.aios-restore-')).length).toBe(57);
    expect(fingerprintTree(root)).toEqual(original);
    expect(temps(root)).toEqual([]);
    expect(readdirSync(root).filter((n) => spareInodes.has(lstatSync(join(root, n)).ino))).toHaveLength(60);
    expect(journalRows(d?.stateDir ?? '')).toBe(0);
    // Started again, aiosd fills its pool back up.
    await poolFilled(d?.stateDir ?? '', 100);
    expect(spareFilesIn(d?.stateDir ?? '')).toHaveLength(100);
    expect(spares(d?.stateDir ?? '')).toHaveLength(117);
  });

  it('cannot be armed in a production aiosd: the old environment variables do nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aios-crash-'));
    d = await startTestDaemon({
      dir,
      env: { AIOS_FAILPOINT: 'restore.stage:1', AIOS_FAILPOINT_MARKER: join(dir, 'frozen') },
    });
    const root = join(dir, 'tree');
    tree(root);
    const original = fingerprintTree(root);
    const client = await d.client();
    const snap = await client.call('snapshot/create', { paths: [root] });
    tamper(root);
    const restored = await client.call('snapshot/restore', { snapshotId: snap.snapshot.id });
    client.close();
    expect(restored.problems).toEqual([]);
    expect(fingerprintTree(root)).toEqual(original);
    expect(existsSync(join(dir, 'frozen'))).toBe(false);
  });
});
