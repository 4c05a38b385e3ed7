// `npm run bench:page` (also the last step of `npm run bench`): writes the figures of
// docs/benchmarks.md from bench/results/*.json, which git ignores, so the page is where the
// figures are kept. Between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` a page holds the
// table of section NAME; everything outside the markers is hand-written and left as it is.
// A block whose section no results file holds keeps what it has (figures from an earlier run).
//   node bench/page.mjs [--results DIR] [--page FILE]...
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;

/** The newest rows of each section over every results file: { name → { rows, started, … , file } }. */
export function sectionsFrom(resultsDir) {
  const found = new Map();
  if (!existsSync(resultsDir)) return found;
  for (const f of readdirSync(resultsDir).filter((n) => n.endsWith('.json'))) {
    const file = join(resultsDir, f);
    let run;
    try {
      run = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file} is not JSON (${e.message}): remove it or rerun its benchmark`);
    }
    // Results from before sections were recorded say neither when nor under what load: never used.
    if (run.sections === undefined) {
      process.stdout.write(`${f}: from before sections were recorded (no time or load): ignored; rerun it\n`);
      continue;
    }
    const sections = run.sections;
    for (const [name, s] of Object.entries(sections)) {
      const prior = found.get(name);
      if (prior === undefined || prior.started < s.started) found.set(name, { ...s, machine: run.machine, file });
    }
  }
  return found;
}

const cell = (s) => String(s).replace(/\|/g, '\\|');

/** The generated block for one section: its table, then when, where and under what load. */
export function blockFor(name, s, resultsDir) {
  const head = '| measurement | aiOS | baseline | ratio | goal |\n| --- | --- | --- | --- | --- |';
  const lines = s.rows.map((r) => `| ${[r.name, r.value, r.baseline, r.ratio, r.goal].map(cell).join(' | ')} |`);
  const where =
    s.machine === undefined
      ? 'machine not recorded'
      : `${s.machine.cpus} × ${s.machine.cpuModel.trim()}, Node ${s.machine.node}`;
  const load =
    s.loadBefore === undefined ? 'load average not recorded' : `load average ${s.loadBefore} → ${s.loadAfter}`;
  const source = join(relative(root, resultsDir) || resultsDir, basename(s.file));
  return [
    head,
    ...lines,
    '',
    `<sub>Section \`${name}\`, measured ${s.started.slice(0, 16).replace('T', ' ')} UTC on ${where}, ${load}; written by \`npm run bench:page\` from \`${source}\`.</sub>`,
  ].join('\n');
}

/** The page with every block whose section has results rewritten; also which were and were not. */
export function rewritePage(text, sections, resultsDir) {
  const written = [];
  const kept = [];
  const out = text.replace(
    /(<!-- bench:([a-z0-9-]+) -->\n)([\s\S]*?)(<!-- \/bench:\2 -->)/g,
    (_all, open, name, body, close) => {
      const s = sections.get(name);
      if (s === undefined || s.rows.length === 0) {
        kept.push(name);
        return open + body + close;
      }
      written.push(name);
      return `${open}${blockFor(name, s, resultsDir)}\n${close}`;
    },
  );
  return { text: out, written, kept };
}

/** Rewrites each page's blocks from the results in `resultsDir` and says what it did. */
export function writePages(resultsDir = join(root, 'bench', 'results'), pages = [join(root, 'docs', 'benchmarks.md')]) {
  const sections = sectionsFrom(resultsDir);
  const placed = new Set();
  for (const page of pages) {
    const { text, written, kept } = rewritePage(readFileSync(page, 'utf8'), sections, resultsDir);
    for (const n of [...written, ...kept]) placed.add(n);
    writeFileSync(page, text);
    process.stdout.write(
      `${relative(root, page)}: written ${written.join(', ') || 'none'}; kept (no results here) ${kept.join(', ') || 'none'}\n`,
    );
  }
  const homeless = [...sections.keys()].filter((n) => !placed.has(n));
  if (homeless.length > 0)
    process.stdout.write(
      `no block on the page for ${homeless.join(', ')}: add <!-- bench:NAME --> … <!-- /bench:NAME --> where it belongs\n`,
    );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: { results: { type: 'string' }, page: { type: 'string', multiple: true } },
  });
  writePages(values.results, values.page);
}
