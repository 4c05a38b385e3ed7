// `npm run screenshot` (scripts/screenshot.mjs) takes the README's picture from a real aiosd and the
// real TUI under a pty: it must still run, and what it writes must be an SVG that shows the goal
// typed and its plan, in the terminal's colours. Also checks the committed docs/tui.svg is one.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/daemon.js';

const GOAL = 'create a file notes.txt containing hello';
const dir = mkdtempSync(join(tmpdir(), 'aios-shot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The SVG's elements close in the order they open, under one <svg> root, with nothing outside it. */
function wellFormed(svg: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let roots = 0;
  const body = svg.trim();
  if (!body.startsWith('<svg ') || !body.endsWith('</svg>')) problems.push('not one <svg> element');
  for (const m of body.matchAll(/<(\/?)([a-zA-Z]+)[^<>]*?(\/?)>|[<>]/g)) {
    const [tag, closing, name, selfClosing] = m;
    if (name === undefined) problems.push(`a stray ${tag} at ${m.index}`);
    else if (closing === '/') {
      if (stack.pop() !== name) problems.push(`</${name}> closes what it did not open`);
    } else if (selfClosing !== '/') {
      if (stack.length === 0) roots++;
      stack.push(name);
    }
  }
  if (stack.length > 0) problems.push(`left open: ${stack.join(', ')}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  if (/&(?!amp;|lt;|gt;|quot;)/.test(body)) problems.push('an unescaped &');
  return problems;
}

const textOf = (svg: string): string => [...svg.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1]).join(' ');

describe('npm run screenshot', () => {
  it('draws a real session: the goal typed, its plan awaiting approval, in colour', async () => {
    const out = join(dir, 'tui.svg');
    await promisify(execFile)(
      process.execPath,
      [join(repoRoot, 'scripts', 'screenshot.mjs'), '--out', out, '--dir', join(dir, 'session')],
      { timeout: 90_000 },
    );
    const svg = readFileSync(out, 'utf8');
    expect(wellFormed(svg)).toEqual([]);
    const text = textOf(svg);
    expect(text).toContain(GOAL);
    expect(text).toContain('awaiting approval');
    expect(text).toContain('fs.write');
    expect(text).toContain('goal&gt;');
    // colours from the terminal: the state in a colour of its own, the status bar's background
    expect(svg).toMatch(/<text [^>]*fill="#(?!d4d4d4)[0-9a-f]{6}"[^>]*>\[awaiting approval\]/);
    expect(svg).toMatch(/<rect [^>]*fill="#[0-9a-f]{6}"\/>/);
  }, 120_000);

  it('refuses a --dir holding files it did not make, and leaves them', async () => {
    const theirs = join(dir, 'theirs');
    mkdirSync(theirs);
    writeFileSync(join(theirs, 'keep.txt'), 'mine');
    const run = promisify(execFile)(process.execPath, [
      join(repoRoot, 'scripts', 'screenshot.mjs'),
      '--out',
      join(dir, 'never.svg'),
      '--dir',
      theirs,
    ]);
    await expect(run).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/did not make.*--dir/) });
    expect(readFileSync(join(theirs, 'keep.txt'), 'utf8')).toBe('mine');
    expect(existsSync(join(dir, 'never.svg'))).toBe(false);
  });

  it('the committed docs/tui.svg is such a picture', () => {
    const svg = readFileSync(join(repoRoot, 'docs', 'tui.svg'), 'utf8');
    expect(wellFormed(svg)).toEqual([]);
    expect(textOf(svg)).toContain(GOAL);
  });
});
