// The lexical half of the shell parser: a cursor over the text and the reading of words with
// their quotes, parameters and substitutions. Grammar (lists, pipelines, compound commands)
// lives in shell-parser.ts, which extends this.
import type { Script, ShellVariant, Word, WordPart } from './shell-ast.js';

/** The text is not valid shell, or not shell aiOS will vouch for: either way it does not run. */
export class ShellSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'ShellSyntaxError';
  }
}

/** Valid shell that aiOS refuses to analyse (and so to run), with what to write instead. */
export class ShellUnsupportedError extends ShellSyntaxError {
  constructor(construct: string, offset: number) {
    super(`${construct} is not supported in commands aiOS checks; write it as plain commands`, offset);
    this.name = 'ShellUnsupportedError';
  }
}

export const MAX_DEPTH = 20;

/** Characters that end an unquoted word. */
const WORD_END = new Set([' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>']);

export abstract class ShellReader {
  pos = 0;

  constructor(
    readonly src: string,
    readonly variant: ShellVariant,
    readonly depth: number,
  ) {
    if (depth > MAX_DEPTH) throw new ShellUnsupportedError(`nesting deeper than ${MAX_DEPTH} levels`, 0);
  }

  /** Parses a script that ends at `closer` (or the end of the text), leaving pos on the closer. */
  protected abstract parseNested(closer: ')' | null): Script;

  /** Parses a separate text (a backtick body) as its own script. */
  protected abstract parseText(text: string): Script;

  /** A reader of the same kind over another text, one level deeper. */
  protected abstract spawn(text: string): ShellReader;

  /**
   * Every substitution in text the shell expands like a double-quoted string (a here-document
   * body, or text whose quoting is in doubt): each is parsed as a script.
   */
  scanSubstitutions(): Script[] {
    const subs: Script[] = [];
    while (!this.eof()) {
      const c = this.peek();
      if (c === '\\') this.pos += 2;
      else if (c === '$') subs.push(...subsOf(this.readDollar(true)));
      else if (c === '`') subs.push(...subsOf(this.readBacktick(true)));
      else this.pos += 1;
    }
    return subs;
  }

  protected peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  protected eof(): boolean {
    return this.pos >= this.src.length;
  }

  protected fail(message: string, at = this.pos): never {
    throw new ShellSyntaxError(message, at);
  }

  protected expect(ch: string, what: string): void {
    if (this.src[this.pos] !== ch) this.fail(`expected ${JSON.stringify(ch)} to close ${what}`);
    this.pos += 1;
  }

  /** Spaces, tabs and backslash-newline continuations. */
  protected skipBlanks(): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t') this.pos += 1;
      else if (c === '\\' && this.peek(1) === '\n') this.pos += 2;
      else return;
    }
  }

  protected atWordEnd(): boolean {
    const c = this.peek();
    return c === undefined || WORD_END.has(c);
  }

  /** Reads one word at pos, or null when pos is at a metacharacter. */
  protected readWord(): Word | null {
    const start = this.pos;
    const parts: WordPart[] = [];
    let plain = '';
    const flush = (): void => {
      if (plain !== '') parts.push({ type: 'lit', value: plain, quoted: false });
      plain = '';
    };
    for (;;) {
      const c = this.peek();
      if (c === undefined) break;
      if ((c === '<' || c === '>') && this.peek(1) === '(' && this.variant === 'bash') {
        flush();
        parts.push(this.readProcSub());
        continue;
      }
      if (WORD_END.has(c)) break;
      if (c === '\\') {
        const next = this.peek(1);
        if (next === '\n') {
          this.pos += 2;
          continue;
        }
        flush();
        // A trailing backslash is itself literal.
        parts.push({ type: 'lit', value: next ?? '\\', quoted: true });
        this.pos += next === undefined ? 1 : 2;
        continue;
      }
      if (c === "'") {
        flush();
        parts.push(this.readSingle());
        continue;
      }
      if (c === '"') {
        flush();
        parts.push(this.readDouble());
        continue;
      }
      if (c === '`') {
        flush();
        parts.push(this.readBacktick(false));
        continue;
      }
      if (c === '$') {
        const part = this.readDollar(false);
        if (part.type === 'lit' && !part.quoted) {
          plain += part.value;
          continue;
        }
        flush();
        parts.push(part);
        continue;
      }
      if ('@!+*?'.includes(c) && this.peek(1) === '(' && this.variant === 'bash') {
        throw new ShellUnsupportedError('an extended glob pattern like @(…)', this.pos);
      }
      plain += c;
      this.pos += 1;
    }
    flush();
    if (this.pos === start) return null;
    return { parts, raw: this.src.slice(start, this.pos), start, end: this.pos };
  }

  private readSingle(): WordPart {
    const start = this.pos;
    const end = this.src.indexOf("'", this.pos + 1);
    if (end < 0) this.fail('unterminated single quote', start);
    this.pos = end + 1;
    return { type: 'lit', value: this.src.slice(start + 1, end), quoted: true };
  }

  private readDouble(): WordPart {
    const start = this.pos;
    this.pos += 1;
    const parts: WordPart[] = [];
    let text = '';
    const flush = (): void => {
      if (text !== '') parts.push({ type: 'lit', value: text, quoted: true });
      text = '';
    };
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail('unterminated double quote', start);
      if (c === '"') {
        this.pos += 1;
        break;
      }
      if (c === '\\') {
        const next = this.peek(1);
        if (next === '\n') {
          this.pos += 2;
          continue;
        }
        if (next !== undefined && '$`"\\'.includes(next)) {
          text += next;
          this.pos += 2;
          continue;
        }
        text += c;
        this.pos += 1;
        continue;
      }
      if (c === '`') {
        flush();
        parts.push(this.readBacktick(true));
        continue;
      }
      if (c === '$') {
        const part = this.readDollar(true);
        if (part.type === 'lit') {
          text += part.value;
          continue;
        }
        flush();
        parts.push(part);
        continue;
      }
      text += c;
      this.pos += 1;
    }
    flush();
    return { type: 'dq', parts };
  }

  /** At a `$`: a parameter, a substitution, an ANSI-C string, or just a dollar sign. */
  protected readDollar(inDouble: boolean): WordPart {
    const start = this.pos;
    const next = this.peek(1);
    if (next === '(' && this.peek(2) === '(') return this.readArith();
    if (next === '(') {
      this.pos += 2;
      const script = this.parseNested(')');
      this.expect(')', '$(');
      return { type: 'cmdsub', raw: this.src.slice(start, this.pos), script };
    }
    if (next === '{') return this.readBraceParam(inDouble);
    if (next === "'" && !inDouble && this.variant === 'bash') return this.readAnsiC();
    if (next === '"' && !inDouble && this.variant === 'bash') {
      this.pos += 1;
      return this.readDouble();
    }
    if (next !== undefined && /[A-Za-z_]/.test(next)) {
      this.pos += 1;
      while (/[A-Za-z0-9_]/.test(this.peek() ?? '')) this.pos += 1;
      return { type: 'param', raw: this.src.slice(start, this.pos), subs: [] };
    }
    if (next !== undefined && /[0-9@*#?$!-]/.test(next)) {
      this.pos += 2;
      return { type: 'param', raw: this.src.slice(start, this.pos), subs: [] };
    }
    this.pos += 1;
    return { type: 'lit', value: '$', quoted: inDouble };
  }

  /**
   * ${…}: read to the matching brace. Every substitution inside is parsed wherever it stands,
   * even inside quotes: reading too many as commands can only make policy stricter.
   */
  private readBraceParam(inDouble: boolean): WordPart {
    const start = this.pos;
    this.pos += 2;
    const subs: Script[] = [];
    let depth = 1;
    while (depth > 0) {
      const c = this.peek();
      if (c === undefined) this.fail('unterminated ${', start);
      if (c === '\\') {
        this.pos += 2;
        continue;
      }
      if (c === "'" && !inDouble) {
        const end = this.src.indexOf("'", this.pos + 1);
        if (end < 0) this.fail('unterminated single quote', this.pos);
        subs.push(...this.spawn(this.src.slice(this.pos + 1, end)).scanSubstitutions());
        this.pos = end + 1;
        continue;
      }
      if (c === '"') {
        const part = this.readDouble();
        subs.push(...subsOf(part));
        continue;
      }
      if (c === '`') {
        subs.push(...subsOf(this.readBacktick(inDouble)));
        continue;
      }
      if (c === '$') {
        subs.push(...subsOf(this.readDollar(inDouble)));
        continue;
      }
      if (c === '{') depth += 1;
      if (c === '}') depth -= 1;
      this.pos += 1;
    }
    return { type: 'param', raw: this.src.slice(start, this.pos), subs };
  }

  private readArith(): WordPart {
    const start = this.pos;
    this.pos += 3;
    const subs: Script[] = [];
    let parens = 0;
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail('unterminated $((', start);
      if (c === ')' && parens === 0) {
        if (this.peek(1) !== ')') this.fail('expected )) to close $((', this.pos);
        this.pos += 2;
        break;
      }
      if (c === '(') parens += 1;
      else if (c === ')') parens -= 1;
      if (c === '$') {
        subs.push(...subsOf(this.readDollar(true)));
        continue;
      }
      if (c === '`') {
        subs.push(...subsOf(this.readBacktick(true)));
        continue;
      }
      if (c === "'" || c === '"' || c === '\\') throw new ShellUnsupportedError('quoting inside $((…))', this.pos);
      this.pos += 1;
    }
    return { type: 'arith', raw: this.src.slice(start, this.pos), subs };
  }

  /** `…`: the body, with the backslashes the shell removes removed, is parsed as its own script. */
  protected readBacktick(inDouble: boolean): WordPart {
    const start = this.pos;
    this.pos += 1;
    let body = '';
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail('unterminated backquote', start);
      if (c === '`') {
        this.pos += 1;
        break;
      }
      if (c === '\\') {
        const next = this.peek(1);
        if (next !== undefined && ('$`\\'.includes(next) || (inDouble && next === '"'))) {
          body += next;
          this.pos += 2;
          continue;
        }
      }
      body += c;
      this.pos += 1;
    }
    return { type: 'cmdsub', raw: this.src.slice(start, this.pos), script: this.parseText(body) };
  }

  private readProcSub(): WordPart {
    const start = this.pos;
    this.pos += 2;
    const script = this.parseNested(')');
    this.expect(')', 'process substitution');
    return { type: 'procsub', raw: this.src.slice(start, this.pos), script };
  }

  private readAnsiC(): WordPart {
    const start = this.pos;
    this.pos += 2;
    let value = '';
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail("unterminated $'", start);
      if (c === "'") {
        this.pos += 1;
        break;
      }
      if (c !== '\\') {
        value += c;
        this.pos += 1;
        continue;
      }
      const rest = this.src.slice(this.pos + 1);
      const m = /^(?:x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{1,4})|U([0-9a-fA-F]{1,8})|([0-7]{1,3})|c(.)|(.))/s.exec(rest);
      if (m === null) this.fail("unterminated $'", start);
      const [all, hex, u4, u8, oct, ctl, single] = m;
      if (hex !== undefined) value += String.fromCharCode(parseInt(hex, 16));
      else if (u4 !== undefined || u8 !== undefined)
        value += String.fromCodePoint(Math.min(parseInt(u4 ?? u8 ?? '0', 16), 0x10ffff));
      else if (oct !== undefined) value += String.fromCharCode(parseInt(oct, 8) & 0xff);
      else if (ctl !== undefined) value += String.fromCharCode(ctl.toUpperCase().charCodeAt(0) & 0x1f);
      else value += ANSI_ESCAPES[single ?? ''] ?? `\\${single ?? ''}`;
      this.pos += 1 + all.length;
    }
    return { type: 'lit', value, quoted: true };
  }
}

const ANSI_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

/** The scripts a word part runs when the word is expanded. */
export function subsOf(part: WordPart): Script[] {
  switch (part.type) {
    case 'lit':
      return [];
    case 'dq':
      return part.parts.flatMap(subsOf);
    case 'param':
    case 'arith':
      return part.subs;
    case 'cmdsub':
    case 'procsub':
      return [part.script];
  }
}
