// Who a uid is, through NSS (getent), so LDAP and sssd accounts resolve as local ones do:
// the helper becomes exactly this uid and primary gid, and takes the account's supplementary
// groups with initgroups.
import { execFileSync } from 'node:child_process';
import type { RunAsIdentity } from './messages.js';

/** The group a uid without a passwd entry runs with: nogroup, which grants nothing. */
export const NO_GROUP = 65534;

export function identityOf(uid: number): RunAsIdentity {
  let line = '';
  try {
    line =
      execFileSync('getent', ['passwd', String(uid)], { encoding: 'utf8', timeout: 5000 })
        .trim()
        .split('\n')[0] ?? '';
  } catch {
    // getent exits 2 when nothing is found: no name, no groups.
  }
  const [name, , uidText, gidText, , home] = line.split(':');
  if (name === undefined || name === '' || Number(uidText) !== uid)
    return { uid, gid: NO_GROUP, name: null, home: '/' };
  const gid = Number(gidText);
  return {
    uid,
    gid: Number.isInteger(gid) && gid >= 0 ? gid : NO_GROUP,
    name,
    home: home !== undefined && home !== '' ? home : '/',
  };
}

/** The whole environment a helper starts with: enough for programs to behave, nothing of the daemon's. */
export function helperEnv(who: RunAsIdentity): Record<string, string> {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: who.home,
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    ...(who.name === null ? {} : { USER: who.name, LOGNAME: who.name }),
  };
}
