// Every relative link in README.md and docs/*.md names a file that exists (and an anchor, where
// one is given, a heading of that page), so the docs cannot point at a page that moved.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/daemon.js';

const pages = [
  'README.md',
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f)),
];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchorOf = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1] as string)));
}

describe('links in the docs', () => {
  it.each(pages)('every relative link in %s resolves', (page) => {
    const file = join(repoRoot, page);
    const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
    const broken: string[] = [];
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1] as string;
      if (/^[a-z]+:/i.test(target)) continue;
      const [path, anchor] = target.split('#');
      const dest = path === '' || path === undefined ? file : resolve(dirname(file), path);
      if (!existsSync(dest)) {
        broken.push(target);
        continue;
      }
      if (anchor !== undefined && anchor !== '' && dest.endsWith('.md') && !anchors(dest).has(anchor))
        broken.push(target);
    }
    expect(broken).toEqual([]);
  });
});
