// Pathname expansion as bash does it with its default options: each component with *, ? or
// […] is matched against the directory's entries (dot files only by a pattern that starts
// with a dot), matches sorted, and a pattern that matches nothing stays as it is. Policy
// judges the files a glob names now (`cat /etc/shad*` reads /etc/shadow), and the run gets
// those same names, quoted.
import { lstatSync, readdirSync } from 'node:fs';
import { posix } from 'node:path';
import { mustCompile, type SafeRegex } from './safe-regex.js';

/** Past this many matches a glob is not expanded for the run; policy still judges the matches it saw. */
export const MAX_GLOB_MATCHES = 4096;
/** Directories read for one pattern at most (a pattern with a glob in every component can fan out). */
const MAX_DIRS = 2048;

/** A pattern as the shell sees it: glob characters unescaped, literal ones escaped with a backslash. */
export type GlobPattern = string;

const hasGlob = (component: string): boolean => /(^|[^\\])(\\\\)*[*?[]/.test(component);
const unescape = (component: string): string => component.replace(/\\(.)/gs, '$1');

/** One path component's pattern as an RE2 expression: `*a*a*a*b` cannot make matching slow. */
export function componentRegex(component: string): SafeRegex {
  let out = '';
  for (let i = 0; i < component.length; i++) {
    const c = component[i] as string;
    if (c === '\\') {
      out += escapeRe(component[i + 1] ?? '\\');
      i += 1;
      continue;
    }
    if (c === '*') {
      out += '[^/]*';
      continue;
    }
    if (c === '?') {
      out += '[^/]';
      continue;
    }
    if (c === '[') {
      const close = component.indexOf(']', i + 2);
      if (close > 0) {
        let body = component.slice(i + 1, close);
        const negated = body.startsWith('!') || body.startsWith('^');
        if (negated) body = body.slice(1);
        out += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
        i = close;
        continue;
      }
    }
    out += escapeRe(c);
  }
  return mustCompile(`(?s)^${out}$`);
}

const escapeRe = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The paths an absolute glob matches now, sorted; [] when it matches nothing or is relative. */
export function expandGlob(pattern: GlobPattern): string[] {
  if (!pattern.startsWith('/')) return [];
  const components = pattern.split('/').filter((c) => c !== '');
  let found = ['/'];
  let dirsRead = 0;
  for (const component of components) {
    if (!hasGlob(component)) {
      found = found.map((dir) => posix.join(dir, unescape(component)));
      continue;
    }
    const re = componentRegex(component);
    const dotOk = component.startsWith('.');
    const next: string[] = [];
    for (const dir of found) {
      if (++dirsRead > MAX_DIRS) break;
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of names.sort()) {
        if (name.startsWith('.') && !dotOk) continue;
        if (re.test(name)) next.push(posix.join(dir, name));
        if (next.length > MAX_GLOB_MATCHES) return next;
      }
    }
    found = next;
    if (found.length === 0) return [];
  }
  // A literal component after a glob is only a match where that path exists.
  return found.filter((p) => {
    try {
      lstatSync(p);
      return true;
    } catch {
      return false;
    }
  });
}

/** Whether a glob's last component could match this file name (for relative globs, judged by name). */
export function globMayName(pattern: GlobPattern, name: string): boolean {
  const last = pattern.split('/').pop() ?? '';
  return hasGlob(last) && componentRegex(last).test(name);
}
