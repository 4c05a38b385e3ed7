// Paths as policy sees them: text that cannot deceive (no control characters, no bidi or
// invisible characters, NFC), the canonical form the kernel will reach (realpath of the parent,
// the leaf itself never followed), and whether it is one of the paths only an admin may touch.
import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

// eslint-disable-next-line no-control-regex -- control characters are what this rejects
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
/** Bidi controls and invisible characters: they make a path read as something it is not. */
const DECEPTIVE =
  // eslint-disable-next-line no-misleading-character-class -- lone combining marks and selectors are exactly what this must catch
  /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb]/u;

/** Why this path text is refused, or null when it is plain. */
export function pathTextProblem(path: string): string | null {
  if (CONTROL.test(path)) return 'contains a control character (newline, tab, escape…)';
  if (DECEPTIVE.test(path))
    return 'contains an invisible or text-direction character that makes it read as something else';
  if (/[\uD800-\uDFFF]/u.test(path)) return 'is not valid Unicode (a lone surrogate)';
  return null;
}

export interface CanonicalPath {
  /** realpath of the deepest existing ancestor, then the rest as written; the leaf is never followed. */
  canonical: string;
  /** The path as given, with . and .. resolved as text. */
  lexical: string;
}

/** Resolves symlinks in every parent component; the last component stays as it is. */
export function canonicalPath(path: string): CanonicalPath {
  const lexical = resolve(path.normalize('NFC'));
  if (lexical === '/') return { canonical: '/', lexical };
  return { canonical: join(realAncestor(dirname(lexical)), basename(lexical)), lexical };
}

function realAncestor(dir: string): string {
  try {
    return realpathSync.native(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ENOENT' || code === 'ENOTDIR') && dir !== '/')
      return join(realAncestor(dirname(dir)), basename(dir));
    if (code === 'EACCES' || code === 'ELOOP' || code === 'ENOENT' || code === 'ENOTDIR') return dir;
    throw err;
  }
}

export interface ProtectedRule {
  /** What it is, for the person reading the refusal. */
  what: string;
  /** Reading it is as sensitive as writing it (password hashes, keys, the audit database). */
  secret: boolean;
  matches: (path: string) => boolean;
  /** Where what it protects lives: a directory declared writable whole that holds one of these is judged a change to it. */
  roots?: readonly string[];
}

export interface ProtectedMatch {
  path: string;
  what: string;
  secret: boolean;
}

const under =
  (root: string) =>
  (p: string): boolean =>
    p === root || p.startsWith(root.endsWith('/') ? root : `${root}/`);
const exactly =
  (...paths: string[]) =>
  (p: string): boolean =>
    paths.includes(p);

/** The node's own protected files, and aiOS's (its state directory, config and secrets). */
export function protectedRules(aios: {
  stateDir: string;
  configDirs: readonly string[];
  secretsFile: string;
}): ProtectedRule[] {
  // Where aiOS's own paths really are, asked again at most every second: a glob can make
  // thousands of paths to check in one evaluation, and each would otherwise re-resolve these.
  const known = new Map<string, { at: number; canonical: string }>();
  const real = (p: string): string => {
    const now = performance.now();
    const hit = known.get(p);
    if (hit !== undefined && now - hit.at < 1000) return hit.canonical;
    const canonical = canonicalPath(p).canonical;
    known.set(p, { at: now, canonical });
    return canonical;
  };
  return [
    {
      what: 'the aiOS state directory (audit ledger, snapshots, signing key)',
      secret: true,
      matches: (p) => under(aios.stateDir)(p) || under(real(aios.stateDir))(p),
      roots: [aios.stateDir, real(aios.stateDir)],
    },
    {
      what: 'the aiOS secrets file',
      secret: true,
      matches: (p) => p === aios.secretsFile || p === real(aios.secretsFile),
      roots: [aios.secretsFile, real(aios.secretsFile)],
    },
    ...aios.configDirs.map((dir) => ({
      what: 'the aiOS configuration',
      secret: false,
      matches: (p: string) => under(dir)(p) || under(real(dir))(p),
      roots: [dir, real(dir)],
    })),
    {
      what: 'the password hashes (/etc/shadow)',
      secret: true,
      matches: exactly('/etc/shadow', '/etc/shadow-', '/etc/gshadow', '/etc/gshadow-'),
      roots: ['/etc/shadow', '/etc/shadow-', '/etc/gshadow', '/etc/gshadow-'],
    },
    {
      what: 'the sudo rules',
      secret: false,
      matches: (p) => p === '/etc/sudoers' || under('/etc/sudoers.d')(p),
      roots: ['/etc/sudoers', '/etc/sudoers.d'],
    },
    // Anywhere by name; where people's keys usually are, for a directory declared writable whole.
    {
      what: 'SSH authorized keys',
      secret: false,
      matches: (p) => /^authorized_keys2?$/.test(basename(p)),
      roots: ['/root', '/home'],
    },
    {
      what: 'an SSH host private key',
      secret: true,
      matches: (p) => /^\/etc\/ssh\/ssh_host_[a-z0-9]+_key$/.test(p),
      roots: ['/etc/ssh'],
    },
    {
      what: 'the user and group database',
      secret: false,
      matches: exactly('/etc/passwd', '/etc/group', '/etc/passwd-', '/etc/group-'),
      roots: ['/etc/passwd', '/etc/group', '/etc/passwd-', '/etc/group-'],
    },
  ];
}

/** Names that are protected wherever they stand: a relative argument in a shell command is checked by these. */
export const PROTECTED_FILE_NAMES: readonly string[] = [
  'shadow',
  'shadow-',
  'gshadow',
  'gshadow-',
  'sudoers',
  'authorized_keys',
  'authorized_keys2',
  'secrets.toml',
  'aios.db',
  'aios.db-wal',
  'aios.db-shm',
  'audit-key.pem',
];
const PROTECTED_NAMES = new Set(PROTECTED_FILE_NAMES);

export class ProtectedPaths {
  constructor(private readonly rules: readonly ProtectedRule[]) {}

  /** The rule an absolute path falls under, checked in both its lexical and canonical form. */
  match(path: string): ProtectedMatch | null {
    const { canonical, lexical } = canonicalPath(path);
    for (const rule of this.rules) {
      if (rule.matches(canonical) || rule.matches(lexical))
        return { path: canonical, what: rule.what, secret: rule.secret };
    }
    return null;
  }

  /** The rule of something protected inside a directory (declared writable with everything in it), or of the directory itself. */
  matchWithin(dir: string): ProtectedMatch | null {
    const own = this.match(dir);
    if (own !== null) return own;
    const { canonical } = canonicalPath(dir);
    for (const rule of this.rules) {
      const inside = rule.roots?.find((r) => r !== canonical && under(canonical)(r));
      if (inside !== undefined) return { path: inside, what: rule.what, secret: rule.secret };
    }
    return null;
  }

  /** For words in shell commands: absolute paths by rule, anything else by its name alone. */
  matchWord(word: string): ProtectedMatch | null {
    const value = word.includes('=') ? word.slice(word.indexOf('=') + 1) : word;
    for (const candidate of new Set([word, value])) {
      if (candidate.startsWith('/')) {
        const m = this.match(candidate);
        if (m !== null) return m;
      }
      const name = basename(candidate);
      if (PROTECTED_NAMES.has(name))
        return { path: candidate, what: `a file named ${name}, which aiOS protects`, secret: true };
    }
    return null;
  }
}
