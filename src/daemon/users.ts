// The user behind a uid, and the aiOS role it holds. Authentication stays with
// login/sshd/PAM; aiOS only maps an already-authenticated uid to a role.
import { readFileSync } from 'node:fs';
import type { Role } from '../protocol/model.js';

export interface UserInfo { uid: number; name: string; home: string; groups: string[] }

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n');
  } catch {
    return [];
  }
}

export function lookupUser(uid: number, files = { passwd: '/etc/passwd', group: '/etc/group' }): UserInfo {
  let name = `uid${uid}`;
  let home = '/';
  let primaryGid: string | undefined;
  for (const line of readLines(files.passwd)) {
    const f = line.split(':');
    if (f[2] === String(uid)) {
      name = f[0] ?? name;
      primaryGid = f[3];
      home = f[5] || '/';
      break;
    }
  }
  const groups: string[] = [];
  for (const line of readLines(files.group)) {
    const f = line.split(':');
    const members = (f[3] ?? '').split(',').filter(Boolean);
    if (f[0] && (f[2] === primaryGid || members.includes(name))) groups.push(f[0]);
  }
  return { uid, name, home, groups };
}

/**
 * In user mode the daemon serves only its owner, who administers their own files: admin.
 * In system mode: root and the aios-admin group are admins, aios-viewer is read-only,
 * everyone else who may connect is an operator.
 */
export function roleFor(user: UserInfo, mode: 'user' | 'system'): Role {
  if (mode === 'user') return 'admin';
  if (user.uid === 0 || user.groups.includes('aios-admin')) return 'admin';
  if (user.groups.includes('aios-viewer')) return 'viewer';
  return 'operator';
}
