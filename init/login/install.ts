// `aios-init install`: makes the chosen accounts' logins (console, serial, SSH) end in the
// aiOS TUI through standard mechanisms: aios-shell in /etc/shells and as their login shell,
// the aios-admin, aios-operator and aios-viewer groups for roles (each account it changes is
// granted one, so nobody lands in a TUI that refuses them), an sshd drop-in, and on a systemd host the
// aios-init unit plus getty drop-ins and serial-getty enablement. Everything is recorded in a
// manifest with backups so that uninstall restores it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileChanges } from './file-changes.js';
import { gettyDropIn, sshdDropIn, systemdUnit, wrapperScript, type InstallLayout } from './host-files.js';
import { manifestFile, readManifest, writeManifest, type Manifest } from './manifest.js';
import { freeSystemId, hasGroup, isMember, passwdEntry, type TextEdit } from './text-edits.js';
import { uninstallLogins } from './uninstall.js';

export interface InstallOptions {
  root: string;
  users: readonly string[];
  allUsers: boolean;
  breakGlass: string | null;
  layout: InstallLayout;
  /** systemd: an existing host. pid1: the aiOS image, where aios-init itself runs the gettys. */
  initSystem: 'systemd' | 'pid1';
  consoles: readonly string[];
  /** The role the chosen accounts are granted (root is always admin); default operator. */
  role?: 'admin' | 'operator' | 'viewer';
}

/** A request install cannot carry out; nothing has been changed when it is thrown. */
export class InstallError extends Error {
  override readonly name = 'InstallError';
}

const SYSTEMD_DIR = '/etc/systemd/system';
// Created in this order, so ids already handed out on earlier installs stay as they were.
const ROLE_GROUPS = ['aios-admin', 'aios-viewer', 'aios-operator'] as const;

function readText(root: string, path: string): string {
  try {
    return readFileSync(join(root, path), 'utf8');
  } catch {
    return '';
  }
}

function listedShells(root: string): Set<string> {
  return new Set(
    readText(root, '/etc/shells')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('/')),
  );
}

/** The accounts to change: named ones must exist; --all-users takes root and every person's account. */
export function chooseUsers(root: string, o: Pick<InstallOptions, 'users' | 'allUsers' | 'breakGlass'>): string[] {
  const passwd = readText(root, '/etc/passwd');
  if (o.users.length === 0 && !o.allUsers) {
    throw new InstallError('name the accounts whose logins land in aiOS: --user NAME (repeatable) or --all-users');
  }
  const shells = listedShells(root);
  const chosen = new Set(o.users);
  if (o.allUsers) {
    for (const line of passwd.split('\n')) {
      const f = line.split(':');
      const uid = Number(f[2]);
      if (f.length === 7 && (uid === 0 || (uid >= 1000 && uid < 65534)) && shells.has(f[6] ?? ''))
        chosen.add(f[0] ?? '');
    }
  }
  if (o.breakGlass !== null) {
    if (o.users.includes(o.breakGlass))
      throw new InstallError(
        `${o.breakGlass} is the break-glass account ([init] break_glass_user); it keeps its normal shell`,
      );
    chosen.delete(o.breakGlass);
  }
  for (const u of chosen)
    if (passwdEntry(passwd, u) === undefined)
      throw new InstallError(`no account named ${u} in ${join(root, '/etc/passwd')}; create it first (adduser ${u})`);
  if (chosen.size === 0)
    throw new InstallError(
      'no account to change: --all-users found only the break-glass account; name one with --user',
    );
  return [...chosen].sort();
}

export function installLogins(o: InstallOptions): { manifest: Manifest; notes: string[] } {
  const { root, layout } = o;
  const existing = readManifest(root);
  if (existing !== null)
    throw new InstallError(
      `aiOS logins were installed on ${existing.installedAt} (${manifestFile(root)}); run aios-init uninstall first`,
    );
  for (const needed of [join(layout.prefix, 'bin/aios-shell.js'), layout.node]) {
    if (!existsSync(join(root, needed)))
      throw new InstallError(
        `${needed} does not exist${root === '/' ? '' : ` under ${root}`}; install aiOS there first (--prefix, --node)`,
      );
  }
  const users = chooseUsers(root, o);
  const aiosShell = `${layout.binDir}/aios-shell`;
  const notes: string[] = [];
  const changes = new FileChanges(root);
  try {
    for (const program of ['aios', 'aios-shell', 'aios-init'] as const)
      changes.write(`${layout.binDir}/${program}`, wrapperScript(layout, program), 0o755);
    changes.edit('/etc/shells', [{ type: 'ensure-line', line: aiosShell }]);

    const passwd = readText(root, '/etc/passwd');
    const shellEdits: TextEdit[] = users.map((user) => ({
      type: 'set-shell',
      user,
      from: passwdEntry(passwd, user)?.[6] ?? '/bin/sh',
      to: aiosShell,
    }));
    changes.edit('/etc/passwd', shellEdits);

    let groupText = readText(root, '/etc/group');
    const groupEdits: TextEdit[] = [];
    const gshadowEdits: TextEdit[] = [];
    for (const g of ROLE_GROUPS) {
      if (hasGroup(groupText, g)) continue;
      const line = `${g}:x:${freeSystemId(groupText)}:`;
      groupEdits.push({ type: 'add-line', line });
      gshadowEdits.push({ type: 'add-line', line: `${g}:!::` });
      groupText += `${line}\n`;
    }
    // Every account whose login now lands in aiOS gets a role; root is an admin without one.
    const roleGroup = `aios-${o.role ?? 'operator'}`;
    for (const user of users) {
      if (user === 'root' || isMember(groupText, roleGroup, user)) continue;
      groupEdits.push({ type: 'add-member', group: roleGroup, user });
      gshadowEdits.push({ type: 'add-member', group: roleGroup, user });
      notes.push(`${user} is now in ${roleGroup}`);
    }
    if (groupEdits.length > 0) changes.edit('/etc/group', groupEdits);
    if (gshadowEdits.length > 0 && existsSync(join(root, '/etc/gshadow')))
      changes.edit('/etc/gshadow', gshadowEdits, 0o640);

    if (existsSync(join(root, '/etc/ssh/sshd_config'))) {
      changes.write('/etc/ssh/sshd_config.d/50-aios.conf', sshdDropIn(users, aiosShell), 0o644);
    } else {
      notes.push(
        'no /etc/ssh/sshd_config: SSH logins were not configured (install openssh-server and run install again)',
      );
    }

    if (o.initSystem === 'systemd') {
      changes.write(`${SYSTEMD_DIR}/aios-init.service`, systemdUnit(layout), 0o644);
      changes.symlink(`${SYSTEMD_DIR}/multi-user.target.wants/aios-init.service`, `${SYSTEMD_DIR}/aios-init.service`);
      for (const tty of o.consoles) {
        const unit = /^tty\d+$/.test(tty) ? `getty@${tty}.service` : `serial-getty@${tty}.service`;
        changes.write(`${SYSTEMD_DIR}/${unit}.d/50-aios.conf`, gettyDropIn(), 0o644);
        // What `systemctl enable` does for a template instance.
        const template = unit.replace(`@${tty}`, '@');
        changes.symlink(`${SYSTEMD_DIR}/getty.target.wants/${unit}`, `/lib/systemd/system/${template}`);
      }
    }
  } catch (err) {
    // Leave nothing half done: take back what was already changed, then report the cause.
    writeManifest(root, { version: 1, installedAt: new Date().toISOString(), users, entries: changes.entries });
    uninstallLogins(root);
    throw err;
  }
  const manifest: Manifest = { version: 1, installedAt: new Date().toISOString(), users, entries: changes.entries };
  writeManifest(root, manifest);
  notes.push(`logins of ${users.join(', ')} now end in ${aiosShell}`);
  if (o.breakGlass !== null) notes.push(`${o.breakGlass} keeps its normal shell (break-glass account)`);
  return { manifest, notes };
}
