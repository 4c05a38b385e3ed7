// `aios-init install` / `uninstall` against a Debian-like tree in a temp dir: what install
// changes, and that uninstall puts every file, link, mode and directory back byte for byte.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InstallError, installLogins, type InstallOptions } from '../../init/login/install.js';
import { uninstallLogins } from '../../init/login/uninstall.js';
import { repoRoot } from '../helpers/daemon.js';

let root: string;

const PASSWD = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
sshd:x:100:65534::/run/sshd:/usr/sbin/nologin
ada:x:1000:1000:Ada,,,:/home/ada:/bin/bash
rescue:x:1001:1001::/home/rescue:/bin/bash
`;
const GROUP = 'root:x:0:\ndaemon:x:1:\nada:x:1000:\nrescue:x:1001:\n';

function write(path: string, content: string, mode = 0o644): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), content);
  chmodSync(join(root, path), mode);
}

function fixture(): void {
  write('/etc/passwd', PASSWD);
  write('/etc/group', GROUP);
  write('/etc/gshadow', 'root:*::\nada:!::\n', 0o640);
  write('/etc/shells', '# /etc/shells: valid login shells\n/bin/sh\n/bin/bash\n/usr/bin/bash\n');
  write(
    '/etc/ssh/sshd_config',
    'Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\nSubsystem sftp /usr/lib/openssh/sftp-server\n',
  );
  mkdirSync(join(root, '/etc/ssh/sshd_config.d'), { recursive: true });
  // Debian enables getty@tty1 already; install must leave that link alone.
  mkdirSync(join(root, '/etc/systemd/system/getty.target.wants'), { recursive: true });
  symlinkSync(
    '/lib/systemd/system/getty@.service',
    join(root, '/etc/systemd/system/getty.target.wants/getty@tty1.service'),
  );
  write('/usr/local/bin/aios', '#!/bin/sh\necho an older aios\n', 0o755);
  write('/opt/aios/bin/aios-shell.js', '// aios-shell\n');
  write('/usr/bin/node', '', 0o755);
  mkdirSync(join(root, '/var/lib'), { recursive: true });
}

/** Every path under the root with its type, mode, owner, and content or link target. */
function tree(dir = root, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const p = join(rel, name);
    const st = lstatSync(join(dir, p));
    const meta = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
    if (st.isSymbolicLink()) out[p] = `link ${readlinkSync(join(dir, p))}`;
    else if (st.isDirectory()) {
      out[p] = `dir ${meta}`;
      Object.assign(out, tree(dir, p));
    } else out[p] = `file ${meta} ${readFileSync(join(dir, p)).toString('base64')}`;
  }
  return out;
}

const options = (o: Partial<InstallOptions> = {}): InstallOptions => ({
  root,
  users: ['root', 'ada'],
  allUsers: false,
  breakGlass: 'rescue',
  initSystem: 'systemd',
  consoles: ['tty1', 'ttyS0', 'hvc0'],
  layout: { prefix: '/opt/aios', binDir: '/usr/local/bin', node: '/usr/bin/node' },
  ...o,
});

const read = (p: string): string => readFileSync(join(root, p), 'utf8');

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'aios-install-'));
  fixture();
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('aios-init install', () => {
  it('makes the chosen accounts log in to aios-shell over console, serial and SSH', () => {
    const { manifest } = installLogins(options());
    expect(manifest.users).toEqual(['ada', 'root']);
    expect(read('/etc/shells').split('\n')).toContain('/usr/local/bin/aios-shell');
    expect(read('/etc/passwd')).toContain('root:x:0:0:root:/root:/usr/local/bin/aios-shell\n');
    expect(read('/etc/passwd')).toContain('ada:x:1000:1000:Ada,,,:/home/ada:/usr/local/bin/aios-shell\n');
    expect(read('/etc/passwd')).toContain('rescue:x:1001:1001::/home/rescue:/bin/bash\n');
    expect(read('/etc/group')).toMatch(/^aios-admin:x:999:$/m);
    expect(read('/etc/group')).toMatch(/^aios-viewer:x:998:$/m);
    expect(read('/etc/gshadow')).toMatch(/^aios-admin:!::$/m);
    // Every account whose login lands in aiOS gets a role (operator unless --role says otherwise); root is admin without one.
    expect(read('/etc/group')).toMatch(/^aios-operator:x:997:ada$/m);
    expect(read('/etc/gshadow')).toMatch(/^aios-operator:!::ada$/m);
    expect(read('/usr/local/bin/aios-shell')).toContain(`exec '/usr/bin/node' '/opt/aios/bin/aios-shell.js' "$@"`);
    expect(lstatSync(join(root, '/usr/local/bin/aios-shell')).mode & 0o777).toBe(0o755);
    expect(read('/etc/ssh/sshd_config.d/50-aios.conf')).toMatch(/Match User ada,root\n\s+DisableForwarding yes/);
    expect(read('/etc/systemd/system/aios-init.service')).toContain('ExecStart=/usr/local/bin/aios-init service');
    expect(readlinkSync(join(root, '/etc/systemd/system/multi-user.target.wants/aios-init.service'))).toBe(
      '/etc/systemd/system/aios-init.service',
    );
    expect(readlinkSync(join(root, '/etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service'))).toBe(
      '/lib/systemd/system/serial-getty@.service',
    );
    expect(readlinkSync(join(root, '/etc/systemd/system/getty.target.wants/serial-getty@hvc0.service'))).toBe(
      '/lib/systemd/system/serial-getty@.service',
    );
    for (const unit of ['getty@tty1', 'serial-getty@ttyS0', 'serial-getty@hvc0']) {
      expect(read(`/etc/systemd/system/${unit}.service.d/50-aios.conf`)).toContain('After=aios-init.service');
    }
  });

  it('grants the role given, once, and uninstall takes the membership back', () => {
    writeFileSync(join(root, '/etc/group'), `${read('/etc/group')}aios-admin:x:990:ada\n`);
    installLogins(options({ users: ['root', 'ada', 'rescue'], breakGlass: null, role: 'admin' }));
    expect(read('/etc/group')).toMatch(/^aios-admin:x:990:ada,rescue$/m);
    expect(read('/etc/group')).toMatch(/^aios-operator:x:\d+:$/m);
    uninstallLogins(root);
    expect(read('/etc/group')).toMatch(/^aios-admin:x:990:ada$/m);
    expect(read('/etc/group')).not.toMatch(/aios-operator/);
  });

  it('is undone byte for byte by uninstall: files, modes, owners, links and directories', () => {
    const before = tree();
    installLogins(options());
    expect(tree()).not.toEqual(before);
    const report = uninstallLogins(root);
    expect(report.kept).toEqual([]);
    expect(report.restored).toEqual(
      expect.arrayContaining(['/etc/passwd', '/etc/shells', '/etc/group', '/etc/gshadow', '/usr/local/bin/aios']),
    );
    expect(tree()).toEqual(before);
  });

  it('takes out only its own edits from a file someone changed after install', () => {
    installLogins(options());
    const passwd = read('/etc/passwd').replace(
      'ada:x:1000:1000:Ada,,,:/home/ada:/usr/local/bin/aios-shell',
      'ada:x:1000:1000:Ada,,,:/home/ada:/bin/zsh',
    );
    writeFileSync(join(root, '/etc/passwd'), `${passwd}grace:x:1002:1002::/home/grace:/bin/bash\n`);
    writeFileSync(join(root, '/etc/shells'), `${read('/etc/shells')}/bin/zsh\n`);
    const report = uninstallLogins(root);
    expect(read('/etc/passwd')).toBe(
      `${PASSWD.replace('/home/ada:/bin/bash', '/home/ada:/bin/zsh')}grace:x:1002:1002::/home/grace:/bin/bash\n`,
    );
    expect(read('/etc/shells')).toBe(
      '# /etc/shells: valid login shells\n/bin/sh\n/bin/bash\n/usr/bin/bash\n/bin/zsh\n',
    );
    expect(report.kept).toEqual([
      "/etc/passwd: ada's shell is now /bin/zsh, not /usr/local/bin/aios-shell; left as it is",
    ]);
    // The backups stay for a person to compare, and a new install is possible.
    expect(readdirSync(join(root, '/var/lib/aios-init'))).toEqual(expect.arrayContaining(['backup']));
    installLogins(options());
  });

  it('refuses bad requests before changing anything', () => {
    const before = tree();
    expect(() => installLogins(options({ users: ['nobody-here'] }))).toThrow(
      /no account named nobody-here in .*\/etc\/passwd; create it first/,
    );
    expect(() => installLogins(options({ users: ['rescue'] }))).toThrow(/rescue is the break-glass account/);
    expect(() => installLogins(options({ users: [] }))).toThrow(InstallError);
    expect(() =>
      installLogins(options({ layout: { prefix: '/srv/none', binDir: '/usr/local/bin', node: '/usr/bin/node' } })),
    ).toThrow(/\/srv\/none\/bin\/aios-shell.js does not exist/);
    expect(tree()).toEqual(before);
    installLogins(options());
    expect(() => installLogins(options())).toThrow(/were installed on .*; run aios-init uninstall first/);
  });

  it('rolls back a half-done install when a change fails', () => {
    // A file where install needs a link: the systemd step fails after /etc was already edited.
    write('/etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service', 'not a link\n');
    const before = tree();
    expect(() => installLogins(options())).toThrow(/serial-getty@ttyS0.service exists and is not a link/);
    expect(tree()).toEqual(before);
  });

  it('--all-users takes root and people, never system accounts or the break-glass account', () => {
    const { manifest } = installLogins(options({ users: [], allUsers: true }));
    expect(manifest.users).toEqual(['ada', 'root']);
  });

  it('for the image (--init pid1) writes no systemd units', () => {
    installLogins(options({ initSystem: 'pid1' }));
    expect(() => lstatSync(join(root, '/etc/systemd/system/aios-init.service'))).toThrow();
  });

  it('runs as a command: install, then uninstall, through bin/aios-init.js', () => {
    const before = tree();
    const bin = join(repoRoot, 'bin', 'aios-init.js');
    const out = execFileSync(
      process.execPath,
      [
        bin,
        'install',
        '--root',
        root,
        '--user',
        'ada',
        '--break-glass',
        'rescue',
        '--node',
        '/usr/bin/node',
        '--prefix',
        '/opt/aios',
      ],
      { encoding: 'utf8' },
    );
    expect(out).toContain('logins of ada now end in /usr/local/bin/aios-shell');
    const bad = spawnSync(process.execPath, [bin, 'install', '--root', root, '--user', 'ada'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/run aios-init uninstall first/);
    const un = execFileSync(process.execPath, [bin, 'uninstall', '--root', root], { encoding: 'utf8' });
    expect(un).toContain('restored /etc/passwd');
    expect(tree()).toEqual(before);
  });
});
