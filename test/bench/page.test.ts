// `npm run bench:page` (bench/page.mjs) writes docs/benchmarks.md's tables from bench/results:
// a block whose section has results is rewritten from the newest of them, a block without keeps its
// figures (also when only results without time or load are there), and nothing outside the
// markers changes. Also: the real page's blocks are well formed.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/daemon.js';

const dir = mkdtempSync(join(tmpdir(), 'aios-bench-page-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const row = (name: string, value: string) => ({ name, value, baseline: 'b: 1', ratio: '2.0×', goal: '≤ 3×' });
const section = (started: string, rows: ReturnType<typeof row>[]) => ({ rows, started, loadBefore: 1.5, loadAfter: 2 });
const machine = { cpus: 2, cpuModel: 'Test CPU', node: 'v20.0.0' };

const page = `# Benchmarks

Hand-written prose | with a pipe, kept.

<!-- bench:foundation -->
| old | table |
<!-- /bench:foundation -->

More prose.

<!-- bench:recovery -->
| recovery | figures from an earlier run |
<!-- /bench:recovery -->
`;

async function generate(results: string, pageFile: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [
    join(repoRoot, 'bench', 'page.mjs'),
    '--results',
    results,
    '--page',
    pageFile,
  ]);
  return stdout;
}

describe('bench/page.mjs', () => {
  it('rewrites the blocks it has results for, from the newest run, and keeps the rest', async () => {
    const results = join(dir, 'results');
    mkdirSync(results);
    writeFileSync(
      join(results, 'latest.json'),
      JSON.stringify({
        machine,
        rows: [],
        sections: {
          foundation: section('2026-01-01T10:00:00.000Z', [row('old run', '9')]),
          tui: section('2026-01-01T10:00:00.000Z', [row('tui', '1')]),
        },
      }),
    );
    writeFileSync(
      join(results, 'foundation.json'),
      JSON.stringify({
        machine,
        rows: [],
        sections: { foundation: section('2026-01-02T10:00:00.000Z', [row('start-up | median', '89.3')]) },
      }),
    );
    // A file from before sections were recorded (no time, no load): never used.
    writeFileSync(join(results, 'recovery.json'), JSON.stringify({ rows: [row('snapshot', '1')] }));
    const pageFile = join(dir, 'benchmarks.md');
    writeFileSync(pageFile, page);

    const said = await generate(results, pageFile);
    const out = readFileSync(pageFile, 'utf8');
    expect(out).toContain('| start-up \\| median | 89.3 | b: 1 | 2.0× | ≤ 3× |');
    expect(out).not.toContain('old run');
    expect(out).not.toContain('| old | table |');
    expect(out).toMatch(
      /Section `foundation`, measured 2026-01-02 10:00 UTC on 2 × Test CPU, Node v20\.0\.0, load average 1\.5 → 2/,
    );
    expect(out).toContain('| recovery | figures from an earlier run |');
    expect(out.replace(/<!-- bench:foundation -->[\s\S]*<!-- \/bench:foundation -->/, '')).toBe(
      page.replace(/<!-- bench:foundation -->[\s\S]*<!-- \/bench:foundation -->/, ''),
    );
    expect(said).toContain('written foundation');
    expect(said).toContain('kept (no results here) recovery');
    expect(said).toMatch(/no block on the page for .*tui/);
    expect(said).toContain('recovery.json: from before sections were recorded (no time or load): ignored');

    // Run again: the same page (nothing accumulates between the markers).
    await generate(results, pageFile);
    expect(readFileSync(pageFile, 'utf8')).toBe(out);
  });

  it('says which results file is not JSON rather than writing half a page', async () => {
    const results = join(dir, 'broken');
    mkdirSync(results);
    writeFileSync(join(results, 'latest.json'), '{"rows": [');
    const pageFile = join(dir, 'broken.md');
    writeFileSync(pageFile, page);
    await expect(generate(results, pageFile)).rejects.toThrow(/latest\.json is not JSON .*remove it or rerun/);
    expect(readFileSync(pageFile, 'utf8')).toBe(page);
  });

  it("the real page's blocks each open and close once", () => {
    const text = readFileSync(join(repoRoot, 'docs', 'benchmarks.md'), 'utf8');
    const opened = [...text.matchAll(/^<!-- bench:([a-z0-9-]+) -->$/gm)].map((m) => m[1]);
    const closed = [...text.matchAll(/^<!-- \/bench:([a-z0-9-]+) -->$/gm)].map((m) => m[1]);
    expect(opened.length).toBeGreaterThan(5);
    expect(closed).toEqual(opened);
    expect(new Set(opened).size).toBe(opened.length);
  });
});
