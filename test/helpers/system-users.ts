// Real extra accounts for tests that check what the kernel lets each role do. CI runs as root,
// so tests create real users and groups with useradd/groupadd and remove them afterwards.
// Every change to /etc/passwd and /etc/group goes through one flock, so test files in parallel
// workers (and several checkouts on one machine) never race for the shadow-utils lock.
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';

export const isRoot = process.getuid?.() === 0;
const LOCK = '/run/lock/aios-test-accounts.lock';
/** The role groups aiOS grants by (system mode). */
export const ROLE_GROUPS = ['aios-admin', 'aios-operator', 'aios-viewer'] as const;

function locked(argv: string[]): SpawnSyncReturns<string> {
  return spawnSync('flock', ['-w', '60', LOCK, ...argv], { encoding: 'utf8' });
}

function mustRun(argv: string[]): void {
  const r = locked(argv);
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
}

export function groupExists(name: string): boolean {
  return spawnSync('getent', ['group', name]).status === 0;
}

export function ensureGroup(name: string): void {
  if (!groupExists(name)) {
    const r = locked(['groupadd', '--system', name]);
    // Another worker may have made it between the look-up and the lock.
    if (r.status !== 0 && !groupExists(name)) throw new Error(`groupadd ${name} failed: ${r.stderr}`);
  }
}

export interface TestAccount {
  name: string;
  uid: number;
  gid: number;
  home: string;
  remove: () => void;
}

/**
 * Creates a login account (uid in the UID_MIN..UID_MAX range, a home of its own) that belongs to
 * `groups`. Names are made unique per call, so parallel test files never share an account.
 */
export function createAccount(prefix: string, groups: readonly string[] = []): TestAccount {
  for (const g of groups) ensureGroup(g);
  const name = `${prefix}${process.pid % 10000}${Math.floor(Math.random() * 1e4)}`.slice(0, 31);
  mustRun([
    'useradd',
    '--create-home',
    '--shell',
    '/bin/sh',
    ...(groups.length > 0 ? ['--groups', groups.join(',')] : []),
    name,
  ]);
  const [, , uid, gid, , home] = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim().split(':');
  return {
    name,
    uid: Number(uid),
    gid: Number(gid),
    home: home ?? `/home/${name}`,
    remove: () => {
      locked(['userdel', '--remove', '--force', name]);
    },
  };
}

/** A uid that has no passwd entry (nothing an NSS look-up finds). */
export function unusedUid(): number {
  for (let uid = 61000; uid < 62000; uid++) {
    if (spawnSync('getent', ['passwd', String(uid)]).status !== 0) return uid;
  }
  throw new Error('no free uid between 61000 and 62000');
}
