// What a parsed word becomes: its literal value when nothing in it is computed, and the words
// bash's brace expansion makes of it ({rm,-rf,/} is three words), so policy sees the argv that
// will really run.
import type { ShellVariant, Word, WordPart } from './shell-ast.js';

export const MAX_BRACE_WORDS = 1024;

/** One word after brace expansion: its text, and whether that text is exactly what the program gets. */
export interface ExpandedWord {
  text: string;
  /** False when a parameter, substitution, glob or ~ makes the value known only at run time. */
  static: boolean;
  /** The word with each computed part replaced by `value` (what a hostile value would make of it). */
  probe?: (value: string) => string;
  /** When only unquoted *, ? or [ make it computed: the pattern the shell matches against files (quoted parts escaped). */
  glob?: string;
}

/** A piece of a word: one unquoted character (which may be brace syntax) or an opaque chunk (quoted text, an expansion). */
interface Token {
  text: string;
  static: boolean;
  brace: boolean;
  unquoted?: boolean;
}

const GLOB = /[*?[]/;

function renderPart(part: WordPart): { text: string; static: boolean } {
  switch (part.type) {
    case 'lit':
      return { text: part.value, static: true };
    case 'dq': {
      const inner = part.parts.map(renderPart);
      return { text: inner.map((p) => p.text).join(''), static: inner.every((p) => p.static) };
    }
    case 'param':
    case 'cmdsub':
    case 'arith':
    case 'procsub':
      return { text: part.raw, static: false };
  }
}

/** The word's value when it is fully literal (no expansion, glob or tilde), else null. */
export function staticText(word: Word, opts: { allowGlob?: boolean } = {}): string | null {
  let text = '';
  for (const [i, part] of word.parts.entries()) {
    const r = renderPart(part);
    if (!r.static) return null;
    if (part.type === 'lit' && !part.quoted) {
      if (opts.allowGlob !== true && GLOB.test(part.value)) return null;
      if (i === 0 && part.value.startsWith('~') && opts.allowGlob !== true) return null;
    }
    text += r.text;
  }
  return text;
}

function tokens(word: Word): Token[] {
  const out: Token[] = [];
  for (const [i, part] of word.parts.entries()) {
    if (part.type === 'lit' && !part.quoted) {
      for (const [j, ch] of [...part.value].entries()) {
        const dynamic = GLOB.test(ch) || (i === 0 && j === 0 && ch === '~');
        out.push({ text: ch, static: !dynamic, brace: ch === '{' || ch === '}' || ch === ',', unquoted: true });
      }
    } else {
      const r = renderPart(part);
      out.push({ text: r.text, static: r.static, brace: false });
    }
  }
  return out;
}

/** The words a word becomes after brace expansion (bash only), each with its static flag. */
export function expandWord(word: Word, variant: ShellVariant): ExpandedWord[] {
  const toks = tokens(word);
  const seqs = variant === 'bash' ? braceExpand(toks, 0) : [toks];
  return seqs.map((seq) => {
    const expanded: ExpandedWord = {
      text: seq.map((t) => t.text).join(''),
      static: seq.every((t) => t.static),
      probe: (value: string) => seq.map((t) => (t.static ? t.text : value)).join(''),
    };
    const glob = globPattern(seq);
    return glob === null ? expanded : { ...expanded, glob };
  });
}

/** The pattern a word is when its only computed parts are unquoted glob characters; else null. */
function globPattern(seq: readonly Token[]): string | null {
  if (!seq.some((t) => t.unquoted === true && GLOB.test(t.text))) return null;
  if (seq.some((t) => !t.static && !(t.unquoted === true && GLOB.test(t.text)))) return null;
  return seq.map((t) => (t.unquoted === true ? t.text : t.text.replace(/[*?[\\\]]/g, '\\$&'))).join('');
}

export class BraceExpansionError extends Error {}

function braceExpand(toks: Token[], depth: number): Token[][] {
  if (depth > 16) throw new BraceExpansionError('brace expansion nested too deeply');
  for (let open = 0; open < toks.length; open++) {
    if (!isBrace(toks[open], '{')) continue;
    const found = matchBrace(toks, open);
    if (found === null) continue;
    const { close, commas } = found;
    const prefix = toks.slice(0, open);
    const suffix = toks.slice(close + 1);
    let alternatives: Token[][];
    if (commas.length > 0) {
      const bounds = [open, ...commas, close];
      alternatives = bounds.slice(0, -1).map((b, i) => toks.slice(b + 1, bounds[i + 1]));
    } else {
      const seq = sequence(toks.slice(open + 1, close));
      if (seq === null) continue;
      alternatives = seq.map((text) => [{ text, static: true, brace: false }]);
    }
    const out: Token[][] = [];
    for (const alt of alternatives) {
      for (const rest of braceExpand([...alt, ...suffix], depth + 1)) {
        out.push([...prefix, ...rest]);
        if (out.length > MAX_BRACE_WORDS)
          throw new BraceExpansionError(`brace expansion makes more than ${MAX_BRACE_WORDS} words`);
      }
    }
    return out;
  }
  return [toks];
}

function isBrace(tok: Token | undefined, ch: string): boolean {
  return tok !== undefined && tok.brace && tok.text === ch;
}

/** The matching close brace and the top-level commas between, or null when unbalanced. */
function matchBrace(toks: Token[], open: number): { close: number; commas: number[] } | null {
  let depth = 0;
  const commas: number[] = [];
  for (let i = open + 1; i < toks.length; i++) {
    if (isBrace(toks[i], '{')) depth += 1;
    else if (isBrace(toks[i], '}')) {
      if (depth === 0) return { close: i, commas };
      depth -= 1;
    } else if (isBrace(toks[i], ',') && depth === 0) {
      commas.push(i);
    }
  }
  return null;
}

/** {1..5}, {05..10..2}, {a..e}: the words of a sequence expression, or null if it is not one. */
function sequence(inner: Token[]): string[] | null {
  if (!inner.every((t) => t.static)) return null;
  const text = inner.map((t) => t.text).join('');
  const num = /^(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?$/.exec(text);
  const chr = /^([A-Za-z])\.\.([A-Za-z])(?:\.\.(-?\d+))?$/.exec(text);
  if (num?.[1] !== undefined && num[2] !== undefined) {
    const [a, b] = [Number(num[1]), Number(num[2])];
    const width = /^-?0\d/.test(num[1]) || /^-?0\d/.test(num[2]) ? Math.max(num[1].length, num[2].length) : 0;
    return range(a, b, Number(num[3] ?? 1)).map((n) => (width > 0 ? String(n).padStart(width, '0') : String(n)));
  }
  if (chr?.[1] !== undefined && chr[2] !== undefined) {
    return range(chr[1].charCodeAt(0), chr[2].charCodeAt(0), Number(chr[3] ?? 1)).map((c) => String.fromCharCode(c));
  }
  return null;
}

function range(a: number, b: number, step: number): number[] {
  const by = Math.abs(step === 0 ? 1 : step);
  const count = Math.floor(Math.abs(b - a) / by) + 1;
  if (count > MAX_BRACE_WORDS)
    throw new BraceExpansionError(`brace expansion makes more than ${MAX_BRACE_WORDS} words`);
  const dir = b >= a ? 1 : -1;
  return Array.from({ length: count }, (_, i) => a + dir * i * by);
}
