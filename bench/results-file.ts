// What a benchmark run leaves in bench/results/NAME.json for `npm run bench:page` (bench/page.mjs),
// which writes docs/benchmarks.md's figures from it: the rows of each section, with when, where and
// under what load they were measured, since the ratios mean little without the machine's state.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { table, type Row } from './stats.js';

export interface Section {
  rows: Row[];
  /** ISO time the section started. */
  started: string;
  /** The 1-minute load average before and after it. */
  loadBefore: number;
  loadAfter: number;
}

export type Sections = Record<string, Section>;

const load = (): number => Math.round((loadavg()[0] ?? 0) * 10) / 10;

/** Runs one section's benchmarks, which push their rows onto `rows`, and records them under `name`. */
export async function measureSection(name: string, sections: Sections, rows: Row[], run: () => unknown): Promise<void> {
  const from = rows.length;
  const started = new Date().toISOString();
  const loadBefore = load();
  await run();
  sections[name] = { rows: rows.slice(from), started, loadBefore, loadAfter: load() };
}

/** Writes bench/results/NAME.json (and NAME.md, the table alone). */
export function saveResults(
  root: string,
  name: string,
  run: { rows: Row[]; results: Record<string, unknown>; sections: Sections },
): void {
  const cpu = cpus();
  const machine = { cpus: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', node: process.version };
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ machine, ...run }, null, 2));
  writeFileSync(join(dir, `${name}.md`), table(run.rows) + '\n');
}

/** `node bench/run.mjs NAME`: one section alone, printed and saved as bench/results/NAME.json. */
export async function runAlone(
  root: string,
  name: string,
  title: string,
  run: (rows: Row[], results: Record<string, unknown>) => unknown,
): Promise<void> {
  const rows: Row[] = [];
  const results: Record<string, unknown> = {};
  const sections: Sections = {};
  await measureSection(name, sections, rows, () => run(rows, results));
  const s = sections[name] as Section;
  process.stdout.write(
    `\n${title} (${s.started}; load ${s.loadBefore} before, ${s.loadAfter} after)\n\n${table(rows)}\n`,
  );
  if (process.env['BENCH_JSON'] !== undefined) process.stdout.write(`${JSON.stringify(results)}\n`);
  saveResults(root, name, { rows, results, sections });
}
