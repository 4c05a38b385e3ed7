// Programs that run another program: where, in their argv, the inner command starts. Options
// are read exactly; an option a wrapper is not known to take is refused, since guessing
// whether it takes an argument would let `wrapper -X arg rm …` hide the real program.
import type { ExpandedWord } from './shell-words.js';

interface OptionSpec {
  /** Single-letter options that take an argument (attached, -uroot, or separate, -u root). */
  short?: string;
  /** Single-letter options without an argument. */
  flags?: string;
  /** Long options that take an argument (--user=root or --user root). */
  long?: string[];
  /** Long options without an argument. */
  longFlags?: string[];
  /** Positional operands before the command (timeout's duration, chroot's new root). */
  operands?: number;
  /** NAME=value words set the environment (env). */
  assignments?: boolean;
  /** A -N numeric option is allowed (nice -10). */
  numeric?: boolean;
}

export type Unwrapped =
  | { kind: 'command'; argv: ExpandedWord[]; appendsInput: boolean }
  | { kind: 'shell'; text: string }
  | { kind: 'none' }
  | { kind: 'opaque'; why: string }
  | { kind: 'refused'; why: string };

const SPECS: Record<string, OptionSpec> = {
  sudo: {
    short: 'ugpCDrtTUhR',
    flags: 'AbEeHiKklnPSsVv',
    long: [
      'user',
      'group',
      'prompt',
      'close-from',
      'chdir',
      'role',
      'type',
      'command-timeout',
      'other-user',
      'host',
      'chroot',
    ],
    longFlags: [
      'askpass',
      'background',
      'preserve-env',
      'edit',
      'set-home',
      'login',
      'remove-timestamp',
      'reset-timestamp',
      'list',
      'non-interactive',
      'preserve-groups',
      'stdin',
      'shell',
      'validate',
      'version',
      'help',
    ],
  },
  doas: { short: 'uC', flags: 'nsL' },
  env: {
    short: 'uCS',
    flags: 'i0v',
    long: ['unset', 'chdir', 'split-string', 'block-signal', 'default-signal', 'ignore-signal'],
    longFlags: ['ignore-environment', 'null', 'debug', 'list-signal-handling'],
    assignments: true,
  },
  nice: { short: 'n', long: ['adjustment'], numeric: true },
  ionice: { short: 'cnpPu', flags: 't', long: ['class', 'classdata', 'pid', 'pgid', 'uid'], longFlags: ['ignore'] },
  timeout: {
    short: 'sk',
    flags: 'v',
    long: ['signal', 'kill-after'],
    longFlags: ['preserve-status', 'foreground', 'verbose'],
    operands: 1,
  },
  nohup: {},
  setsid: { flags: 'cfw', longFlags: ['ctty', 'fork', 'wait'] },
  stdbuf: { short: 'ioe', long: ['input', 'output', 'error'] },
  command: { flags: 'pvV' },
  exec: { short: 'a', flags: 'cl' },
  builtin: {},
  time: {
    short: 'fo',
    flags: 'pavq',
    long: ['format', 'output'],
    longFlags: ['portability', 'append', 'verbose', 'quiet'],
  },
  chroot: { long: ['userspec', 'groups'], longFlags: ['skip-chdir'], operands: 1 },
  xargs: {
    short: 'adEIiLlnPs',
    flags: '0oprtx',
    long: [
      'arg-file',
      'delimiter',
      'eof',
      'replace',
      'max-lines',
      'max-args',
      'max-procs',
      'max-chars',
      'process-slot-var',
    ],
    longFlags: ['null', 'open-tty', 'interactive', 'no-run-if-empty', 'verbose', 'exit', 'show-limits'],
  },
  flock: {
    short: 'wEc',
    flags: 'sxunoFv',
    long: ['timeout', 'conflict-exit-code', 'command'],
    longFlags: ['shared', 'exclusive', 'unlock', 'nonblock', 'close', 'no-fork', 'verbose'],
    operands: 1,
  },
};

interface Scan {
  index: number;
  seen: Map<string, string | true>;
}

/** Reads options per the spec; the index where operands start, or why it cannot tell. */
function scanOptions(args: readonly ExpandedWord[], spec: OptionSpec, program: string): Scan | string {
  const seen = new Map<string, string | true>();
  let i = 0;
  while (i < args.length) {
    const arg = args[i] as ExpandedWord;
    const a = arg.text;
    if (!a.startsWith('-') || a === '-') {
      if (spec.assignments === true && /^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) {
        i += 1;
        continue;
      }
      break;
    }
    if (!arg.static) return `an option of ${program} is computed at run time (${a})`;
    if (a === '--') {
      i += 1;
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      if (spec.long?.includes(name) === true) {
        if (eq >= 0) seen.set(name, a.slice(eq + 1));
        else {
          seen.set(name, args[i + 1]?.text ?? '');
          i += 1;
        }
      } else if (spec.longFlags?.includes(name) === true) {
        seen.set(name, true);
      } else {
        return `${program} option ${a} is not one aiOS knows; it cannot tell which program would run`;
      }
      i += 1;
      continue;
    }
    if (spec.numeric === true && /^-\d+$/.test(a)) {
      i += 1;
      continue;
    }
    let j = 1;
    for (; j < a.length; j++) {
      const c = a[j] as string;
      if (spec.short?.includes(c) === true) {
        const attached = a.slice(j + 1);
        if (attached !== '') seen.set(c, attached);
        else {
          seen.set(c, args[i + 1]?.text ?? '');
          i += 1;
        }
        break;
      }
      if (spec.flags?.includes(c) !== true)
        return `${program} option -${c} is not one aiOS knows; it cannot tell which program would run`;
      seen.set(c, true);
    }
    i += 1;
  }
  for (let k = 0; k < (spec.operands ?? 0); k++) {
    if (i >= args.length) break;
    if (args[i]?.static !== true) return `an operand of ${program} is computed at run time`;
    i += 1;
  }
  return { index: i, seen };
}

const has = (scan: Scan, ...names: string[]): boolean => names.some((n) => scan.seen.has(n));
const joined = (words: readonly ExpandedWord[]): string => words.map((w) => w.text).join(' ');

/** What a wrapper runs, given its own name and its arguments; null when `program` is no wrapper. */
export function unwrap(program: string, args: readonly ExpandedWord[]): Unwrapped | null {
  if (program === 'busybox')
    return args.length === 0 ? { kind: 'none' } : { kind: 'command', argv: [...args], appendsInput: false };
  if (program === 'ip') return ipExec(args);
  const spec = SPECS[program];
  if (spec === undefined) return null;
  const scan = scanOptions(args, spec, program);
  if (typeof scan === 'string') return { kind: 'refused', why: scan };
  const rest = args.slice(scan.index);
  switch (program) {
    case 'sudo':
      if (has(scan, 'e', 'edit')) return { kind: 'opaque', why: 'sudo -e edits files in an interactive editor' };
      if (
        has(scan, 'l', 'list', 'v', 'validate', 'k', 'K', 'V', 'version', 'help', 'reset-timestamp', 'remove-timestamp')
      )
        return { kind: 'none' };
      if (has(scan, 's', 'shell', 'i', 'login'))
        return rest.length === 0
          ? { kind: 'opaque', why: 'an interactive root shell' }
          : { kind: 'shell', text: joined(rest) };
      break;
    case 'doas':
      if (has(scan, 's')) return { kind: 'opaque', why: 'an interactive root shell' };
      if (has(scan, 'L')) return { kind: 'none' };
      break;
    case 'env': {
      const split = scan.seen.get('S') ?? scan.seen.get('split-string');
      if (typeof split === 'string') return { kind: 'shell', text: [split, joined(rest)].filter(Boolean).join(' ') };
      break;
    }
    case 'ionice':
      if (has(scan, 'p', 'P', 'u', 'pid', 'pgid', 'uid')) return { kind: 'none' };
      break;
    case 'command':
      if (has(scan, 'v', 'V')) return { kind: 'none' };
      break;
    case 'chroot':
      if (rest.length === 0) return { kind: 'opaque', why: 'an interactive shell inside the new root' };
      break;
    case 'xargs':
      return {
        kind: 'command',
        argv: rest.length === 0 ? [{ text: 'echo', static: true }] : [...rest],
        appendsInput: true,
      };
    case 'flock': {
      // flock [options] file -c command: -c may also come after the lock file.
      const after = rest[0]?.text === '-c' || rest[0]?.text === '--command' ? rest[1]?.text : undefined;
      const cmd = scan.seen.get('c') ?? scan.seen.get('command') ?? after;
      if (typeof cmd === 'string') return { kind: 'shell', text: cmd };
      break;
    }
    default:
      break;
  }
  return rest.length === 0 ? { kind: 'none' } : { kind: 'command', argv: [...rest], appendsInput: false };
}

/** Finds every -exec in a find command line (there may be several). */
export function findExecs(args: readonly ExpandedWord[]): ExpandedWord[][] {
  const out: ExpandedWord[][] = [];
  for (let i = 0; i < args.length; i++) {
    if (!/^-(exec|execdir|ok|okdir)$/.test(args[i]?.text ?? '')) continue;
    let end = args.findIndex((a, k) => k > i && (a.text === ';' || a.text === '+'));
    if (end < 0) end = args.length;
    out.push(args.slice(i + 1, end));
    i = end;
  }
  return out;
}

/** find's start paths (the operands before its first test or action); `.` when there are none. */
export function findStartPaths(args: readonly ExpandedWord[]): ExpandedWord[] {
  const starts: ExpandedWord[] = [];
  for (const a of args) {
    // -H, -L, -P and -D/-O come before the paths; anything else starting with - ( or ! begins the expression.
    if (starts.length === 0 && /^-([HLP]|D|O[0-9]*)$/.test(a.text)) continue;
    if (/^[-(!),]/.test(a.text)) break;
    starts.push(a);
  }
  return starts.length > 0 ? starts : [{ text: '.', static: true }];
}

/** ip's global options that take a value (ip accepts any prefix of an option's name). */
const IP_VALUE_OPTIONS = ['family', 'netns', 'rcvbuf', 'loops', 'batch'];

/** `ip netns exec NAME cmd…` and `ip vrf exec NAME cmd…` run cmd (with -all, in every namespace and no NAME). */
export function ipExec(args: readonly ExpandedWord[]): Unwrapped | null {
  let i = 0;
  let all = false;
  for (; i < args.length && (args[i]?.text ?? '').startsWith('-'); i++) {
    const name = (args[i]?.text ?? '').replace(/^-+/, '');
    if (name !== '' && 'all'.startsWith(name)) all = true;
    else if (name.length > 0 && IP_VALUE_OPTIONS.some((o) => o.startsWith(name)) && !'all'.startsWith(name)) i += 1;
  }
  const object = args[i]?.text ?? '';
  const verb = args[i + 1]?.text ?? '';
  if (
    !((object.length >= 3 && 'netns'.startsWith(object)) || object === 'vrf') ||
    verb === '' ||
    !'exec'.startsWith(verb)
  )
    return null;
  const inner = args.slice(i + (all ? 2 : 3));
  return inner.length === 0 ? { kind: 'none' } : { kind: 'command', argv: [...inner], appendsInput: false };
}
