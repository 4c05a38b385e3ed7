// Small parsers for the words of a goal: quoted strings, paths, argv.
import { isAbsolute, join, normalize } from 'node:path';

/** A token: a "double" or 'single' quoted string, or a run of non-space characters. */
export const TOKEN = String.raw`(?:"(?:[^"\\]|\\.)*"|'[^']*'|\S+)`;

export function unquote(token: string): string {
  if (token.length >= 2 && token.startsWith('"') && token.endsWith('"')) {
    return token.slice(1, -1).replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
  }
  if (token.length >= 2 && token.startsWith("'") && token.endsWith("'")) return token.slice(1, -1);
  return token;
}

/** Turns a path as a person typed it into an absolute one: ~ and relative paths point at their home. */
export function resolveUserPath(typed: string, home: string): string {
  let p = unquote(typed);
  if (!/^["']/.test(typed)) p = p.replace(/[.,;:]+$/, '');
  if (p === '~') return home;
  if (p.startsWith('~/')) p = join(home, p.slice(2));
  return normalize(isAbsolute(p) ? p : join(home, p));
}

/** Looks like a file path rather than an ordinary word ("notes.txt", "/etc/x", "~/a"). */
export function looksLikePath(typed: string): boolean {
  const p = unquote(typed);
  return p.includes('/') || p.startsWith('~') || /\.[A-Za-z0-9]{1,8}$/.test(p.replace(/[.,;:]+$/, ''));
}

/** Content as typed: quoted text is taken exactly; text files end with a newline. */
export function contentOf(typed: string): string {
  const quoted = /^(["']).*\1$/s.test(typed.trim());
  if (quoted) return unquote(typed.trim());
  const text = typed.trim();
  return text === '' || text.endsWith('\n') ? text : text + '\n';
}

export type SplitResult = { ok: true; argv: string[] } | { ok: false; reason: string };

/**
 * Splits a command line into argv with shell-like quoting, and refuses anything a shell
 * would treat as an operator: what runs must be exactly the argv the person approved.
 */
export function splitCommandLine(line: string): SplitResult {
  const argv: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? '';
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) return { ok: false, reason: 'unterminated single quote' };
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length) {
          cur += line[++j];
          continue;
        }
        if (line[j] === '$' || line[j] === '`')
          return { ok: false, reason: 'expansions ($, `) are not run by aiOS; write the value itself' };
        cur += line[j];
      }
      if (j >= line.length) return { ok: false, reason: 'unterminated double quote' };
      i = j;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) argv.push(cur);
      cur = '';
      inWord = false;
    } else if ('|&;<>()$`*?[]{}'.includes(c)) {
      return { ok: false, reason: `shell operator "${c}" is not supported: give one program and its arguments` };
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) argv.push(cur);
  if (argv.length === 0) return { ok: false, reason: 'empty command' };
  return { ok: true, argv };
}
