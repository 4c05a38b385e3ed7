// The line as it will run, with its globs already expanded: each word of the line's own
// commands that holds an absolute glob (`cat /etc/host*`) is replaced by the files it matches,
// quoted, by the same expansion policy judged. The shell then has nothing left to expand, so
// a file that appears between the judgment and the run is not read unseen. Globs aiOS cannot
// expand first (relative ones, or next to a $variable) are left to the shell.
import { findCommands, loopWords } from './command-walk.js';
import { expandGlob } from './glob-expand.js';
import type { Script, ShellVariant, Word } from './shell-ast.js';
import { expandWord } from './shell-words.js';

const quote = (arg: string): string => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** The arguments one word becomes, globs expanded now; null when only the shell can tell. */
export function runWords(word: Word, variant: ShellVariant): string[] | null {
  const out: string[] = [];
  for (const w of expandWord(word, variant)) {
    if (w.static) out.push(w.text);
    else if (w.glob?.startsWith('/') === true) {
      const matches = expandGlob(w.glob);
      // bash leaves a pattern that matches nothing as it is (no nullglob or failglob under --norc).
      out.push(...(matches.length > 0 ? matches : [w.text]));
    } else return null;
  }
  return out;
}

/** The text to run: `src` with every expandable glob word replaced by its quoted matches. */
export function runLine(src: string, script: Script, variant: ShellVariant): string {
  const edits: { start: number; end: number; text: string }[] = [];
  for (const word of [...findCommands(script).flatMap(({ cmd }) => cmd.words), ...loopWords(script)]) {
    // Words from a backquoted body or a here-document were parsed from another text: their offsets are not src's.
    if (src.slice(word.start, word.end) !== word.raw || !expandWord(word, variant).some((w) => w.glob !== undefined))
      continue;
    const words = runWords(word, variant);
    if (words !== null) edits.push({ start: word.start, end: word.end, text: words.map(quote).join(' ') });
  }
  let out = src;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
