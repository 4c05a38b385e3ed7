// sec.*: read-only security audits: files anyone may write or that run with their owner's
// rights, the accounts on the node, the SSH server's settings, and pending security updates.
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { absolutePath, formatMode } from './fields.js';
import { describeFsError, fail } from './fs-read-tools.js';
import { formatTable } from './format.js';
import { runProgram } from './run-program.js';
import { defineTool, type Tool } from './tool.js';

const MAX_SCANNED = 200_000;

export interface PermFinding {
  path: string;
  kind: 'world-writable' | 'setuid' | 'setgid';
  mode: string;
  uid: number;
}

/** Walks one filesystem (never crossing mounts or following links) for risky permission bits. */
export async function auditPermissions(
  root: string,
  limit: number,
  signal: AbortSignal,
): Promise<{ findings: PermFinding[]; scanned: number }> {
  const findings: PermFinding[] = [];
  let scanned = 0;
  const top = await lstat(root);
  const walk = async (dir: string): Promise<void> => {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.sort()) {
      if (findings.length >= limit || scanned >= MAX_SCANNED || signal.aborted) return;
      const p = join(dir, name);
      const st = await lstat(p).catch(() => null);
      if (st === null || st.isSymbolicLink()) continue;
      scanned += 1;
      const mode = st.mode & 0o7777;
      // A world-writable directory with the sticky bit (/tmp) is how shared directories work.
      if ((mode & 0o002) !== 0 && !(st.isDirectory() && (mode & 0o1000) !== 0))
        findings.push({ path: p, kind: 'world-writable', mode: formatMode(mode), uid: st.uid });
      if (st.isFile() && (mode & 0o4000) !== 0)
        findings.push({ path: p, kind: 'setuid', mode: formatMode(mode), uid: st.uid });
      if (st.isFile() && (mode & 0o2000) !== 0)
        findings.push({ path: p, kind: 'setgid', mode: formatMode(mode), uid: st.uid });
      if (st.isDirectory() && st.dev === top.dev) await walk(p);
    }
  };
  if (top.isDirectory()) await walk(root);
  return { findings, scanned };
}

interface SshFinding {
  setting: string;
  value: string;
  severity: 'high' | 'medium' | 'info';
  advice: string;
}

/** Effective values (first one wins, as sshd reads them) from sshd_config text. */
export function auditSshd(text: string): { settings: Record<string, string>; findings: SshFinding[] } {
  const settings: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (/^match\s/i.test(line)) break; // Match blocks apply conditionally; the global part ends here.
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (m?.[1] === undefined || m[2] === undefined) continue;
    const key = m[1].toLowerCase();
    settings[key] ??= m[2].trim();
  }
  const get = (k: string, dflt: string): string => (settings[k] ?? dflt).toLowerCase();
  const findings: SshFinding[] = [];
  const check = (
    setting: string,
    value: string,
    bad: boolean,
    severity: SshFinding['severity'],
    advice: string,
  ): void => {
    if (bad) findings.push({ setting, value, severity, advice });
  };
  check(
    'PermitRootLogin',
    get('permitrootlogin', 'prohibit-password'),
    get('permitrootlogin', 'prohibit-password') === 'yes',
    'high',
    'set PermitRootLogin prohibit-password (keys only) or no',
  );
  check(
    'PasswordAuthentication',
    get('passwordauthentication', 'yes'),
    get('passwordauthentication', 'yes') === 'yes',
    'medium',
    'use keys: set PasswordAuthentication no',
  );
  check(
    'PermitEmptyPasswords',
    get('permitemptypasswords', 'no'),
    get('permitemptypasswords', 'no') === 'yes',
    'high',
    'set PermitEmptyPasswords no',
  );
  check(
    'X11Forwarding',
    get('x11forwarding', 'no'),
    get('x11forwarding', 'no') === 'yes',
    'info',
    'set X11Forwarding no unless needed',
  );
  check(
    'MaxAuthTries',
    get('maxauthtries', '6'),
    Number(get('maxauthtries', '6')) > 6,
    'medium',
    'set MaxAuthTries 3 to 6',
  );
  check(
    'PubkeyAuthentication',
    get('pubkeyauthentication', 'yes'),
    get('pubkeyauthentication', 'yes') === 'no',
    'medium',
    'enable PubkeyAuthentication',
  );
  return { settings, findings };
}

export function createSecTools(): Tool[] {
  const perms = defineTool({
    name: 'sec.file_audit',
    description:
      'Find world-writable files and directories (without the sticky bit) and setuid/setgid programs under a path, on one filesystem.',
    schema: z.strictObject({
      path: absolutePath('Directory to audit, e.g. /usr or /etc'),
      maxResults: z
        .number()
        .int()
        .min(1)
        .max(10_000)
        .optional()
        .describe('Stop after this many findings (default 500)'),
    }),
    capabilities: ['sec.read'],
    risk: 'low',
    reversible: false,
    mutates: false,
    paths: (args) => [{ path: args.path, access: 'read' }],
    preview: (args) => Promise.resolve({ summary: `audit permissions under ${args.path}` }),
    async execute(args, ctx) {
      try {
        const r = await auditPermissions(args.path, args.maxResults ?? 500, ctx.signal);
        const rows = r.findings.map((f) => [f.kind, f.mode, String(f.uid), f.path]);
        const output =
          r.findings.length === 0
            ? `nothing world-writable, setuid or setgid under ${args.path} (${r.scanned} entries)`
            : `${formatTable(['KIND', 'MODE', 'UID', 'PATH'], rows)}\n(${r.scanned} entries scanned)`;
        return { ok: true, output, data: r };
      } catch (error) {
        return fail(describeFsError(error, args.path));
      }
    },
  });

  const users = defineTool({
    name: 'sec.users',
    description:
      'Accounts and groups: who can log in (a real shell), who has uid 0, and who is in admin groups (sudo, wheel, aios-admin).',
    schema: z.strictObject({}),
    capabilities: ['sec.read'],
    risk: 'low',
    reversible: false,
    mutates: false,
    paths: () => [
      { path: '/etc/passwd', access: 'read' },
      { path: '/etc/group', access: 'read' },
    ],
    preview: () => Promise.resolve({ summary: 'list accounts and groups' }),
    async execute() {
      const passwd = await readFile('/etc/passwd', 'utf8');
      const group = await readFile('/etc/group', 'utf8').catch(() => '');
      const accounts = passwd
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [name = '', , uid = '', gid = '', gecos = '', home = '', shell = ''] = l.split(':');
          return {
            name,
            uid: Number(uid),
            gid: Number(gid),
            gecos,
            home,
            shell,
            canLogin: !/(nologin|false|sync|shutdown|halt)$/.test(shell) && shell !== '',
          };
        });
      const groups = group
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [name = '', , gid = '', members = ''] = l.split(':');
          return { name, gid: Number(gid), members: members.split(',').filter(Boolean) };
        });
      const admins = groups.filter((g) => ['sudo', 'wheel', 'admin', 'aios-admin', 'root'].includes(g.name));
      const rows = accounts
        .filter((a) => a.canLogin || a.uid === 0)
        .map((a) => [a.name, String(a.uid), a.shell, a.home]);
      const output = [
        `accounts that can log in or have uid 0:\n${formatTable(['USER', 'UID', 'SHELL', 'HOME'], rows)}`,
        `uid 0: ${accounts
          .filter((a) => a.uid === 0)
          .map((a) => a.name)
          .join(', ')}`,
        ...admins.map((g) => `group ${g.name}: ${g.members.join(', ') || '(no extra members)'}`),
      ].join('\n');
      return { ok: true, output, data: { accounts, groups } };
    },
  });

  const sshd = defineTool({
    name: 'sec.sshd_audit',
    description: "Check the SSH server's configuration for risky settings (root login, passwords, empty passwords…).",
    schema: z.strictObject({ path: absolutePath('sshd_config to read (default /etc/ssh/sshd_config)').optional() }),
    capabilities: ['sec.read'],
    risk: 'low',
    reversible: false,
    mutates: false,
    paths: (args) => [{ path: args.path ?? '/etc/ssh/sshd_config', access: 'read' }],
    preview: (args) => Promise.resolve({ summary: `audit ${args.path ?? '/etc/ssh/sshd_config'}` }),
    async execute(args) {
      const path = args.path ?? '/etc/ssh/sshd_config';
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        return fail(`${describeFsError(error, path)} (is an SSH server installed?)`);
      }
      const r = auditSshd(text);
      const output =
        r.findings.length === 0
          ? `${path}: no risky settings found`
          : formatTable(
              ['SEVERITY', 'SETTING', 'VALUE', 'ADVICE'],
              r.findings.map((f) => [f.severity, f.setting, f.value, f.advice]),
            );
      return { ok: true, output, data: r };
    },
  });

  const updates = defineTool({
    name: 'sec.security_updates',
    description:
      'Pending security updates from the configured apt sources (simulated upgrade; run pkg.upgrade to apply).',
    schema: z.strictObject({}),
    capabilities: ['sec.read'],
    risk: 'low',
    reversible: false,
    mutates: false,
    commandLines: () => [['apt-get', '-s', 'upgrade']],
    preview: () => Promise.resolve({ summary: 'list pending security updates (apt-get -s upgrade)' }),
    async execute() {
      const r = await runProgram(['apt-get', '-s', 'upgrade'], {
        timeoutMs: 120_000,
        outputCapBytes: 8 * 1024 * 1024,
        env: { DEBIAN_FRONTEND: 'noninteractive' },
      });
      if (!r.started)
        return fail(r.error.startsWith('program not found') ? 'apt-get is not installed on this node' : r.error);
      if (r.exitCode !== 0) return fail(`apt-get -s upgrade failed: ${r.stderr.trim()}`);
      const pending = r.stdout.split('\n').flatMap((line) => {
        const m = /^Inst (\S+) \[([^\]]+)\] \((\S+) ([^)]*)\)/.exec(line);
        return m?.[1] !== undefined && /security/i.test(m[4] ?? '')
          ? [{ name: m[1], from: m[2] ?? '', to: m[3] ?? '', origin: m[4] ?? '' }]
          : [];
      });
      const output =
        pending.length === 0
          ? 'no pending security updates (as of the last apt update)'
          : formatTable(
              ['PACKAGE', 'INSTALLED', 'UPDATE'],
              pending.map((p) => [p.name, p.from, p.to]),
            );
      return { ok: true, output, data: { pending } };
    },
  });

  return [perms, users, sshd, updates];
}
