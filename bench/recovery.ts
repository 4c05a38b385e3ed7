// Recovery benchmarks: snapshot and restore of a 5,000-file tree shaped like /etc, against
// copying the same tree with cp -a (a full snapshot, a restore) and a bare lstat walk (an
// unchanged re-snapshot); then the audit ledger (bench/audit.ts). Medians of a few runs each.
// The whole-tree restore is timed twice a run: with the spare-file pool filled first (as aiosd
// keeps it) and with no spares (files created as the restore goes).
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from '../src/memory/database.js';
import { SnapshotStore } from '../src/tools/snapshot-store.js';
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
    writeFileSync(join(dir, `file${i}.conf`), `# file ${i}\n${'option = value\n'.repeat(Math.ceil(size / 15))}`.slice(0, size));
  }
  for (let i = 0; i < 100; i++) symlinkSync(`../d${(i + 1) % 250}/file${(i + 1) % 250}.conf`, join(root, `d${i}`, `link${i}`));
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

/** `audit: false` runs the snapshot part alone (see bench/recovery-alone.mjs). */
export async function recoveryBenchmarks(rows: Row[], results: Record<string, unknown>, opts: { audit?: boolean } = {}): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aios-bench-recovery-'));
  try {
    const tree = join(dir, 'etc');
    makeEtcLikeTree(tree);
    // Files changed within the clock's resolution are hashed again; let the new tree age past that.
    await sleep(100);
    const copy: number[] = [];
    const walk: number[] = [];
    const full: number[] = [];
    const again: number[] = [];
    const restoreAll: number[] = [];
    const restoreFew: number[] = [];
    const restoreSpared: number[] = [];
    const spareUse: { files: number; dirs: number }[] = [];
    for (let run = 0; run < RUNS; run++) {
      copy.push(timeMs(() => execFileSync('cp', ['-a', tree, join(dir, `copy${run}`)])));
      rmSync(join(dir, `copy${run}`), { recursive: true, force: true });
      const db = openDatabase(join(dir, `state${run}`, 'aios.db'));
      const store = new SnapshotStore(db, join(dir, `state${run}`, 'blobs'));
      let id = '';
      full.push(timeMs(() => { id = store.captureTree({ roots: [tree], label: 'bench', kind: 'manual' }).snapshot.id; }));
      walk.push(timeMs(() => lstatWalk(tree)));
      again.push(timeMs(() => store.captureTree({ roots: [tree], label: 'bench again', kind: 'manual' })));
      // 1% of the files changed, then put back.
      for (let i = 0; i < FILES; i += 100) writeFileSync(join(tree, `d${i % 250}`, i % 3 === 0 ? 'conf.d' : '', `file${i}.conf`), `changed ${run}\n`);
      const t1 = process.hrtime.bigint();
      await store.restore(id);
      restoreFew.push(Number(process.hrtime.bigint() - t1) / 1e6);
      // The whole tree gone, then put back: with no spare files, and (aiosd's steady state) with
      // the pool filled beforehand; which goes first alternates between runs.
      const spared = new SnapshotStore(db, join(dir, `state${run}`, 'blobs'), [], { target: SPARE_FILES });
      await spared.spares.refill();
      for (const withSpares of run % 2 === 0 ? [false, true] : [true, false]) {
        rmSync(tree, { recursive: true, force: true });
        const t2 = process.hrtime.bigint();
        await (withSpares ? spared : store).restore(id);
        (withSpares ? restoreSpared : restoreAll).push(Number(process.hrtime.bigint() - t2) / 1e6);
      }
      spareUse.push({ files: spared.spares.stats().used, dirs: spared.spares.stats().usedDirs });
      await spared.spares.stop();
      db.close();
      await sleep(100);
    }
    const entries = lstatWalk(tree);
    results['recovery'] = { files: FILES, entries, copy, walk, full, again, restoreAll, restoreSpared, spareUse, restoreFew };
    const m = (xs: number[]): number => median(xs);
    rows.push({ name: `snapshot of a ${FILES}-file /etc-like tree, full (median ms)`, value: fmt(m(full)), baseline: `cp -a: ${fmt(m(copy))}`, ratio: `${fmt(m(full) / m(copy), 2)}×`, goal: '≤ 2000 ms' });
    rows.push({ name: 'same tree, unchanged re-snapshot (median ms)', value: fmt(m(again)), baseline: `lstat walk: ${fmt(m(walk))}`, ratio: `${fmt(m(again) / m(walk), 2)}×`, goal: '≤ 300 ms' });
    rows.push({ name: 'restore of the whole tree after it was deleted, spare files ready (median ms)', value: fmt(m(restoreSpared)), baseline: `cp -a: ${fmt(m(copy))}`, ratio: `${fmt(m(restoreSpared) / m(copy), 2)}×`, goal: '≤ 2000 ms' });
    const paired = restoreSpared.map((t, i) => t / (restoreAll[i] ?? t));
    rows.push({ name: 'whole-tree restore, spare files ready ÷ none, paired by run (median)', value: `${fmt(m(paired), 2)}×`, baseline: 'no spare files', ratio: `${fmt(m(paired), 2)}×`, goal: '—' });
    rows.push({ name: 'restore of the whole tree after it was deleted, no spare files (median ms)', value: fmt(m(restoreAll)), baseline: `cp -a: ${fmt(m(copy))}`, ratio: `${fmt(m(restoreAll) / m(copy), 2)}×`, goal: '≤ 2000 ms' });
    rows.push({ name: 'restore after 1% of the files changed (median ms)', value: fmt(m(restoreFew)), baseline: `cp -a: ${fmt(m(copy))}`, ratio: `${fmt(m(restoreFew) / m(copy), 2)}×`, goal: '—' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (opts.audit !== false) await auditBenchmarks(rows, results);
}
