// From a command line to what policy judges: every simple command that could run, with its
// normalised argv, the wrappers around it, the code it runs from text (parsed recursively),
// its redirections and assignments, and the problems that make the whole line unrunnable.
import { posix } from 'node:path';
import { allRedirects, findCommands, type CommandContext } from './command-walk.js';
import { codeRunOf } from './code-runners.js';
import { findExecs, unwrap } from './command-wrappers.js';
import type { Script, ShellVariant, SimpleCommand } from './shell-ast.js';
import { parseShell } from './shell-parser.js';
import { BraceExpansionError, expandWord, staticText, type ExpandedWord } from './shell-words.js';

/** bash -c 'sh -c "…"' nests; past this depth the line is refused. */
const MAX_CODE_DEPTH = 4;

/** Values a computed argument is assumed to take when checking dangerous patterns. */
export const PROBE_VALUES = ['/', '/dev/sda'] as const;

export interface AnalysedCommand {
  /** argv[0]'s basename, as rules name programs. */
  program: string;
  /** Normalised argv: program basename, absolute path arguments normalised, computed parts as written. */
  argv: string[];
  /** argv joined with spaces: what require_confirm and the mode rules match. */
  text: string;
  /** Every text the dangerous patterns are matched against: this command, each inner command a
   * word in its arguments could start, and each again with computed values assumed hostile. */
  dangerTexts: string[];
  dynamicArgs: boolean;
  /** Wrappers it runs under, outermost first (sudo, env, nice…). */
  via: string[];
  context: string;
  /** xargs and find -exec: more arguments come from input. */
  appendsInput: boolean;
  /** Why the code it runs cannot be inspected (inline Python, a shell reading stdin…), or null. */
  opaque: string | null;
}

export interface RedirectUse {
  op: string;
  target: string;
  static: boolean;
  writes: boolean;
}

export interface ShellAnalysis {
  commands: AnalysedCommand[];
  redirects: RedirectUse[];
  /** Variables set (FOO=bar cmd, or FOO=bar alone). */
  assignments: string[];
  /** Reasons the line cannot run at all. */
  problems: string[];
  /** The argv to execute directly when the line is one plain command; null when a shell must run it. */
  direct: string[] | null;
  /** Where each top-level statement starts (to compare with a second parser). */
  statementStarts: number[];
  /** Shell code found in arguments (bash -c, eval, su -c…), each parsed in turn. */
  codeTexts: string[];
}

const WRITE_OPS = new Set(['>', '>>', '>|', '<>', '&>', '&>>']);
/** Built into the shell: running one needs the shell even when it is the whole line. */
const SHELL_ONLY = new Set([
  'cd', 'export', 'set', 'unset', 'alias', 'unalias', 'eval', 'exec', 'source', '.', 'trap', 'exit', 'return', 'shift',
  'read', 'wait', 'umask', 'ulimit', 'times', 'type', 'hash', 'local', 'declare', 'typeset', 'readonly', 'let', 'shopt',
  'bind', 'builtin', 'command', 'jobs', 'fg', 'bg', 'disown', 'suspend', 'enable', 'history', 'pushd', 'popd', 'dirs',
  'getopts', 'caller', 'compgen', 'complete', 'mapfile', 'readarray', 'logout', 'help', ':',
]);
const PROGRAM_LIKE = /^[A-Za-z0-9_][A-Za-z0-9_.+/-]*$/;

export function normaliseArg(text: string): string {
  if (!text.startsWith('/') || /[*?[]/.test(text)) return text;
  const n = posix.normalize(text);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

class Analyser {
  readonly out: ShellAnalysis = { commands: [], redirects: [], assignments: [], problems: [], direct: null, statementStarts: [], codeTexts: [] };
  private readonly seenCode = new Set<string>();

  constructor(private readonly variant: ShellVariant) {}

  script(script: Script, depth: number, context: string): void {
    for (const found of findCommands(script)) this.simple(found.cmd, depth, found.context === 'command' ? context : `${found.context} in ${context}`);
    for (const r of allRedirects(script)) {
      const target = staticText(r.target);
      const writes = WRITE_OPS.has(r.op) || (r.op === '>&' && !/^[0-9-]+$/.test(r.target.raw));
      if (r.op === '<<' || r.op === '<<-' || r.op === '<<<' || ((r.op === '>&' || r.op === '<&') && !writes)) continue;
      this.out.redirects.push({ op: r.op, target: target === null ? r.target.raw : normaliseArg(target), static: target !== null, writes });
    }
  }

  private simple(cmd: SimpleCommand, depth: number, context: string): void {
    this.out.assignments.push(...cmd.assigns.map((a) => a.name));
    let argv: ExpandedWord[];
    try {
      argv = cmd.words.flatMap((w) => expandWord(w, this.variant));
    } catch (err) {
      if (err instanceof BraceExpansionError) { this.out.problems.push(err.message); return; }
      throw err;
    }
    if (argv.length > 0) this.argv(argv, [], context, depth, false);
  }

  private argv(argv: ExpandedWord[], via: string[], context: string, depth: number, appendsInput: boolean): void {
    const [first, ...args] = argv;
    if (first === undefined) return;
    if (!first.static) {
      this.out.problems.push(`the program to run is computed at run time (${first.text}); write its name literally`);
      return;
    }
    const program = posix.basename(first.text);
    const normal = [program, ...args.map((a) => (a.static ? normaliseArg(a.text) : a.text))];
    const command: AnalysedCommand = {
      program, argv: normal, text: normal.join(' '), dangerTexts: [], dynamicArgs: args.some((a) => !a.static),
      via, context, appendsInput, opaque: null,
    };
    this.out.commands.push(command);
    command.dangerTexts = this.dangerTexts(argv, depth, context);

    const code = codeRunOf(program, args);
    if (code?.kind === 'shell') this.code(code.text, depth, `${program} code in ${context}`);
    else if (code?.kind === 'opaque') command.opaque = code.why;
    else if (code?.kind === 'refused') this.out.problems.push(code.why);

    if (program === 'find') {
      for (const inner of findExecs(args)) this.argv(inner, [...via, 'find'], context, depth, true);
      return;
    }
    const inner = unwrap(program, args);
    if (inner === null) return;
    switch (inner.kind) {
      case 'command': this.argv(inner.argv, [...via, program], context, depth, appendsInput || inner.appendsInput); break;
      case 'shell': this.code(inner.text, depth, `${program} code in ${context}`); break;
      case 'opaque': command.opaque = inner.why; break;
      case 'refused': this.out.problems.push(inner.why); break;
      case 'none': break;
    }
  }

  /** Each suffix of argv that starts at a program-like word, raw and with hostile probe values. */
  private dangerTexts(argv: ExpandedWord[], depth: number, context: string): string[] {
    const texts = new Set<string>();
    argv.forEach((word, k) => {
      if (k > 0 && !(word.static && PROGRAM_LIKE.test(word.text))) return;
      const rest = argv.slice(k);
      const render = (probe: string | null): string => rest.map((w, i) => {
        if (i === 0) return posix.basename(w.text);
        if (w.static) return normaliseArg(w.text);
        return probe === null ? w.text : normaliseArg(w.probe?.(probe) ?? probe);
      }).join(' ');
      texts.add(render(null));
      if (rest.some((w) => !w.static)) for (const probe of PROBE_VALUES) texts.add(render(probe));
      // A shell string inside an unknown wrapper (chrt 10 bash -c '…') is parsed like any other.
      if (k > 0) {
        const code = codeRunOf(posix.basename(word.text), rest.slice(1));
        if (code?.kind === 'shell') this.code(code.text, depth, `${word.text} code in ${context}`);
      }
    });
    return [...texts];
  }

  private code(text: string, depth: number, context: string): void {
    if (this.seenCode.has(text)) return;
    this.seenCode.add(text);
    this.out.codeTexts.push(text);
    if (depth + 1 > MAX_CODE_DEPTH) {
      this.out.problems.push(`shell code nested more than ${MAX_CODE_DEPTH} levels deep`);
      return;
    }
    let script: Script;
    try {
      script = parseShell(text, this.variant);
    } catch (err) {
      this.out.problems.push(`the ${context.split(' in ')[0] ?? 'shell code'} does not parse: ${(err as Error).message}`);
      return;
    }
    this.script(script, depth + 1, context);
  }
}

/** The one plain command a line is, if it is exactly that: then it runs without a shell. */
function directArgv(script: Script, variant: ShellVariant): string[] | null {
  const [statement, ...more] = script.statements;
  if (statement === undefined || more.length > 0 || statement.background || statement.pipelines.length !== 1) return null;
  const pipeline = statement.pipelines[0];
  if (pipeline === undefined || pipeline.negated || pipeline.commands.length !== 1) return null;
  const cmd = pipeline.commands[0];
  if (cmd?.kind !== 'simple' || cmd.assigns.length > 0 || cmd.redirects.length > 0) return null;
  const words = cmd.words.flatMap((w) => expandWord(w, variant));
  if (words.length === 0 || !words.every((w) => w.static)) return null;
  const argv = words.map((w) => w.text);
  return SHELL_ONLY.has(argv[0] ?? '') ? null : argv;
}

/**
 * Analyses a command line. Throws ShellSyntaxError when it does not parse; problems that make
 * it unrunnable (a computed program name, an unknown wrapper option) are in `problems`.
 */
export function analyseShell(text: string, variant: ShellVariant = 'bash'): ShellAnalysis {
  const script = parseShell(text, variant);
  const a = new Analyser(variant);
  a.script(script, 0, 'the command line');
  a.out.statementStarts = script.statements.map((st) => st.start);
  try {
    a.out.direct = directArgv(script, variant);
  } catch {
    a.out.direct = null;
  }
  return a.out;
}

export type { CommandContext };
