// The grammar half of the shell parser: lists, and-or chains, pipelines, simple commands with
// their redirections and here-documents, and the compound commands admins write in one-liners
// (subshells, groups, if, while, until, for). Anything else (functions, case, [[ ]], (( )),
// coproc, arrays) is refused by name: what aiOS cannot analyse, it does not run.
import type {
  AndOr,
  Assignment,
  Command,
  CompoundCommand,
  Heredoc,
  Pipeline,
  Redirect,
  Script,
  ShellVariant,
  SimpleCommand,
  Word,
} from './shell-ast.js';
import { ShellReader, ShellSyntaxError, ShellUnsupportedError } from './shell-reader.js';
import { staticText } from './shell-words.js';

export { ShellSyntaxError, ShellUnsupportedError } from './shell-reader.js';

const UNSUPPORTED_WORDS: Record<string, string> = {
  case: 'a case statement',
  select: 'a select loop',
  function: 'a function definition',
  coproc: 'a coprocess',
  '[[': 'a [[ … ]] test (use [ … ] or test)',
  ']]': 'a [[ … ]] test (use [ … ] or test)',
};
const CLOSERS = new Set(['then', 'elif', 'else', 'fi', 'do', 'done', 'esac', '}', 'in']);
const REDIRECT_OPS = ['<<<', '<<-', '&>>', '<<', '>>', '>|', '<>', '<&', '>&', '&>', '<', '>'];

interface PendingHeredoc {
  delimiter: string;
  strip: boolean;
  expand: boolean;
  redirect: Redirect;
}

export class ShellParser extends ShellReader {
  private readonly pending: PendingHeredoc[] = [];

  constructor(src: string, variant: ShellVariant = 'bash', depth = 0) {
    super(src, variant, depth);
  }

  /** Parses the whole text; throws ShellSyntaxError (or ShellUnsupportedError) otherwise. */
  parseAll(): Script {
    const script = this.parseList(new Set(), null);
    this.skipSeparators();
    if (!this.eof()) this.fail(`unexpected ${JSON.stringify(this.peek())}`);
    if (this.pending.length > 0)
      this.fail(`here-document ended by the end of the text, not by ${this.pending[0]?.delimiter ?? ''}`);
    return script;
  }

  protected parseNested(closer: ')' | null): Script {
    const inner = new ShellParser(this.src, this.variant, this.depth + 1);
    inner.pos = this.pos;
    const script = inner.parseList(new Set(), closer);
    inner.skipSeparators();
    if (inner.pending.length > 0) this.fail('a here-document inside a substitution is not closed', inner.pos);
    this.pos = inner.pos;
    return script;
  }

  protected parseText(text: string): Script {
    return new ShellParser(text, this.variant, this.depth + 1).parseAll();
  }

  protected spawn(text: string): ShellReader {
    return new ShellParser(text, this.variant, this.depth + 1);
  }

  /** Blank space, comments and newlines (reading any here-document bodies that are due). */
  private skipSeparators(): void {
    for (;;) {
      this.skipBlanks();
      const c = this.peek();
      if (c === '#') {
        while (!this.eof() && this.peek() !== '\n') this.pos += 1;
      } else if (c === '\n') {
        this.pos += 1;
        this.readHeredocBodies();
      } else {
        return;
      }
    }
  }

  /** The unquoted literal word at pos, if there is one (for reserved words), without moving. */
  private peekLiteral(): string | null {
    return this.literalAt()?.value ?? null;
  }

  private literalAt(): { value: string; end: number } | null {
    const save = this.pos;
    try {
      const word = this.readWord();
      if (word === null || word.parts.length !== 1) return null;
      const part = word.parts[0];
      return part?.type === 'lit' && !part.quoted ? { value: part.value, end: word.end } : null;
    } catch {
      return null;
    } finally {
      this.pos = save;
    }
  }

  private takeReserved(word: string): boolean {
    const found = this.literalAt();
    if (found?.value !== word) return false;
    this.pos = found.end;
    return true;
  }

  private expectReserved(word: string, what: string): void {
    this.skipSeparators();
    if (!this.takeReserved(word)) this.fail(`expected "${word}" to ${what}`);
  }

  private parseList(terminators: ReadonlySet<string>, closer: ')' | null): Script {
    const statements: AndOr[] = [];
    for (;;) {
      this.skipSeparators();
      if (this.eof()) break;
      const c = this.peek();
      if (c === ')') {
        if (closer === ')') break;
        this.fail('unexpected ")"');
      }
      const literal = this.peekLiteral();
      if (literal !== null && terminators.has(literal)) break;
      const item = this.parseAndOr();
      this.skipBlanks();
      const sep = this.peek();
      if (sep === ';' && this.peek(1) === ';')
        throw new ShellUnsupportedError('";;" outside a case statement', this.pos);
      if (sep === ';') this.pos += 1;
      else if (sep === '&') {
        this.pos += 1;
        item.background = true;
      }
      item.end = this.pos;
      statements.push(item);
      if (sep !== ';' && sep !== '&' && sep !== '\n' && sep !== '#' && sep !== undefined && sep !== ')') {
        const next = this.peekLiteral();
        if (next === null || !terminators.has(next)) this.fail(`unexpected ${JSON.stringify(sep)}`);
      }
    }
    return { statements };
  }

  private parseAndOr(): AndOr {
    const start = this.pos;
    const pipelines: Pipeline[] = [this.parsePipeline()];
    const ops: ('&&' | '||')[] = [];
    for (;;) {
      this.skipBlanks();
      const two = this.src.slice(this.pos, this.pos + 2);
      if (two !== '&&' && two !== '||') break;
      this.pos += 2;
      ops.push(two);
      this.skipSeparators();
      pipelines.push(this.parsePipeline());
    }
    return { pipelines, ops, background: false, start, end: this.pos };
  }

  private parsePipeline(): Pipeline {
    this.skipBlanks();
    let negated = false;
    if (this.takeReserved('!')) negated = true;
    const commands: Command[] = [this.parseCommand()];
    for (;;) {
      this.skipBlanks();
      if (this.peek() !== '|' || this.peek(1) === '|') break;
      this.pos += this.peek(1) === '&' && this.variant === 'bash' ? 2 : 1;
      this.skipSeparators();
      commands.push(this.parseCommand());
    }
    return { negated, commands };
  }

  private parseCommand(): Command {
    this.skipBlanks();
    const start = this.pos;
    if (this.peek() === '(') {
      if (this.peek(1) === '(') throw new ShellUnsupportedError('an arithmetic command ((…))', this.pos);
      this.pos += 1;
      const body = this.parseNested(')');
      this.expect(')', 'a subshell');
      return this.finishCompound('subshell', [body], [], start);
    }
    const literal = this.peekLiteral();
    if (literal !== null) {
      const unsupported = UNSUPPORTED_WORDS[literal];
      if (unsupported !== undefined) throw new ShellUnsupportedError(unsupported, this.pos);
      if (CLOSERS.has(literal)) this.fail(`unexpected "${literal}"`);
      switch (literal) {
        case '{':
          this.takeReserved('{');
          return this.parseGroup(start);
        case 'if':
          return this.parseIf(start);
        case 'while':
        case 'until':
          return this.parseLoop(literal, start);
        case 'for':
          return this.parseFor(start);
        default:
          break;
      }
    }
    return this.parseSimple(start);
  }

  private parseGroup(start: number): CompoundCommand {
    const body = this.parseList(new Set(['}']), null);
    this.expectReserved('}', 'close a { … } group');
    return this.finishCompound('group', [body], [], start);
  }

  private parseIf(start: number): CompoundCommand {
    this.takeReserved('if');
    const bodies: Script[] = [];
    for (;;) {
      bodies.push(this.parseList(new Set(['then']), null));
      this.expectReserved('then', 'follow an if condition');
      bodies.push(this.parseList(new Set(['elif', 'else', 'fi']), null));
      this.skipSeparators();
      if (this.takeReserved('elif')) continue;
      if (this.takeReserved('else')) {
        bodies.push(this.parseList(new Set(['fi']), null));
        this.expectReserved('fi', 'close an if');
      } else {
        this.expectReserved('fi', 'close an if');
      }
      return this.finishCompound('if', bodies, [], start);
    }
  }

  private parseLoop(kind: 'while' | 'until', start: number): CompoundCommand {
    this.takeReserved(kind);
    const condition = this.parseList(new Set(['do']), null);
    this.expectReserved('do', `follow a ${kind} condition`);
    const body = this.parseList(new Set(['done']), null);
    this.expectReserved('done', `close a ${kind} loop`);
    return this.finishCompound(kind, [condition, body], [], start);
  }

  private parseFor(start: number): CompoundCommand {
    this.takeReserved('for');
    this.skipBlanks();
    if (this.peek() === '(') throw new ShellUnsupportedError('an arithmetic for ((…)) loop', this.pos);
    const name = this.readWord();
    if (name === null || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(staticText(name) ?? ''))
      this.fail('expected a variable name after "for"');
    this.skipBlanks();
    const words: Word[] = [];
    if (this.takeReserved('in')) {
      for (;;) {
        this.skipBlanks();
        const word = this.readWord();
        if (word === null) break;
        words.push(word);
      }
    }
    this.skipBlanks();
    if (this.peek() === ';') this.pos += 1;
    this.expectReserved('do', 'start the body of a for loop');
    const body = this.parseList(new Set(['done']), null);
    this.expectReserved('done', 'close a for loop');
    return this.finishCompound('for', [body], words, start);
  }

  private finishCompound(
    type: CompoundCommand['type'],
    bodies: Script[],
    words: Word[],
    start: number,
  ): CompoundCommand {
    const redirects: Redirect[] = [];
    for (;;) {
      this.skipBlanks();
      const r = this.readRedirect();
      if (r === null) break;
      redirects.push(r);
    }
    return { kind: 'compound', type, bodies, words, redirects, start, end: this.pos };
  }

  private parseSimple(start: number): SimpleCommand {
    const assigns: Assignment[] = [];
    const words: Word[] = [];
    const redirects: Redirect[] = [];
    for (;;) {
      this.skipBlanks();
      const c = this.peek();
      // After blanks we are at the start of a word, where # begins a comment.
      if (c === undefined || c === '\n' || c === ';' || c === '|' || c === ')' || c === '#') break;
      if (c === '&' && this.peek(1) !== '>') break;
      if (c === '&' && this.variant === 'posix') break;
      if (c === '(') {
        if (words.length === 1 && /^\(\s*\)/.test(this.src.slice(this.pos)))
          throw new ShellUnsupportedError('a function definition', this.pos);
        this.fail('unexpected "("');
      }
      const redirect = this.readRedirect();
      if (redirect !== null) {
        redirects.push(redirect);
        continue;
      }
      const word = this.readWord();
      if (word === null) this.fail(`unexpected ${JSON.stringify(c)}`);
      const assignment = words.length === 0 ? this.asAssignment(word) : null;
      if (assignment !== null) assigns.push(assignment);
      else words.push(word);
    }
    if (words.length + assigns.length + redirects.length === 0)
      this.fail(`expected a command, found ${JSON.stringify(this.peek() ?? 'the end')}`);
    return { kind: 'simple', assigns, words, redirects, start, end: this.pos };
  }

  private asAssignment(word: Word): Assignment | null {
    const first = word.parts[0];
    if (first?.type !== 'lit' || first.quoted) return null;
    if (/^[A-Za-z_][A-Za-z0-9_]*\[/.test(first.value))
      throw new ShellUnsupportedError('an array element assignment', word.start);
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\+?=/.exec(first.value);
    if (m?.[1] === undefined) return null;
    if (this.peek() === '(') throw new ShellUnsupportedError('an array assignment', this.pos);
    const rest = first.value.slice(m[0].length);
    const parts = [
      ...(rest === '' ? [] : [{ type: 'lit' as const, value: rest, quoted: false }]),
      ...word.parts.slice(1),
    ];
    return {
      name: m[1],
      value: { parts, raw: word.raw.slice(m[0].length), start: word.start + m[0].length, end: word.end },
    };
  }

  /** A redirection at pos (with its fd number), or null without moving. */
  private readRedirect(): Redirect | null {
    const save = this.pos;
    const fdMatch = /^[0-9]+(?=[<>])/.exec(this.src.slice(this.pos, this.pos + 12));
    if (/^\{[A-Za-z_][A-Za-z0-9_]*\}[<>]/.test(this.src.slice(this.pos, this.pos + 40))) {
      throw new ShellUnsupportedError('a {name}> file descriptor variable', this.pos);
    }
    const fd = fdMatch?.[0] ?? null;
    if (fd !== null) this.pos += fd.length;
    const rest = this.src.slice(this.pos, this.pos + 3);
    const op = REDIRECT_OPS.find(
      (o) => rest.startsWith(o) && (this.variant === 'bash' || (!o.startsWith('&') && o !== '<<<')),
    );
    if (op === undefined || (op.length === 1 && this.peek(1) === '(' && this.variant === 'bash')) {
      this.pos = save;
      return null;
    }
    this.pos += op.length;
    this.skipBlanks();
    const target = this.readWord();
    if (target === null) this.fail(`expected a file name or word after "${op}"`);
    const redirect: Redirect = { op, fd, target, heredoc: null };
    if (op === '<<' || op === '<<-') {
      const delimiter = staticText(target, { allowGlob: true });
      if (delimiter === null)
        throw new ShellUnsupportedError('a here-document delimiter with expansions', target.start);
      const expand = target.parts.every((p) => p.type === 'lit' && !p.quoted);
      this.pending.push({ delimiter, strip: op === '<<-', expand, redirect });
    }
    return redirect;
  }

  /** After a newline: the bodies of the here-documents opened on the line just ended. */
  private readHeredocBodies(): void {
    for (const doc of this.pending.splice(0)) {
      const lines: string[] = [];
      for (;;) {
        if (this.eof()) this.fail(`here-document not closed by "${doc.delimiter}"`);
        const nl = this.src.indexOf('\n', this.pos);
        const end = nl < 0 ? this.src.length : nl;
        let line = this.src.slice(this.pos, end);
        this.pos = nl < 0 ? end : end + 1;
        if (doc.strip) line = line.replace(/^\t+/, '');
        if (line === doc.delimiter) break;
        lines.push(line);
      }
      const body = lines.length === 0 ? '' : lines.join('\n') + '\n';
      const heredoc: Heredoc = { body, subs: doc.expand ? this.spawn(body).scanSubstitutions() : [] };
      doc.redirect.heredoc = heredoc;
    }
  }
}

/** Parses a command line; throws ShellSyntaxError with the offset of the problem. */
export function parseShell(text: string, variant: ShellVariant = 'bash'): Script {
  if (text.includes('\0')) throw new ShellSyntaxError('a NUL byte cannot be part of a command', text.indexOf('\0'));
  return new ShellParser(text, variant).parseAll();
}
