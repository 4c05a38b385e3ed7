// Applies a first-boot seed to a root filesystem: the host name, the accounts with their role
// group and SSH keys, and the model/API configuration. Everything is checked before anything
// is changed, so a seed with a mistake changes nothing and says what to fix.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomicSync } from '../../src/files/write-file-atomic.js';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { loadSettings } from '../boot/load-settings.js';
import { sshdDropIn } from '../login/host-files.js';
import { isMember, passwdEntry } from '../login/text-edits.js';
import { SeedError, type Seed } from './seed-files.js';

export interface ApplySeedOptions {
  /** The system to change: '/' at boot, a test tree in tests. */
  root: string;
  /** The login shell of the accounts the seed creates (installed by `aios-init install`). */
  aiosShell?: string;
  /** Sets the running kernel's host name (only when root is '/'). */
  setKernelHostname?: (name: string) => void;
}

const SEED_SSHD_DROP_IN = '/etc/ssh/sshd_config.d/51-aios-seed.conf';

function readText(root: string, path: string): string {
  try {
    return readFileSync(join(root, path), 'utf8');
  } catch {
    return '';
  }
}

/** Written beside the file and renamed over it, with the mode given. */
function writeAtomic(root: string, path: string, text: string, mode: number): void {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomicSync(file, text, { mode });
}

function hostsWith(text: string, hostname: string): string {
  const short = hostname.split('.')[0] ?? hostname;
  const line = `127.0.1.1\t${hostname === short ? hostname : `${hostname} ${short}`}`;
  const lines = text.split('\n').filter((l, i, all) => !(l === '' && i === all.length - 1));
  const at = lines.findIndex((l) => /^127\.0\.1\.1\s/.test(l));
  if (at === -1) lines.push(line);
  else lines[at] = line;
  return `${lines.join('\n')}\n`;
}

/** The image's config with the seed's tables in place of its own, checked as aiosd will read it. */
function mergedConfig(root: string, seedConfig: Record<string, unknown>): string {
  const current = readText(root, '/etc/aios/config.toml');
  const merged = { ...(current === '' ? {} : parseToml(current)), ...seedConfig };
  const text = `# Written at first boot from the seed's config.toml (its tables replace the image's);\n# the image's own file is config.toml.image.\n${stringifyToml(merged)}\n`;
  const probe = join(root, '/etc/aios/config.toml.seed-check');
  writeFileSync(probe, text, { mode: 0o644 });
  try {
    const { problem } = loadSettings({ systemConfigFile: probe, userConfigFile: null }, {});
    if (problem !== null) throw new SeedError(`config.toml: ${problem.replace(/^bad configuration: /, '')}`);
  } finally {
    rmSync(probe, { force: true });
  }
  return text;
}

function addKeys(root: string, entry: string[], keys: readonly string[]): number {
  const [, , uid, gid, , home] = entry;
  if (keys.length === 0 || home === undefined) return 0;
  const dir = join(root, home, '.ssh');
  const file = join(dir, 'authorized_keys');
  const before = readText(root, join(home, '.ssh', 'authorized_keys'));
  const present = new Set(before.split('\n'));
  const added = keys.filter((k) => !present.has(k));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (added.length > 0) {
    writeFileSync(file, `${before}${before === '' || before.endsWith('\n') ? '' : '\n'}${added.join('\n')}\n`, {
      mode: 0o600,
    });
  }
  chmodSync(dir, 0o700);
  if (existsSync(file)) chmodSync(file, 0o600);
  for (const p of [dir, ...(existsSync(file) ? [file] : [])]) chownSync(p, Number(uid), Number(gid));
  return added.length;
}

/** Applies `seed` to `o.root`; returns one line per thing it did. */
export function applySeed(seed: Seed, o: ApplySeedOptions): string[] {
  const { root } = o;
  const aiosShell = o.aiosShell ?? '/usr/local/bin/aios-shell';
  const passwd = readText(root, '/etc/passwd');
  const groups = readText(root, '/etc/group');
  // Checks first: nothing is changed by a seed that cannot be applied whole.
  const creates = seed.users.filter((u) => passwdEntry(passwd, u.name) === undefined);
  if (creates.length > 0 && !existsSync(join(root, aiosShell)))
    throw new SeedError(
      `${aiosShell} is not installed, so new accounts would not land in aiOS (run aios-init install)`,
    );
  for (const u of seed.users)
    if (u.name !== 'root' && !new RegExp(`^aios-${u.role}:`, 'm').test(groups))
      throw new SeedError(`the group aios-${u.role} does not exist (run aios-init install)`);
  for (const u of seed.users) {
    const home = passwdEntry(passwd, u.name)?.[5];
    if (home !== undefined && u.ssh_authorized_keys.length > 0 && (home === '' || home === '/nonexistent'))
      throw new SeedError(`${u.name} has no home directory for SSH keys`);
  }
  const config = seed.config === null ? null : mergedConfig(root, seed.config);

  const done: string[] = [];
  if (seed.hostname !== null) {
    writeAtomic(root, '/etc/hostname', `${seed.hostname}\n`, 0o644);
    writeAtomic(root, '/etc/hosts', hostsWith(readText(root, '/etc/hosts'), seed.hostname), 0o644);
    o.setKernelHostname?.(seed.hostname);
    done.push(`host name ${seed.hostname}`);
  }
  for (const u of seed.users) {
    const created = passwdEntry(passwd, u.name) === undefined;
    const group = u.name === 'root' ? [] : [`aios-${u.role}`];
    if (created) {
      // '*': no password to log in with (not locked, which sshd would refuse keys for).
      execFileSync(
        'useradd',
        [
          '--root',
          root,
          '--create-home',
          '--password',
          '*',
          '--shell',
          aiosShell,
          ...(group.length > 0 ? ['--groups', group.join(',')] : []),
          u.name,
        ],
        { stdio: 'pipe' },
      );
    } else if (group.length > 0 && !isMember(readText(root, '/etc/group'), group[0] ?? '', u.name)) {
      execFileSync('usermod', ['--root', root, '--append', '--groups', group.join(','), u.name], { stdio: 'pipe' });
    }
    const entry = passwdEntry(readText(root, '/etc/passwd'), u.name);
    if (entry === undefined) throw new SeedError(`useradd did not create ${u.name}`);
    const keys = addKeys(root, entry, u.ssh_authorized_keys);
    done.push(
      `${created ? 'created' : 'account'} ${u.name} (${u.name === 'root' ? 'admin' : u.role}${keys > 0 ? `, ${keys} SSH key${keys === 1 ? '' : 's'}` : ''})`,
    );
  }
  if (creates.length > 0 && existsSync(join(root, '/etc/ssh/sshd_config')))
    writeAtomic(
      root,
      SEED_SSHD_DROP_IN,
      sshdDropIn(
        creates.map((u) => u.name),
        aiosShell,
      ),
      0o644,
    );
  if (config !== null) {
    const image = join(root, '/etc/aios/config.toml');
    if (existsSync(image) && !existsSync(`${image}.image`)) copyFileSync(image, `${image}.image`);
    writeAtomic(root, '/etc/aios/config.toml', config, 0o644);
    done.push(
      `configuration: ${Object.keys(seed.config ?? {})
        .map((k) => `[${k}]`)
        .join(' ')}`,
    );
  }
  if (seed.secretsToml !== null) {
    writeAtomic(root, '/etc/aios/secrets.toml', seed.secretsToml, 0o600);
    done.push('secrets.toml (0600)');
  }
  return done;
}
