// From a command line to what policy judges: every simple command that could run, with its
// normalised argv, the wrappers around it, the code it runs from text (parsed recursively),
// its redirections and assignments, and the problems that make the whole line unrunnable.
import { posix } from 'node:path';
import { allRedirects, findCommands, loopWords, type CommandContext } from './command-walk.js';
import { UNLIMITED, type Budget } from './budget.js';
import { codeRunOf, mayRunCode, SHELL_PROGRAMS, type CodeRun } from './code-runners.js';
import { findExecs, findStartPaths, unwrap } from './command-wrappers.js';
import { lexicalPath } from './device-paths.js';
import { EMBEDDED_CODE_PROGRAMS, embeddedCode, variableCode } from './embedded-code.js';
import { expandGlob } from './glob-expand.js';
import { runLine, runWords } from './run-line.js';
import type { Redirect, Script, ShellVariant, SimpleCommand } from './shell-ast.js';
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
  /** The texts the dangerous patterns are matched against: this command, and again with its
   * computed values assumed hostile (and an inner command whose program is written as a path). */
  dangerTexts: string[];
  /** Each inner command a word in its arguments could start (`chrt 10 rm -rf /`): substrings of
   * dangerTexts, so only patterns anchored with ^ need to look at them separately. */
  innerTexts: string[];
  dynamicArgs: boolean;
  /** Wrappers it runs under, outermost first (sudo, env, nice…). */
  via: string[];
  context: string;
  /** xargs and find -exec: more arguments come from input. */
  appendsInput: boolean;
  /** Why the code it runs cannot be inspected (inline Python, a shell reading stdin…), or null. */
  opaque: string | null;
  /** The files its glob arguments match now, as the shell would expand them (`cat /etc/shad*`). */
  globbed: string[];
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
  /** The line a shell runs when `direct` is null: absolute globs already expanded, as judged (run-line.ts). */
  runText: string;
  /** What `for x in …` loops go over, globs expanded: the body may read any of them. */
  loopItems: string[];
}

const WRITE_OPS = new Set(['>', '>>', '>|', '<>', '&>', '&>>']);
/** Built into the shell: running one needs the shell even when it is the whole line. */
const SHELL_ONLY = new Set([
  'cd',
  'export',
  'set',
  'unset',
  'alias',
  'unalias',
  'eval',
  'exec',
  'source',
  '.',
  'trap',
  'exit',
  'return',
  'shift',
  'read',
  'wait',
  'umask',
  'ulimit',
  'times',
  'type',
  'hash',
  'local',
  'declare',
  'typeset',
  'readonly',
  'let',
  'shopt',
  'bind',
  'builtin',
  'command',
  'jobs',
  'fg',
  'bg',
  'disown',
  'suspend',
  'enable',
  'history',
  'pushd',
  'popd',
  'dirs',
  'getopts',
  'caller',
  'compgen',
  'complete',
  'mapfile',
  'readarray',
  'logout',
  'help',
  ':',
]);
const PROGRAM_LIKE = /^[A-Za-z0-9_][A-Za-z0-9_.+/-]*$/;

/** Absolute paths (also as the value of `key=/path`) normalised: `.`, `..`, `//` and /proc/self/root resolved. */
export function normaliseArg(text: string): string {
  if (/[*?[]/.test(text)) return text;
  if (text.startsWith('/')) return lexicalPath(text);
  const kv = /^([A-Za-z_][A-Za-z0-9_-]*=)(\/.*)$/s.exec(text);
  return kv?.[1] !== undefined && kv[2] !== undefined ? `${kv[1]}${lexicalPath(kv[2])}` : text;
}

/** Programs that read the commands they run from their input: `at now <<< 'cmd'` runs cmd. */
const READS_CODE_FROM_STDIN = new Set(['at', 'batch']);

/** What a command gets on its input when the line says so: a here-string or here-document's text. */
function stdinText(redirects: readonly Redirect[]): string | null {
  let text: string | null = null;
  for (const r of redirects) {
    if (r.fd !== null && r.fd !== '0') continue;
    if (r.op === '<<<') text = staticText(r.target, { allowGlob: true }) ?? r.target.raw;
    else if (r.op === '<<' || r.op === '<<-') text = r.heredoc?.body ?? '';
    else if (r.op === '<' || r.op === '<>') text = null;
  }
  return text;
}

/** What a command inherits from where it stands: the code on its input, code set in its environment. */
interface Inherited {
  stdin: string | null;
  opaque: string | null;
}

class Analyser {
  readonly out: ShellAnalysis = {
    commands: [],
    redirects: [],
    assignments: [],
    problems: [],
    direct: null,
    statementStarts: [],
    codeTexts: [],
    runText: '',
    loopItems: [],
  };
  private readonly seenCode = new Set<string>();

  constructor(
    private readonly variant: ShellVariant,
    private readonly budget: Pick<Budget, 'check'>,
  ) {}

  script(script: Script, depth: number, context: string): void {
    this.budget.check();
    for (const word of loopWords(script)) {
      for (const w of expandWord(word, this.variant))
        this.out.loopItems.push(w.text, ...(w.glob === undefined ? [] : expandGlob(w.glob)));
    }
    for (const found of findCommands(script))
      this.simple(found.cmd, depth, found.context === 'command' ? context : `${found.context} in ${context}`);
    for (const r of allRedirects(script)) {
      const target = staticText(r.target);
      const writes = WRITE_OPS.has(r.op) || (r.op === '>&' && !/^[0-9-]+$/.test(r.target.raw));
      if (r.op === '<<' || r.op === '<<-' || r.op === '<<<' || ((r.op === '>&' || r.op === '<&') && !writes)) continue;
      this.out.redirects.push({
        op: r.op,
        target: target === null ? r.target.raw : normaliseArg(target),
        static: target !== null,
        writes,
      });
    }
  }

  private simple(cmd: SimpleCommand, depth: number, context: string): void {
    this.out.assignments.push(...cmd.assigns.map((a) => a.name));
    let opaque: string | null = null;
    for (const a of cmd.assigns) {
      const value = staticText(a.value, { allowGlob: true });
      const run = variableCode(a.name, value ?? a.value.raw, value === null);
      if (run !== null) opaque = this.run(run, depth, `${a.name} in ${context}`) ?? opaque;
    }
    let argv: ExpandedWord[];
    try {
      argv = cmd.words.flatMap((w) => expandWord(w, this.variant));
    } catch (err) {
      if (err instanceof BraceExpansionError) {
        this.out.problems.push(err.message);
        return;
      }
      throw err;
    }
    if (argv.length > 0) this.argv(argv, [], context, depth, false, { stdin: stdinText(cmd.redirects), opaque });
    else if (opaque !== null) this.out.problems.push(`${opaque}, for the commands after it`);
  }

  /** Shell code is parsed and judged; a refusal is a problem; opaque code is returned, for the command it belongs to. */
  private run(code: CodeRun, depth: number, context: string): string | null {
    if (code.kind === 'shell') this.code(code.text, depth, context);
    else if (code.kind === 'refused') this.out.problems.push(code.why);
    else return code.why;
    return null;
  }

  private argv(
    argv: ExpandedWord[],
    via: string[],
    context: string,
    depth: number,
    appendsInput: boolean,
    inherited: Inherited,
  ): void {
    const [first, ...args] = argv;
    if (first === undefined) return;
    this.budget.check();
    if (!first.static) {
      this.out.problems.push(`the program to run is computed at run time (${first.text}); write its name literally`);
      return;
    }
    const program = posix.basename(first.text);
    const normal = [program, ...args.map((a) => (a.static ? normaliseArg(a.text) : a.text))];
    const command: AnalysedCommand = {
      program,
      argv: normal,
      text: normal.join(' '),
      dangerTexts: [],
      innerTexts: [],
      dynamicArgs: args.some((a) => !a.static),
      via,
      context,
      appendsInput,
      opaque: inherited.opaque,
      globbed: args.flatMap((a) => (a.glob === undefined ? [] : expandGlob(a.glob))),
    };
    this.out.commands.push(command);
    const texts = this.dangerTexts(argv, depth, context);
    command.dangerTexts = texts.whole;
    command.innerTexts = texts.inner;

    const where = `${program} code in ${context}`;
    let code = codeRunOf(program, args);
    // A shell, at or batch given its commands in a here-string or here-document: those commands are read.
    const fromInput =
      (SHELL_PROGRAMS.has(program) && code?.kind === 'opaque') ||
      (READS_CODE_FROM_STDIN.has(program) && schedules(args));
    if (fromInput && inherited.stdin !== null && !args.some((a) => a.text.startsWith('-f')))
      code = { kind: 'shell', text: inherited.stdin };
    else if (fromInput && code === null)
      code = {
        kind: 'opaque',
        why: `${program} reads the commands it schedules from its input or a file, which aiOS cannot see`,
      };
    for (const run of [...(code === null ? [] : [code]), ...embeddedCode(program, args)])
      command.opaque = this.run(run, depth, where) ?? command.opaque;

    if (program === 'find') {
      // find runs each -exec once per file it finds, the start paths themselves included: {} is each of them.
      const starts = findStartPaths(args);
      for (const inner of findExecs(args)) {
        for (const start of starts) {
          const filled = inner.map((w) =>
            w.text.includes('{}')
              ? { ...w, text: w.text.replaceAll('{}', start.text), static: w.static && start.static }
              : w,
          );
          this.argv(filled, [...via, 'find'], context, depth, true, { stdin: null, opaque: null });
        }
      }
      return;
    }
    const inner = unwrap(program, args);
    if (inner === null) return;
    switch (inner.kind) {
      case 'command':
        this.argv(inner.argv, [...via, program], context, depth, appendsInput || inner.appendsInput, inherited);
        break;
      case 'shell':
        this.code(inner.text, depth, `${program} code in ${context}`);
        break;
      case 'opaque':
        command.opaque = inner.why;
        break;
      case 'refused':
        this.out.problems.push(inner.why);
        break;
      case 'none':
        break;
    }
  }

  /**
   * The texts the dangerous patterns are matched against: the whole command, and each suffix
   * that starts at a program-like word (an unknown wrapper may run it), raw and with hostile
   * probe values. Suffixes are slices of one rendered string, so a long line costs linear
   * memory; those that are plain substrings of a whole text go to `inner`.
   */
  private dangerTexts(argv: ExpandedWord[], depth: number, context: string): { whole: string[]; inner: string[] } {
    const whole: string[] = [];
    const inner: string[] = [];
    const dynamicFrom = new Array<boolean>(argv.length + 1).fill(false);
    for (let k = argv.length - 1; k >= 0; k--)
      dynamicFrom[k] = dynamicFrom[k + 1] === true || argv[k]?.static === false;
    for (const probe of [null, ...PROBE_VALUES]) {
      if (probe !== null && dynamicFrom[0] !== true) break;
      const words = argv.map((w, i) => {
        if (i === 0) return posix.basename(w.text);
        if (w.static) return normaliseArg(w.text);
        return probe === null ? w.text : normaliseArg(w.probe?.(probe) ?? probe);
      });
      const full = words.join(' ');
      whole.push(full);
      let offset = 0;
      words.forEach((rendered, k) => {
        const start = offset;
        offset += rendered.length + 1;
        const word = argv[k] as ExpandedWord;
        if (k === 0 || !(word.static && PROGRAM_LIKE.test(word.text))) return;
        if (probe !== null && dynamicFrom[k] !== true) return;
        this.budget.check();
        const name = posix.basename(word.text);
        if (name === rendered) inner.push(full.slice(start));
        else whole.push(`${name}${full.slice(start + rendered.length)}`);
      });
    }
    // A shell string inside an unknown wrapper (chrt 10 bash -c '…') is parsed like any other.
    argv.forEach((word, k) => {
      if (k === 0 || !(word.static && PROGRAM_LIKE.test(word.text))) return;
      const name = posix.basename(word.text);
      if (!mayRunCode(name) && !EMBEDDED_CODE_PROGRAMS.has(name)) return;
      const rest = argv.slice(k + 1);
      for (const code of [codeRunOf(name, rest), ...embeddedCode(name, rest)]) {
        if (code?.kind === 'shell') this.code(code.text, depth, `${word.text} code in ${context}`);
      }
    });
    return { whole, inner };
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
      this.out.problems.push(
        `the ${context.split(' in ')[0] ?? 'shell code'} does not parse: ${(err as Error).message}`,
      );
      return;
    }
    this.script(script, depth + 1, context);
  }
}

/** at and batch schedule unless they only list (-l), remove (-r, -d), print a job (-c) or their version (-V). */
function schedules(args: readonly ExpandedWord[]): boolean {
  return !args.some((a) => /^-[a-zA-Z]*[lrdcV]/.test(a.text));
}

/** The one plain command a line is, if it is exactly that: then it runs without a shell. */
function directArgv(script: Script, variant: ShellVariant): string[] | null {
  const [statement, ...more] = script.statements;
  if (statement === undefined || more.length > 0 || statement.background || statement.pipelines.length !== 1)
    return null;
  const pipeline = statement.pipelines[0];
  if (pipeline === undefined || pipeline.negated || pipeline.commands.length !== 1) return null;
  const cmd = pipeline.commands[0];
  if (cmd?.kind !== 'simple' || cmd.assigns.length > 0 || cmd.redirects.length > 0) return null;
  const argv: string[] = [];
  for (const w of cmd.words) {
    const words = runWords(w, variant);
    if (words === null) return null;
    argv.push(...words);
  }
  if (argv.length === 0 || cmd.words[0] === undefined || expandWord(cmd.words[0], variant).some((w) => !w.static))
    return null;
  return SHELL_ONLY.has(argv[0] ?? '') ? null : argv;
}

/**
 * Analyses a command line. Throws ShellSyntaxError when it does not parse; problems that make
 * it unrunnable (a computed program name, an unknown wrapper option) are in `problems`.
 */
export function analyseShell(
  text: string,
  variant: ShellVariant = 'bash',
  budget: Pick<Budget, 'check'> = UNLIMITED,
): ShellAnalysis {
  const script = parseShell(text, variant);
  budget.check();
  const a = new Analyser(variant, budget);
  a.script(script, 0, 'the command line');
  a.out.statementStarts = script.statements.map((st) => st.start);
  try {
    a.out.direct = directArgv(script, variant);
    a.out.runText = runLine(text, script, variant);
  } catch {
    a.out.direct = null;
    a.out.runText = text;
  }
  return a.out;
}

export type { CommandContext };
