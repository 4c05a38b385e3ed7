// Shell code carried in options and variables rather than in `-c`: tar's checkpoint actions
// and --to-command, git's -c core.pager=…, pagers and editors set in the environment, less's
// `+!cmd`, rsync -e, ssh -o ProxyCommand=…, alias bodies. Each is parsed and judged like the
// line it stands in; what aiOS cannot read (code in a file, git config from the environment)
// is opaque; code computed at run time is refused.
import type { CodeRun } from './code-runners.js';
import { optionValues } from './option-scan.js';
import type { ExpandedWord } from './shell-words.js';

/** Variables whose value a program runs as shell code (a pager, an editor, a remote shell). */
export const CODE_VARIABLES =
  /^(PAGER|GIT_PAGER|MANPAGER|SYSTEMD_PAGER|EDITOR|VISUAL|GIT_EDITOR|GIT_SEQUENCE_EDITOR|SUDO_EDITOR|SYSTEMD_EDITOR|GIT_SSH_COMMAND|GIT_SSH|GIT_EXTERNAL_DIFF|GIT_ASKPASS|SSH_ASKPASS|GIT_PROXY_COMMAND|RSYNC_RSH|BROWSER|LESSOPEN|LESSCLOSE)$/;
/** Variables that give git configuration aiOS does not see on the line. */
const GIT_CONFIG_VARIABLES = /^GIT_CONFIG(_PARAMETERS|_COUNT|_KEY_[0-9]+|_VALUE_[0-9]+|_GLOBAL|_SYSTEM)?$/;

/** git configuration keys whose value is a command (an alias only when it starts with !). */
const GIT_CODE_KEYS =
  /^(core\.(pager|editor|sshcommand|fsmonitor|askpass|gitproxy)|pager\..+|sequence\.editor|diff\.external|diff\..+\.(command|textconv)|merge\..+\.driver|filter\..+\.(clean|smudge|process)|credential(\..+)?\.helper|gpg(\..+)?\.program|uploadpack\.packobjectshook|remote\..+\.(uploadpack|receivepack)|interactive\.difffilter|web\.browser|browser\..+\.cmd|man\..+\.cmd|alias\..+)$/;
/** git configuration that runs code from files aiOS has not read. */
const GIT_OPAQUE_KEYS = /^(core\.hookspath|include\.path|includeif\..+)$/;

/** The code a variable's value runs, when it is one of the code variables. */
export function variableCode(name: string, value: string, computed: boolean): CodeRun | null {
  if (GIT_CONFIG_VARIABLES.test(name)) return { kind: 'opaque', why: `git configuration set through ${name}` };
  if (!CODE_VARIABLES.test(name)) return null;
  if (computed) return { kind: 'refused', why: `${name}, which a program runs as a command, is computed at run time` };
  // LESSOPEN="|cmd %s" (or "||cmd", "|-cmd") pipes through cmd.
  const text = /^LESS/.test(name) ? value.replace(/^\|{1,2}-?/, '') : value;
  return text.trim() === '' ? null : { kind: 'shell', text };
}

const shell = (text: string): CodeRun => ({ kind: 'shell', text });

function valuesOf(args: readonly ExpandedWord[], short: string, long: string[]): { text: string; computed: boolean }[] {
  const texts = args.map((a) => a.text);
  return optionValues(texts, { short, long }).map((text) => ({
    text,
    computed: args.some((a) => !a.static && a.text.endsWith(text)),
  }));
}

function codeOf(
  program: string,
  values: { text: string; computed: boolean }[],
  map: (v: string) => string | null = (v) => v,
): CodeRun[] {
  return values.flatMap(({ text, computed }) => {
    const code = map(text);
    if (code === null) return [];
    return computed
      ? [{ kind: 'refused', why: `a command given to ${program} is computed at run time` } as const]
      : [shell(code)];
  });
}

function gitCode(args: readonly ExpandedWord[]): CodeRun[] {
  const out: CodeRun[] = [];
  if (args.some((a) => a.text.startsWith('--config-env')))
    out.push({ kind: 'opaque', why: 'git configuration taken from the environment (--config-env)' });
  for (const [i, a] of args.entries()) {
    if (a.text !== '-c') continue;
    const setting = args[i + 1];
    if (setting === undefined) continue;
    const eq = setting.text.indexOf('=');
    const key = (eq < 0 ? setting.text : setting.text.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? '' : setting.text.slice(eq + 1);
    if (GIT_OPAQUE_KEYS.test(key))
      out.push({ kind: 'opaque', why: `git -c ${key} runs code from files aiOS has not read` });
    else if (GIT_CODE_KEYS.test(key)) {
      if (!setting.static) out.push({ kind: 'refused', why: `git -c ${key} is computed at run time` });
      // An alias runs shell code only when it starts with "!"; a credential helper likewise, else it names a program.
      else if (key.startsWith('alias.')) {
        if (value.startsWith('!')) out.push(shell(value.slice(1)));
      } else out.push(shell(value.replace(/^!/, '')));
    }
  }
  return out;
}

/** less +!cmd (or ++!cmd) runs cmd when less starts. */
function lessCode(args: readonly ExpandedWord[]): CodeRun[] {
  return args.flatMap((a) => {
    const m = /^\+\+?!(.*)$/s.exec(a.text);
    if (m === null) return [];
    return a.static ? [shell(m[1] ?? '')] : [{ kind: 'refused', why: 'a less command computed at run time' } as const];
  });
}

/** ssh -o ProxyCommand=… / LocalCommand=… (and their "Key value" spelling). */
function sshOptionCode(args: readonly ExpandedWord[]): CodeRun[] {
  return codeOf(
    'ssh',
    valuesOf(args, 'o', []),
    (v) => /^(ProxyCommand|LocalCommand|KnownHostsCommand)[ =](.*)$/is.exec(v)?.[2] ?? null,
  );
}

/** The programs embeddedCode reads. */
export const EMBEDDED_CODE_PROGRAMS: ReadonlySet<string> = new Set([
  'tar',
  'gtar',
  'bsdtar',
  'git',
  'less',
  'man',
  'rsync',
  'ssh',
  'scp',
  'sftp',
  'alias',
  'export',
  'declare',
  'typeset',
  'local',
  'readonly',
  'env',
]);

/** Shell code inside this program's options (besides -c forms, which code-runners.ts reads). */
export function embeddedCode(program: string, args: readonly ExpandedWord[]): CodeRun[] {
  switch (program) {
    case 'tar':
    case 'gtar':
    case 'bsdtar':
      return [
        ...codeOf('tar', valuesOf(args, '', ['checkpoint-action']), (v) => /^exec=(.*)$/s.exec(v)?.[1] ?? null),
        ...codeOf(
          'tar',
          valuesOf(args, 'IF', [
            'to-command',
            'use-compress-program',
            'info-script',
            'new-volume-script',
            'rsh-command',
          ]),
        ),
      ];
    case 'git':
      return gitCode(args);
    case 'less':
      return lessCode(args);
    case 'man':
      return codeOf('man', valuesOf(args, 'PH', ['pager', 'html']));
    case 'rsync':
      return codeOf('rsync', valuesOf(args, 'e', ['rsh', 'rsync-path']));
    case 'ssh':
    case 'scp':
    case 'sftp':
      return sshOptionCode(args);
    case 'alias':
      return args.flatMap((a) => {
        const eq = a.text.indexOf('=');
        if (eq < 0) return [];
        return a.static
          ? [shell(a.text.slice(eq + 1))]
          : [{ kind: 'refused', why: 'an alias whose body is computed at run time' } as const];
      });
    case 'export':
    case 'declare':
    case 'typeset':
    case 'local':
    case 'readonly':
    case 'env':
      return args.flatMap((a) => {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(a.text);
        if (m?.[1] === undefined) return [];
        const code = variableCode(m[1], m[2] ?? '', !a.static);
        return code === null ? [] : [code];
      });
    default:
      return [];
  }
}
