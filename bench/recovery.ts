// Recovery benchmarks: snapshot and restore of a 5,000-file tree shaped like /etc (old mtimes,
// user.* xattrs and ACLs on some files), against copying the same tree with cp -a (a full
// snapshot, a restore) and a bare lstat walk (an unchanged re-snapshot), and against the same
// store recording no metadata (the path before schema 6); then the audit ledger
// (bench/audit.ts). Medians of BENCH_RECOVERY_RUNS pairs (default 5).
// With metadata and without alternate operation by operation (A B, then B A), each on its own
// copy of the tree, so that a load that swings from second to second on a shared machine falls
// on both; the figures are the two medians and their ratio, beside the load average.
// The whole-tree restore is also timed with the spare-file pool filled first (as aiosd keeps it).
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
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase, type Db } from '../src/memory/database.js';
import { setXattr } from '../src/recovery/fs-meta.js';
import { SnapshotStore } from '../src/recovery/snapshot-store.js';
import { auditBenchmarks } from './audit.js';
import { fmt, median, type Row } from './stats.js';

const FILES = 5000;
const RUNS = Number(process.env['BENCH_RECOVERY_RUNS'] ?? 5);
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
export async function freshTree(tree: string): Promise<void> {
  rmSync(tree, { recursive: true, force: true });
  makeEtcLikeTree(tree);
  addMetadata(tree);
  await sleep(100);
}

type Measure = 'full' | 'again' | 'restoreFew' | 'restoreAll';
type Timings = Record<Measure, number[]>;
const timings = (): Timings => ({ full: [], again: [], restoreFew: [], restoreAll: [] });

/** One side of the metadata pairs: its own tree (built alike) and its own fresh store each pair. */
interface Arm {
  metadata: boolean;
  tree: string;
  t: Timings;
  /** CPU time of the process (every thread, user and system) over the same operations: what the work costs, however long it waited for a core. */
  cpu: Timings;
  store?: SnapshotStore;
  db?: Db;
  id?: string;
}

/** Runs `fn` for each arm in turn, timing each: A B, then B A in the next pair. */
async function timedEach(arms: readonly Arm[], m: Measure, fn: (a: Arm) => unknown): Promise<void> {
  for (const a of arms) {
    const c = process.cpuUsage();
    const t = process.hrtime.bigint();
    await fn(a);
    a.t[m].push(Number(process.hrtime.bigint() - t) / 1e6);
    const used = process.cpuUsage(c);
    a.cpu[m].push((used.user + used.system) / 1e3);
  }
}

/**
 * One pair: the same four operations with metadata (times, xattrs, ACLs, links) and without
 * (`metadata: false`, the path before schema 6), each operation run by one arm right after the
 * other, so that both meet the same load: full snapshot, unchanged re-snapshot, restore after 1%
 * of the files changed, restore after the whole tree was deleted (no spare files).
 */
async function pair(dir: string, arms: readonly Arm[], run: number): Promise<void> {
  for (const a of arms) {
    await freshTree(a.tree);
    const name = `state${run}${a.metadata ? 'm' : 'p'}`;
    a.db = openDatabase(join(dir, name, 'aios.db'));
    a.store = new SnapshotStore(a.db, join(dir, name, 'blobs'), [], { target: 0 }, { metadata: a.metadata });
  }
  const store = (a: Arm): SnapshotStore => a.store as SnapshotStore;
  await timedEach(arms, 'full', (a) => {
    a.id = store(a).captureTree({ roots: [a.tree], label: 'bench', kind: 'manual' }).snapshot.id;
  });
  await timedEach(arms, 'again', (a) =>
    store(a).captureTree({ roots: [a.tree], label: 'bench again', kind: 'manual' }),
  );
  for (const a of arms)
    for (let i = 0; i < FILES; i += 100)
      writeFileSync(join(a.tree, `d${i % 250}`, i % 3 === 0 ? 'conf.d' : '', `file${i}.conf`), `changed ${run}\n`);
  await timedEach(arms, 'restoreFew', (a) => store(a).restore(a.id as string));
  await timedEach(arms, 'restoreAll', (a) => {
    // Deleted just before its own restore: both arms meet a tree deleted a moment ago.
    rmSync(a.tree, { recursive: true, force: true });
    return store(a).restore(a.id as string);
  });
}

/**
 * `audit: false` runs the snapshot part alone and `spares: false` leaves out the `cp -a`, lstat
 * walk and spare-file rows (see bench/recovery-alone.mjs).
 */
export async function recoveryBenchmarks(
  rows: Row[],
  results: Record<string, unknown>,
  opts: { audit?: boolean; spares?: boolean } = {},
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aios-bench-recovery-'));
  try {
    // Same-length names: the two trees differ in nothing but which arm uses them.
    const withMeta: Arm = { metadata: true, tree: join(dir, 'etc-m'), t: timings(), cpu: timings() };
    const without: Arm = { metadata: false, tree: join(dir, 'etc-p'), t: timings(), cpu: timings() };
    const copy: number[] = [];
    const walk: number[] = [];
    const restoreSpared: number[] = [];
    const spareUse: { files: number; dirs: number }[] = [];
    const loads: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      loads.push(loadavg()[0] ?? NaN);
      await pair(dir, run % 2 === 0 ? [withMeta, without] : [without, withMeta], run);
      if (opts.spares !== false) {
        const tree = withMeta.tree;
        copy.push(timeMs(() => execFileSync('cp', ['-a', tree, join(dir, `copy${run}`)])));
        rmSync(join(dir, `copy${run}`), { recursive: true, force: true });
        walk.push(timeMs(() => lstatWalk(tree)));
        // aiosd's steady state: the tree gone again, and the spare-file pool filled before.
        const spared = new SnapshotStore(withMeta.db as Db, join(dir, `state${run}m`, 'blobs'), [], {
          target: SPARE_FILES,
        });
        await spared.spares.refill();
        rmSync(tree, { recursive: true, force: true });
        const t = process.hrtime.bigint();
        await spared.restore(withMeta.id as string);
        restoreSpared.push(Number(process.hrtime.bigint() - t) / 1e6);
        spareUse.push({ files: spared.spares.stats().used, dirs: spared.spares.stats().usedDirs });
        await spared.spares.stop();
      }
      for (const a of [withMeta, without]) {
        a.db?.close();
        rmSync(join(dir, `state${run}${a.metadata ? 'm' : 'p'}`), { recursive: true, force: true });
      }
      loads.push(loadavg()[0] ?? NaN);
      await sleep(100);
    }
    const { full, again, restoreAll, restoreFew } = withMeta.t;
    const entries = lstatWalk(withMeta.tree);
    results['recovery'] = {
      files: FILES,
      entries,
      runs: RUNS,
      loads,
      copy,
      walk,
      full,
      again,
      restoreAll,
      restoreSpared,
      spareUse,
      restoreFew,
      cpu: withMeta.cpu,
      withoutMetadata: without.t,
      withoutMetadataCpu: without.cpu,
    };
    const m = (xs: number[]): number => median(xs);
    rows.push({
      name: `load average (1 min) before and after each of the ${RUNS} pairs, min–median–max`,
      value: `${fmt(Math.min(...loads))}–${fmt(m(loads))}–${fmt(Math.max(...loads))}`,
      baseline: '—',
      ratio: '—',
      goal: '—',
    });
    if (opts.spares !== false) {
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
      rows.push({
        name: 'restore of the whole tree after it was deleted, spare files ready ÷ none (medians)',
        value: `${fmt(m(restoreSpared) / m(restoreAll), 2)}×`,
        baseline: `no spare files: ${fmt(m(restoreAll))} ms`,
        ratio: `${fmt(m(restoreSpared) / m(restoreAll), 2)}×`,
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
    }
    // Times, xattrs, ACLs and links recorded and restored, against the same work without them
    // measured alternately in the same pairs: the ratio of the two medians, of the wall-clock
    // times and of the CPU times (on a machine shared with other builds the CPU time swings far
    // less, because waiting for a core or the disk is not in it).
    const labels: Record<Measure, string> = {
      full: 'full snapshot',
      again: 'unchanged re-snapshot',
      restoreFew: 'restore after 1% changed',
      restoreAll: 'restore after the tree was deleted (no spare files)',
    };
    for (const k of ['full', 'again', 'restoreFew', 'restoreAll'] as const) {
      const [wall, cpu] = [m(withMeta.t[k]) / m(without.t[k]), m(withMeta.cpu[k]) / m(without.cpu[k])];
      rows.push({
        name: `${labels[k]} with metadata (medians of ${RUNS}, ms), ÷ without (same pairs)`,
        value: `${fmt(m(withMeta.t[k]))} (CPU ${fmt(m(withMeta.cpu[k]))})`,
        baseline: `without: ${fmt(m(without.t[k]))} (CPU ${fmt(m(without.cpu[k]))})`,
        ratio: `${fmt(wall, 2)}× (CPU ${fmt(cpu, 2)}×)`,
        goal: '≤ 1.2×',
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (opts.audit !== false) await auditBenchmarks(rows, results);
}
