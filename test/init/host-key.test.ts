// The sshd-keys oneshot of the aiOS image, run for real (sh, ssh-keygen, sync) in a scratch
// directory: the host key is made once and kept; an empty key — what a power cut just after
// the first boot left when the key was written without a sync — is made again, since sshd can
// never load it; and a lost public half is derived from the private key, which stays.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostKeyArgv } from '../../init/pid1/node-services.js';

let dir: string;
let key: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aios-hostkey-'));
  key = join(dir, 'ssh_host_ed25519_key');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(): number | null {
  const [cmd, ...args] = hostKeyArgv(key);
  return spawnSync(cmd, args, { stdio: 'pipe' }).status;
}
const fingerprint = (file: string): string => execFileSync('ssh-keygen', ['-l', '-f', file], { encoding: 'utf8' });

describe('the SSH host key of the image (sshd-keys)', () => {
  it('is made once, private 0600, with nothing left under a temporary name, and kept after', () => {
    expect(run()).toBe(0);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    const first = fingerprint(`${key}.pub`);
    expect(first).toMatch(/ED25519/);
    expect(readdirSync(dir).sort()).toEqual(['ssh_host_ed25519_key', 'ssh_host_ed25519_key.pub']);
    expect(run()).toBe(0);
    expect(fingerprint(`${key}.pub`)).toBe(first);
    expect(fingerprint(key)).toBe(first);
  });

  it('makes an empty key again (lost to a power cut), which sshd could never load', () => {
    writeFileSync(key, '');
    writeFileSync(`${key}.pub`, '');
    expect(run()).toBe(0);
    expect(statSync(key).size).toBeGreaterThan(0);
    expect(fingerprint(key)).toBe(fingerprint(`${key}.pub`));
  });

  it('keeps the private key and derives a lost public half from it', () => {
    expect(run()).toBe(0);
    const before = readFileSync(key, 'utf8');
    const fp = fingerprint(key);
    writeFileSync(`${key}.pub`, '');
    expect(run()).toBe(0);
    expect(readFileSync(key, 'utf8')).toBe(before);
    expect(fingerprint(`${key}.pub`)).toBe(fp);
    expect(readdirSync(dir).sort()).toEqual(['ssh_host_ed25519_key', 'ssh_host_ed25519_key.pub']);
  });
});
