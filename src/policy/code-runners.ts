// Programs that run code given as text. Shell code (bash -c, eval, su -c, ssh host cmd…) is
// parsed like any command line, recursively. Code in other languages (python -c, perl -e,
// an awk program that calls system()) cannot be analysed: it is reported as opaque.
import type { ExpandedWord } from './shell-words.js';

export type CodeRun =
  { kind: 'shell'; text: string } | { kind: 'opaque'; why: string } | { kind: 'refused'; why: string };

export const SHELL_PROGRAMS: ReadonlySet<string> = new Set([
  'sh',
  'bash',
  'dash',
  'ash',
  'ksh',
  'mksh',
  'zsh',
  'yash',
  'posh',
  'rbash',
]);
const OTHER_SHELLS = new Set(['fish', 'csh', 'tcsh', 'nu', 'elvish', 'xonsh', 'pwsh', 'powershell']);

/** Shell options that take an argument, in every shell we parse for. */
const SHELL_OPTS_WITH_ARG = new Set(['-o', '+o', '-O', '+O', '--rcfile', '--init-file']);

const texts = (words: readonly ExpandedWord[]): string[] => words.map((w) => w.text);

function shellCode(program: string, args: readonly ExpandedWord[]): CodeRun | null {
  let hasC = false;
  let readsStdin = false;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]?.text ?? '';
    if (a === '--' || a === '-') {
      i += 1;
      break;
    }
    if (SHELL_OPTS_WITH_ARG.has(a)) {
      i += 1;
      continue;
    }
    if (/^--[a-z-]+$/.test(a)) continue;
    if (/^[-+][A-Za-z]+$/.test(a)) {
      if (a.startsWith('-') && a.includes('c')) hasC = true;
      if (a.startsWith('-') && a.includes('s')) readsStdin = true;
      continue;
    }
    break;
  }
  const operand = args[i];
  if (hasC) {
    if (operand === undefined) return { kind: 'refused', why: `${program} -c without a command` };
    if (!operand.static) return { kind: 'refused', why: `the command given to ${program} -c is computed at run time` };
    // bash -c 'rm -rf "$1"' _ / hides the value in a positional parameter: refused, not guessed.
    if (args.length > i + 1 && /\$(\{?[0-9@*#])/.test(operand.text)) {
      return {
        kind: 'refused',
        why: `${program} -c gets values through positional parameters ($1…); write them into the command itself`,
      };
    }
    return { kind: 'shell', text: operand.text };
  }
  if (operand === undefined || readsStdin)
    return { kind: 'opaque', why: `${program} reads commands from its input, which aiOS cannot see` };
  return null;
}

/** Inline code for interpreters aiOS cannot analyse: the option that carries it, per program. */
const INLINE_CODE: { match: RegExp; options: RegExp; language: string }[] = [
  { match: /^python[0-9.]*$|^pypy[0-9]*$/, options: /^-[A-Za-z]*c/, language: 'Python' },
  { match: /^perl[0-9.]*$/, options: /^-[A-Za-z]*[eE]/, language: 'Perl' },
  { match: /^ruby[0-9.]*$/, options: /^-[A-Za-z]*e/, language: 'Ruby' },
  { match: /^(node|nodejs|deno|bun)$/, options: /^(-[A-Za-z]*[ep]|--eval|--print|eval|-r)$/, language: 'JavaScript' },
  { match: /^php[0-9.]*$/, options: /^-[A-Za-z]*r/, language: 'PHP' },
  { match: /^lua[0-9.]*$|^luajit$/, options: /^-[A-Za-z]*e/, language: 'Lua' },
  { match: /^(Rscript|tclsh|wish|osascript)$/, options: /^-[A-Za-z]*e/, language: 'script' },
];
const INTERPRETERS =
  /^(python[0-9.]*|pypy[0-9]*|perl[0-9.]*|ruby[0-9.]*|node|nodejs|php[0-9.]*|lua[0-9.]*|luajit|tclsh|irb)$/;

/** Programs codeRunOf looks into besides shells, interpreters, awk and sed. */
const CODE_PROGRAMS = new Set(['eval', 'trap', 'su', 'runuser', 'script', 'watch', 'ssh', 'source', '.']);

/** Whether codeRunOf could find code for this program (a cheap test before building its arguments). */
export function mayRunCode(program: string): boolean {
  return (
    SHELL_PROGRAMS.has(program) ||
    OTHER_SHELLS.has(program) ||
    CODE_PROGRAMS.has(program) ||
    INTERPRETERS.test(program) ||
    INLINE_CODE.some((l) => l.match.test(program)) ||
    /^[gmn]?awk$/.test(program) ||
    program === 'sed'
  );
}

/** How `program args` runs code from text, if it does. */
export function codeRunOf(program: string, args: readonly ExpandedWord[]): CodeRun | null {
  if (SHELL_PROGRAMS.has(program)) return shellCode(program, args);
  if (OTHER_SHELLS.has(program)) return { kind: 'opaque', why: `${program} code is not parsed by aiOS` };
  if (program === 'eval') {
    if (!args.every((a) => a.static)) return { kind: 'refused', why: 'eval of text computed at run time' };
    return { kind: 'shell', text: texts(args).join(' ') };
  }
  if (program === 'trap') {
    const first = args[0];
    if (first === undefined || /^(-|-l|-p|--)$/.test(first.text) || /^(SIG)?[A-Z0-9]+$/.test(first.text)) return null;
    if (!first.static) return { kind: 'refused', why: 'a trap action computed at run time' };
    return { kind: 'shell', text: first.text };
  }
  if (program === 'su' || program === 'runuser' || program === 'script')
    return optionCode(program, args, ['-c', '--command', '--session-command']);
  if (program === 'watch') return watchCode(args);
  if (program === 'ssh') return sshCode(args);
  if (program === 'source' || program === '.')
    return { kind: 'opaque', why: `${program} runs the commands in a file aiOS has not read` };
  for (const lang of INLINE_CODE) {
    if (lang.match.test(program) && args.some((a) => lang.options.test(a.text)))
      return { kind: 'opaque', why: `inline ${lang.language} code` };
  }
  if (INTERPRETERS.test(program) && (args.length === 0 || args.every((a) => a.text.startsWith('-')))) {
    return { kind: 'opaque', why: `${program} reads a program from its input, which aiOS cannot see` };
  }
  if (/^[gmn]?awk$/.test(program)) return awkCode(program, args);
  if (program === 'sed') return sedCode(args);
  return null;
}

function optionCode(program: string, args: readonly ExpandedWord[], names: string[]): CodeRun | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]?.text ?? '';
    const eq = names.find((n) => n.startsWith('--') && a.startsWith(`${n}=`));
    const code =
      eq !== undefined
        ? { text: a.slice(eq.length + 1), static: args[i]?.static ?? false }
        : names.includes(a)
          ? args[i + 1]
          : undefined;
    if (code === undefined) continue;
    if (!code.static) return { kind: 'refused', why: `the command given to ${program} is computed at run time` };
    return { kind: 'shell', text: code.text };
  }
  if (program === 'su') return { kind: 'opaque', why: 'su without -c opens a shell as another user' };
  return null;
}

function watchCode(args: readonly ExpandedWord[]): CodeRun | null {
  let i = 0;
  let exec = false;
  for (; i < args.length; i++) {
    const a = args[i]?.text ?? '';
    if (a === '-n' || a === '--interval') {
      i += 1;
      continue;
    }
    if (a === '-x' || a === '--exec') {
      exec = true;
      continue;
    }
    if (a.startsWith('-')) continue;
    break;
  }
  const rest = args.slice(i);
  if (exec || rest.length === 0) return null;
  if (!rest.every((a) => a.static)) return { kind: 'refused', why: 'a watch command computed at run time' };
  return { kind: 'shell', text: texts(rest).join(' ') };
}

function sshCode(args: readonly ExpandedWord[]): CodeRun | null {
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]?.text ?? '';
    if (/^-[46AaCfGgKkMNnqsTtVvXxYy]*[BbcDEeFIiJLlmOoPpQRSWw]$/.test(a)) {
      i += 1;
      continue;
    }
    if (/^-[A-Za-z0-9]+/.test(a)) continue;
    break;
  }
  const rest = args.slice(i + 1);
  if (rest.length === 0) return null;
  if (!rest.every((a) => a.static)) return { kind: 'refused', why: 'a remote command computed at run time' };
  return { kind: 'shell', text: texts(rest).join(' ') };
}

function awkCode(program: string, args: readonly ExpandedWord[]): CodeRun | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]?.text ?? '';
    if (a === '-f' || a.startsWith('--file'))
      return { kind: 'opaque', why: `${program} runs a program from a file aiOS has not read` };
    if (a === '-v' || a === '-F') {
      i += 1;
      continue;
    }
    if (a.startsWith('-')) continue;
    // The first operand is the program: it may run commands (system, |) or write files (>).
    return /system\s*\(|\||>/.test(a)
      ? { kind: 'opaque', why: `an ${program} program that runs commands or writes files` }
      : null;
  }
  return null;
}

function sedCode(args: readonly ExpandedWord[]): CodeRun | null {
  const scripts: string[] = [];
  let sawScript = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]?.text ?? '';
    if (a === '-e' || a === '--expression') {
      scripts.push(args[i + 1]?.text ?? '');
      sawScript = true;
      i += 1;
      continue;
    }
    if (a.startsWith('--expression=')) {
      scripts.push(a.slice(13));
      sawScript = true;
      continue;
    }
    if (a === '-f' || a.startsWith('--file'))
      return { kind: 'opaque', why: 'sed runs a script from a file aiOS has not read' };
    if (a.startsWith('-')) continue;
    if (!sawScript) {
      scripts.push(a);
      sawScript = true;
    }
  }
  return scripts.some(sedRunsOrWrites)
    ? { kind: 'opaque', why: 'a sed script that runs commands or writes files (e, w)' }
    : null;
}

/** True when a sed script uses e (run a command) or w/W (write a file), as a command or an s/// flag. */
export function sedRunsOrWrites(script: string): boolean {
  let i = 0;
  const n = script.length;
  const skipAddress = (): void => {
    while (i < n) {
      const c = script[i] as string;
      if (/[0-9$,!~+\s]/.test(c)) {
        i += 1;
        continue;
      }
      if (c === '/' || c === '\\') {
        const delim = c === '\\' ? script[i + 1] : '/';
        i += c === '\\' ? 2 : 1;
        while (i < n && script[i] !== delim) i += script[i] === '\\' ? 2 : 1;
        i += 1;
        continue;
      }
      return;
    }
  };
  while (i < n) {
    skipAddress();
    const cmd = script[i];
    if (cmd === undefined) break;
    if (cmd === 'e' || cmd === 'w' || cmd === 'W') return true;
    if (cmd === 's' || cmd === 'y') {
      const delim = script[i + 1];
      if (delim === undefined) return true;
      i += 2;
      for (let section = 0; section < 2; section++) {
        while (i < n && script[i] !== delim) i += script[i] === '\\' ? 2 : 1;
        if (i >= n) return true;
        i += 1;
      }
      const flags = /^[^;\n}]*/.exec(script.slice(i))?.[0] ?? '';
      if (cmd === 's' && /[ewW]/.test(flags)) return true;
      i += flags.length;
    } else if (/[aic]/.test(cmd)) {
      // Text commands take the rest of the line as text.
      while (i < n && script[i] !== '\n') i += 1;
    } else if (/[rRbtTq:]/.test(cmd)) {
      while (i < n && script[i] !== ';' && script[i] !== '\n') i += 1;
    } else {
      i += 1;
    }
    while (i < n && /[;\n\s}{]/.test(script[i] as string)) i += 1;
  }
  return false;
}
