// The first-boot seed against a real tree: accounts made with useradd/usermod --root, files
// with their modes and owners, and the record that keeps a seed from being applied twice.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { firstBootSeed, SEED_RECORD } from '../../init/seed/first-boot-seed.js';
import { parseMetaData, parseSeed, SeedError, type SeedFiles } from '../../init/seed/seed-files.js';
import { readSeedDir } from '../../init/seed/seed-volume.js';
import { repoRoot } from '../helpers/daemon.js';

const KEY_GRACE = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGdyYWNlLXNlZWQta2V5LWZvci10ZXN0cy0wMDAwMDAw grace@laptop';
const KEY_ROOT = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHJvb3Qtc2VlZC1rZXktZm9yLXRlc3RzLTAwMDAwMDAw ops@desk';

let root: string;
let seedDir: string;

function write(path: string, text: string, mode = 0o644): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text, { mode });
}
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

function seedFiles(files: Record<string, string>): void {
  rmSync(seedDir, { recursive: true, force: true });
  mkdirSync(seedDir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(seedDir, name), text);
}

function boot(device: string | null = '/dev/vdb'): string[] {
  return firstBootSeed({
    root,
    find: () => device,
    read: () => readSeedDir(seedDir),
    now: () => new Date('2026-12-05T10:00:00Z'),
  });
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'aios-seed-root-'));
  seedDir = mkdtempSync(join(tmpdir(), 'aios-seed-vol-'));
  write(
    '/etc/passwd',
    'root:x:0:0:root:/root:/usr/local/bin/aios-shell\nada:x:1000:1000::/home/ada:/usr/local/bin/aios-shell\n',
  );
  write('/etc/shadow', 'root:*:20000:0:99999:7:::\nada:*:20000:0:99999:7:::\n', 0o640);
  write('/etc/group', 'root:x:0:\nada:x:1000:\naios-admin:x:997:\naios-viewer:x:996:\naios-operator:x:995:ada\n');
  write('/etc/gshadow', 'root:*::\nada:!::\naios-admin:!::\naios-viewer:!::\naios-operator:!::ada\n', 0o640);
  copyFileSync('/etc/login.defs', join(root, 'etc/login.defs'));
  mkdirSync(join(root, 'etc/skel'), { recursive: true });
  mkdirSync(join(root, 'root'), { recursive: true, mode: 0o700 });
  mkdirSync(join(root, 'home/ada'), { recursive: true });
  write('/etc/hostname', 'aios-node\n');
  write('/etc/hosts', '127.0.0.1\tlocalhost\n127.0.1.1\taios-node\n');
  write('/etc/ssh/sshd_config', '# sshd\n');
  write('/usr/local/bin/aios-shell', '#!/bin/sh\n', 0o755);
  write('/etc/aios/config.toml', readFileSync(join(repoRoot, 'iso/node-config.toml'), 'utf8'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(seedDir, { recursive: true, force: true });
});

describe('the first-boot seed', () => {
  it('sets the host name, makes and grants accounts with their SSH keys, and merges the model configuration', () => {
    seedFiles({
      'meta-data': 'instance-id: i-0042\nlocal-hostname: from-meta-data\n',
      'aios.toml': `hostname = "node-7"\n[[users]]\nname = "grace"\nrole = "viewer"\nssh_authorized_keys = ["${KEY_GRACE}"]\n[[users]]\nname = "root"\nssh_authorized_keys = ["${KEY_ROOT}"]\n[[users]]\nname = "ada"\nrole = "admin"\n`,
      'config.toml': '[api.claude]\nmodel = "claude-sonnet-4-6"\n',
      'secrets.toml': '[api.claude]\napi_key = "sk-ant-test"\n',
    });
    const lines = boot();
    expect(lines.join('\n')).toMatch(
      /^seed: \/dev\/vdb, instance i-0042: host name node-7; created grace \(viewer, 1 SSH key\); account root \(admin, 1 SSH key\); account ada \(admin\); configuration: \[api\]; secrets\.toml \(0600\)$/,
    );

    expect(read('/etc/hostname')).toBe('node-7\n');
    expect(read('/etc/hosts')).toBe('127.0.0.1\tlocalhost\n127.0.1.1\tnode-7\n');
    const grace = read('/etc/passwd')
      .split('\n')
      .find((l) => l.startsWith('grace:'))
      ?.split(':');
    expect(grace?.[6]).toBe('/usr/local/bin/aios-shell');
    expect(read('/etc/shadow')).toMatch(/^grace:\*:/m);
    expect(read('/etc/group')).toMatch(/^aios-viewer:x:996:grace$/m);
    expect(read('/etc/group')).toMatch(/^aios-admin:x:997:ada$/m);
    const keys = join(root, grace?.[5] ?? '/nonexistent', '.ssh/authorized_keys');
    expect(readFileSync(keys, 'utf8')).toBe(`${KEY_GRACE}\n`);
    expect(statSync(keys).mode & 0o777).toBe(0o600);
    expect(statSync(keys).uid).toBe(Number(grace?.[2]));
    expect(statSync(join(keys, '..')).mode & 0o777).toBe(0o700);
    expect(read('/root/.ssh/authorized_keys')).toBe(`${KEY_ROOT}\n`);
    expect(read('/etc/ssh/sshd_config.d/51-aios-seed.conf')).toMatch(/^Match User grace$/m);
    expect(read('/etc/aios/config.toml')).toMatch(/model = "claude-sonnet-4-6"/);
    expect(read('/etc/aios/config.toml')).toMatch(/gettys = \[ "tty1", "ttyS0", "hvc0" \]/);
    expect(read('/etc/aios/config.toml.image')).toBe(readFileSync(join(repoRoot, 'iso/node-config.toml'), 'utf8'));
    expect(statSync(join(root, 'etc/aios/secrets.toml')).mode & 0o777).toBe(0o600);
    const record = JSON.parse(read(SEED_RECORD)) as { instanceId: string; applied: string[] };
    expect(record.instanceId).toBe('i-0042');
    expect(statSync(join(root, SEED_RECORD)).mode & 0o777).toBe(0o600);
  });

  it('is applied at the first boot only: a seed volume at a later boot is not read', () => {
    seedFiles({ 'aios.toml': `[[users]]\nname = "grace"\nssh_authorized_keys = ["${KEY_GRACE}"]\n` });
    expect(boot()[0]).toMatch(/created grace \(operator, 1 SSH key\)/);
    seedFiles({ 'aios.toml': `[[users]]\nname = "mallory"\nrole = "admin"\nssh_authorized_keys = ["${KEY_ROOT}"]\n` });
    expect(boot()).toEqual([
      `seed: applied at the first boot (2026-12-05T10:00:00.000Z, instance sha256:${JSON.parse(read(SEED_RECORD)).instanceId.slice(7)}); not read again (remove ${SEED_RECORD} to apply a new one)`,
    ]);
    expect(read('/etc/passwd')).not.toMatch(/^mallory:/m);
  });

  it('a first boot without a seed is recorded too, so a volume plugged in later is not read', () => {
    expect(boot(null)).toEqual(['seed: none at the first boot (no volume labelled cidata)']);
    seedFiles({ 'aios.toml': `[[users]]\nname = "mallory"\nrole = "admin"\n` });
    expect(boot()[0]).toMatch(/no seed volume\); not read again/);
    expect(read('/etc/passwd')).not.toMatch(/^mallory:/m);
  });

  it('a seed with a mistake changes nothing, says what to fix, and is tried again at the next boot', () => {
    const before = {
      passwd: read('/etc/passwd'),
      hostname: read('/etc/hostname'),
      config: read('/etc/aios/config.toml'),
    };
    seedFiles({
      'aios.toml': `hostname = "node-7"\n[[users]]\nname = "grace"\nssh_authorized_keys = ["${KEY_GRACE}"]\n`,
      'config.toml': '[system]\nautonomy_level = "reckless"\n',
    });
    expect(boot()[0]).toMatch(/^seed: \/dev\/vdb not applied, nothing was changed: config\.toml: .*autonomy_level/);
    expect({
      passwd: read('/etc/passwd'),
      hostname: read('/etc/hostname'),
      config: read('/etc/aios/config.toml'),
    }).toEqual(before);
    expect(existsSync(join(root, SEED_RECORD))).toBe(false);
    seedFiles({ 'aios.toml': `[[users]]\nname = "grace"\nssh_authorized_keys = ["command=\\"sh\\" ${KEY_GRACE}"]\n` });
    expect(boot()[0]).toMatch(
      /nothing was changed: aios\.toml: users\.0\.ssh_authorized_keys\.0: expected one public key line/,
    );
    seedFiles({ 'aios.toml': 'hostname = "node_7!"\n' });
    expect(boot()[0]).toMatch(/aios\.toml: hostname: expected a host name/);
    expect(read('/etc/passwd')).toBe(before.passwd);
  });

  it('reads NoCloud meta-data, and names the file of a TOML error', () => {
    expect(parseMetaData('instance-id: "iid-local01"\nlocal-hostname: cloudimg\n# comment\n')).toEqual({
      'instance-id': 'iid-local01',
      'local-hostname': 'cloudimg',
    });
    const files: SeedFiles = {
      metaData: null,
      aiosToml: 'users = [',
      configToml: null,
      secretsToml: null,
      userData: false,
    };
    expect(() => parseSeed(files, 'd')).toThrow(SeedError);
    expect(() => parseSeed(files, 'd')).toThrow(/^aios\.toml: not valid TOML/);
  });
});
