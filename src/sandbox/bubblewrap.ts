// Commands that only need to read run inside bubblewrap: a read-only view of the root,
// a private /tmp, no network unless asked, every capability dropped, aiOS's own state and
// secrets hidden, killed with their parent, and bounded by rlimits. Where user namespaces
// are unavailable the probe says so and callers fall back to the stricter policy.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface SandboxPolicy {
  /** Paths the command may write (bound read-write); everything else is read-only. */
  writable: readonly string[];
  /** Paths to hide entirely (an empty tmpfs over a directory, /dev/null over a file). */
  hidden: readonly { path: string; kind: 'dir' | 'file' }[];
  network: boolean;
  cpuSeconds: number;
  memoryBytes: number;
  /**
   * Keep root's power over the files it may write (a writing command as root): no user
   * namespace, and only the capabilities that could undo the confinement are dropped.
   */
  privileged?: boolean;
}

/**
 * Files every sandbox hides whatever the caller asks: the password and group hashes (and the
 * backups the shadow tools keep beside them). Bound to /dev/null: they read as empty.
 */
export const SYSTEM_SECRETS: readonly string[] = ['/etc/shadow', '/etc/gshadow', '/etc/shadow-', '/etc/gshadow-'];

/**
 * What a privileged sandbox drops: mounting or remounting (SYS_ADMIN), handles that reach
 * outside the mount namespace (DAC_READ_SEARCH: open_by_handle_at), device nodes and raw I/O
 * (MKNOD, SYS_RAWIO), kernel modules, tracing other processes, BPF, rebooting.
 */
const ESCAPE_CAPS = [
  'CAP_SYS_ADMIN',
  'CAP_DAC_READ_SEARCH',
  'CAP_MKNOD',
  'CAP_SYS_RAWIO',
  'CAP_SYS_MODULE',
  'CAP_SYS_PTRACE',
  'CAP_BPF',
  'CAP_PERFMON',
  'CAP_SYS_BOOT',
];

export interface SandboxProbe {
  available: boolean;
  bwrap: string | null;
  reason: string;
}

const BWRAP_CANDIDATES = ['/usr/bin/bwrap', '/bin/bwrap', '/usr/local/bin/bwrap'];

/** Names the bwrap binary to use instead of searching for it (unusual installs, and tests that need it missing). */
export const BWRAP_ENV = 'AIOS_SANDBOX_BWRAP';

const cached = new Map<string, SandboxProbe>();

function probe(bwrap: string | null, named: boolean): SandboxProbe {
  if (bwrap === null)
    return { available: false, bwrap: null, reason: 'bubblewrap is not installed (Debian package "bubblewrap")' };
  if (named && !existsSync(bwrap))
    return { available: false, bwrap: null, reason: `bubblewrap not found at ${bwrap} (named by ${BWRAP_ENV})` };
  const r = spawnSync(
    bwrap,
    ['--ro-bind', '/', '/', '--unshare-all', '--die-with-parent', '--cap-drop', 'ALL', '/bin/true'],
    { encoding: 'utf8', timeout: 5000 },
  );
  return r.status === 0
    ? { available: true, bwrap, reason: 'bubblewrap with user namespaces' }
    : {
        available: false,
        bwrap,
        reason: `bubblewrap cannot create namespaces here: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`,
      };
}

/** Tries a real sandboxed `true` once per process and binary: the only honest test of namespaces here. */
export function probeSandbox(env: NodeJS.ProcessEnv = process.env): SandboxProbe {
  const named = env[BWRAP_ENV];
  const bwrap = named !== undefined && named !== '' ? named : (BWRAP_CANDIDATES.find((p) => existsSync(p)) ?? null);
  const key = bwrap ?? '';
  let result = cached.get(key);
  if (result === undefined) {
    result = probe(bwrap, named !== undefined && named !== '');
    cached.set(key, result);
  }
  return result;
}

/** The argv that runs `argv` inside the sandbox; throws if the sandbox is unavailable. */
export function sandboxArgv(argv: readonly string[], policy: SandboxPolicy): string[] {
  const probe = probeSandbox();
  if (!probe.available || probe.bwrap === null) throw new Error(`sandbox unavailable: ${probe.reason}`);
  const privileged = policy.privileged === true && process.geteuid?.() === 0;
  const args = [
    probe.bwrap,
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--tmpfs',
    '/tmp',
    ...(privileged
      ? [
          '--unshare-pid',
          '--unshare-ipc',
          '--unshare-uts',
          '--unshare-cgroup-try',
          ...(policy.network ? [] : ['--unshare-net']),
        ]
      : ['--unshare-all', ...(policy.network ? ['--share-net'] : [])]),
    '--die-with-parent',
    '--new-session',
    ...(privileged ? ESCAPE_CAPS.flatMap((c) => ['--cap-drop', c]) : ['--cap-drop', 'ALL']),
  ];
  const hidden = [...policy.hidden, ...SYSTEM_SECRETS.map((path) => ({ path, kind: 'file' as const }))];
  for (const h of hidden) {
    if (!existsSync(h.path)) continue;
    args.push(...(h.kind === 'dir' ? ['--tmpfs', h.path] : ['--ro-bind', '/dev/null', h.path]));
  }
  for (const w of policy.writable) args.push('--bind', w, w);
  // A directory bound writable would uncover what was hidden inside it: hidden again, on top.
  for (const h of hidden) {
    if (!existsSync(h.path) || policy.writable.includes(h.path)) continue;
    if (!policy.writable.some((w) => h.path.startsWith(w === '/' ? '/' : `${w}/`))) continue;
    args.push(...(h.kind === 'dir' ? ['--tmpfs', h.path] : ['--ro-bind', '/dev/null', h.path]));
  }
  args.push('--', 'prlimit', `--cpu=${policy.cpuSeconds}`, `--as=${policy.memoryBytes}`, '--', ...argv);
  return args;
}
