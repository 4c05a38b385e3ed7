// Recovery benchmarks: snapshot and restore of a 5,000-file tree shaped like /etc (old mtimes,
// user.* xattrs and ACLs on some files), against copying the same tree with cp -a (a full
// snapshot, a restore) and a bare lstat walk (an unchanged re-snapshot), and against the same
// store recording no metadata (the path before schema 6); then the audit ledger
// (bench/audit.ts). Medians of a few runs each.
// The whole-tree restore is timed twice a run: with the spare-file pool filled first (as aiosd
// keeps it) and with no spares (files created as the restore goes).
import { execFileSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase, type Db } from '../src/memory/database.js';
import { setXattr } from '../src/recovery/fs-meta.js';
import { SnapshotStore } from '../src/recovery/snapshot-store.js';
import { auditBenchmarks } from './audit.js';
import { fmt, median, type Row } from './stats.js';

const FILES = 5000;
const RUNS = Number(process.env['BENCH_RECOVERY_RUNS'] ?? 3);
/** [recovery] spare_files's default. */
const SPARE_FILES = 6000;

/** Like /etc: a few hundred directories, mostly small text files, a few larger ones, some links. */
export function makeEtcLikeTree(root: string, files = FILES): void {
  for (let i = 0; i < files; i++) {
    const dir = join(root, `d${i % 250}`, i % 3 === 0 ? 'conf.d' : '');
    mkdirSync(dir, { recursive: true });
    const size = i % 100 === 0 ? 64 * 1024 : 200 + ((i * 7919) % 3800);
    writeFileSync(
      join(dir, `file${i}.conf`),
      `# file ${i}\n${'option = value\n'.repeat(Math.ceil(size / 15))}`.slice(0, size),
    );
  }
  for (let i = 0; i < 100; i++)
    symlinkSync(`../d${(i + 1) % 250}/file${(i + 1) % 250}.conf`, join(root, `d${i}`, `link${i}`));
}

function timeMs(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function lstatWalk(path: string): number {
  const st = lstatSync(path);
  if (!st.isDirectory()) return 1;
  return 1 + readdirSync(path).reduce((n, name) => n + lstatWalk(join(path, name)), 0);
}

/** A POSIX ACL as the kernel stores it in system.posix_acl_access: user::rw- user:4444:rw- group::r-- mask::rw- other::r--. */
function aclXattr(): Buffer {
  const entries: [number, number, number][] = [
    [0x01, 6, 0xffffffff],
    [0x02, 6, 4444],
    [0x04, 4, 0xffffffff],
    [0x10, 6, 0xffffffff],
    [0x20, 4, 0xffffffff],
  ];
  const b = Buffer.alloc(4 + entries.length * 8);
  b.writeUInt32LE(2, 0);
  entries.forEach(([tag, perm, id], i) => {
    b.writeUInt16LE(tag, 4 + i * 8);
    b.writeUInt16LE(perm, 6 + i * 8);
    b.writeUInt32LE(id, 8 + i * 8);
  });
  return b;
}

/** What an /etc carries beyond bytes: old mtimes everywhere, a user.* xattr on every 10th file, an ACL on every 50th. */
function addMetadata(root: string, files = FILES): void {
  const old = new Date('2023-04-05T06:07:08Z');
  const acl = aclXattr();
  for (let i = 0; i < files; i++) {
    const path = join(root, `d${i % 250}`, i % 3 === 0 ? 'conf.d' : '', `file${i}.conf`);
    if (i % 10 === 0) setXattr(path, 'user.origin', Buffer.from(`package-${i % 40}`));
    if (i % 50 === 0) setXattr(path, 'system.posix_acl_access', acl);
    utimesSync(path, old, old);
  }
}

/** A fresh tree with its metadata, aged past the clock's resolution (files changed within it are hashed again). */
async function freshTree(tree: string): Promise<void> {
  rmSync(tree, { recursive: true, force: true });
  makeEtcLikeTree(tree);
  addMetadata(tree);
  await sleep(100);
}

type Timings = Record<'full' | 'again' | 'restoreAll' | 'restoreFew', number[]>;
const timings = (): Timings => ({ full: [], again: [], restoreAll: [], restoreFew: [] });

/**
 * One store's round: full snapshot, unchanged re-snapshot, restore after 1% changed, restore after
 * the whole tree was deleted (no spare files). `metadata: false` is the path before snapshots
 * recorded times, xattrs and links: the baseline of the "with metadata ÷ without" rows.
 */
async function round(
  dir: string,
  tree: string,
  name: string,
  metadata: boolean,
  t: Timings,
  run: number,
): Promise<{ id: string; db: Db }> {
  const db = openDatabase(join(dir, name, 'aios.db'));
  const store = new SnapshotStore(db, join(dir, name, 'blobs'), [], { target: 0 }, { metadata });
  let id = '';
  t.full.push(
    timeMs(() => {
      id = store.captureTree({ roots: [tree], label: 'bench', kind: 'manual' }).snapshot.id;
    }),
  );
  t.again.push(timeMs(() => store.captureTree({ roots: [tree], label: 'bench again', kind: 'manual' })));
  for (let i = 0; i < FILES; i += 100)
    writeFileSync(join(tree, `d${i % 250}`, i % 3 === 0 ? 'conf.d' : '', `file${i}.conf`), `changed ${run}\n`);
  const t1 = process.hrtime.bigint();
  await store.restore(id);
  t.restoreFew.push(Number(process.hrtime.bigint() - t1) / 1e6);
  rmSync(tree, { recursive: true, force: true });
  const t2 = process.hrtime.bigint();
  await store.restore(id);
  t.restoreAll.push(Number(process.hrtime.bigint() - t2) / 1e6);
  return { id, db };
}

/** `audit: false` runs the snapshot part alone (see bench/recovery-alone.mjs). */
export async function recoveryBenchmarks(
  rows: Row[],
  results: Record<string, unknown>,
  opts: { audit?: boolean } = {},
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aios-bench-recovery-'));
  try {
    const tree = join(dir, 'etc');
    const copy: number[] = [];
    const walk: number[] = [];
    const restoreSpared: number[] = [];
    const spareUse: { files: number; dirs: number }[] = [];
    const withMeta = timings();
    const without = timings();
    for (let run = 0; run < RUNS; run++) {
      // Which path goes first alternates between runs; each starts from a fresh tree with its metadata.
      for (const metadata of run % 2 === 0 ? [true, false] : [false, true]) {
        await freshTree(tree);
        if (metadata) {
          copy.push(timeMs(() => execFileSync('cp', ['-a', tree, join(dir, `copy${run}`)])));
          rmSync(join(dir, `copy${run}`), { recursive: true, force: true });
          walk.push(timeMs(() => lstatWalk(tree)));
        }
        const r = await round(
          dir,
          tree,
          `state${run}${metadata ? 'm' : 'p'}`,
          metadata,
          metadata ? withMeta : without,
          run,
        );
        if (metadata) {
          // aiosd's steady state: the tree gone again, and the spare-file pool filled before.
          const spared = new SnapshotStore(r.db, join(dir, `state${run}m`, 'blobs'), [], { target: SPARE_FILES });
          await spared.spares.refill();
          rmSync(tree, { recursive: true, force: true });
          const t = process.hrtime.bigint();
          await spared.restore(r.id);
          restoreSpared.push(Number(process.hrtime.bigint() - t) / 1e6);
          spareUse.push({ files: spared.spares.stats().used, dirs: spared.spares.stats().usedDirs });
          await spared.spares.stop();
        }
        r.db.close();
        await sleep(100);
      }
    }
    const { full, again, restoreAll, restoreFew } = withMeta;
    const entries = lstatWalk(tree);
    results['recovery'] = {
      files: FILES,
      entries,
      copy,
      walk,
      full,
      again,
      restoreAll,
      restoreSpared,
      spareUse,
      restoreFew,
      withoutMetadata: without,
    };
    const m = (xs: number[]): number => median(xs);
    rows.push({
      name: `snapshot of a ${FILES}-file /etc-like tree, full (median ms)`,
      value: fmt(m(full)),
      baseline: `cp -a: ${fmt(m(copy))}`,
      ratio: `${fmt(m(full) / m(copy), 2)}×`,
      goal: '≤ 2000 ms',
    });
    rows.push({
      name: 'same tree, unchanged re-snapshot (median ms)',
      value: fmt(m(again)),
      baseline: `lstat walk: ${fmt(m(walk))}`,
      ratio: `${fmt(m(again) / m(walk), 2)}×`,
      goal: '≤ 300 ms',
    });
    rows.push({
      name: 'restore of the whole tree after it was deleted, spare files ready (median ms)',
      value: fmt(m(restoreSpared)),
      baseline: `cp -a: ${fmt(m(copy))}`,
      ratio: `${fmt(m(restoreSpared) / m(copy), 2)}×`,
      goal: '≤ 2000 ms',
    });
    const paired = restoreSpared.map((t, i) => t / (restoreAll[i] ?? t));
    rows.push({
      name: 'whole-tree restore, spare files ready ÷ none, paired by run (median)',
      value: `${fmt(m(paired), 2)}×`,
      baseline: 'no spare files',
      ratio: `${fmt(m(paired), 2)}×`,
      goal: '—',
    });
    rows.push({
      name: 'restore of the whole tree after it was deleted, no spare files (median ms)',
      value: fmt(m(restoreAll)),
      baseline: `cp -a: ${fmt(m(copy))}`,
      ratio: `${fmt(m(restoreAll) / m(copy), 2)}×`,
      goal: '≤ 2000 ms',
    });
    rows.push({
      name: 'restore after 1% of the files changed (median ms)',
      value: fmt(m(restoreFew)),
      baseline: `cp -a: ${fmt(m(copy))}`,
      ratio: `${fmt(m(restoreFew) / m(copy), 2)}×`,
      goal: '—',
    });
    // Times, xattrs, ACLs and links recorded and restored, against the same work without them, run by run.
    const ratio = (k: keyof Timings): number => m(withMeta[k].map((t, i) => t / (without[k][i] ?? t)));
    const labels: Record<keyof Timings, string> = {
      full: 'full snapshot',
      again: 'unchanged re-snapshot',
      restoreFew: 'restore after 1% changed',
      restoreAll: 'restore after the tree was deleted (no spare files)',
    };
    for (const k of ['full', 'again', 'restoreFew', 'restoreAll'] as const) {
      rows.push({
        name: `${labels[k]}, with metadata ÷ without, paired by run (median)`,
        value: `${fmt(ratio(k), 2)}×`,
        baseline: `without: ${fmt(m(without[k]))} ms`,
        ratio: `${fmt(ratio(k), 2)}×`,
        goal: '≤ 1.2×',
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (opts.audit !== false) await auditBenchmarks(rows, results);
}
