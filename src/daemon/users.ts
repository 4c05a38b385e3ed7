// The account behind a uid, and the aiOS role it holds. Authentication stays with
// login/sshd/PAM; aiOS only maps an already-authenticated uid to a role. Accounts come from
// NSS (the peercred addon), so LDAP and sssd accounts are found as /etc/passwd ones are.
import { readFileSync } from 'node:fs';
import type { Role } from '../protocol/model.js';
import { nssLookup } from './peer-cred.js';

export interface UserInfo {
  uid: number;
  gid: number;
  name: string;
  home: string;
  /** Every group the account is in (primary first), numeric ids and names. */
  groups: { gid: number; name: string }[];
}

/** The groups that grant a role in system mode, strongest first. */
export const ROLE_GROUPS = [
  { role: 'admin', group: 'aios-admin' },
  { role: 'operator', group: 'aios-operator' },
  { role: 'viewer', group: 'aios-viewer' },
] as const satisfies readonly { role: Role; group: string }[];

/** Said to anyone refused for want of a role: which groups exist and who can grant them. */
export const HOW_TO_GET_A_ROLE =
  `aiOS serves accounts in one of the groups ${ROLE_GROUPS.map((g) => g.group).join(', ')} ` +
  '(admin, operator, viewer); ask an aiOS admin to grant one, e.g. `usermod -aG aios-operator NAME`, then log in again';

/** NSS's answer for `uid`, or null when no account has it. */
export function lookupUser(uid: number): UserInfo | null {
  return nssLookup(uid);
}

/** The range of uids login accounts get (`UID_MIN`/`UID_MAX` in /etc/login.defs, else 1000..60000). */
export function loginUidRange(file = '/etc/login.defs'): { min: number; max: number } {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    /* no login.defs: the shadow-utils defaults */
  }
  const read = (key: string, fallback: number): number => {
    const m = new RegExp(`^\\s*${key}\\s+(\\d+)\\s*$`, 'm').exec(text);
    return m?.[1] === undefined ? fallback : Number(m[1]);
  };
  return { min: read('UID_MIN', 1000), max: read('UID_MAX', 60000) };
}

export type Access = { ok: true; user: UserInfo; role: Role } | { ok: false; name: string; refusal: string };

/**
 * accessFor, remembered per uid for a few seconds: a burst of connections from one account asks
 * NSS (perhaps an LDAP server) once, and a role granted or taken away counts within `ttlMs`.
 */
export function cachedAccess(
  mode: 'user' | 'system',
  ttlMs = 5000,
  range = loginUidRange(),
): (uid: number, now?: number) => Access {
  const seen = new Map<number, { at: number; access: Access }>();
  return (uid, now = Date.now()) => {
    const hit = seen.get(uid);
    if (hit !== undefined && now - hit.at < ttlMs) return hit.access;
    if (seen.size > 4096) seen.clear(); // bounded: uids are many, a daemon's callers few
    const access = accessFor(uid, mode, range);
    seen.set(uid, { at: now, access });
    return access;
  };
}

/**
 * Who may use aiosd, and as what. User mode: only the daemon's owner (checked before this), as
 * admin of their own files. System mode: root is admin; any other account needs a role group and
 * must be a login account; a uid without an account, `nobody` and system accounts are refused.
 */
export function accessFor(uid: number, mode: 'user' | 'system', range = loginUidRange()): Access {
  const user = lookupUser(uid);
  if (mode === 'user')
    return { ok: true, user: user ?? { uid, gid: uid, name: `uid${uid}`, home: '/', groups: [] }, role: 'admin' };
  if (uid === 0 && user !== null) return { ok: true, user, role: 'admin' };
  if (user === null)
    return {
      ok: false,
      name: `uid${uid}`,
      refusal: `uid ${uid} has no account on this node (no passwd entry through NSS); ${HOW_TO_GET_A_ROLE}`,
    };
  if (user.name === 'nobody' || uid === 65534)
    return {
      ok: false,
      name: user.name,
      refusal: `${user.name} (uid ${uid}) is the unprivileged placeholder account and cannot use aiOS`,
    };
  if (uid < range.min || uid > range.max) {
    return {
      ok: false,
      name: user.name,
      refusal: `${user.name} (uid ${uid}) is a system account (outside UID_MIN..UID_MAX, ${range.min}..${range.max}, in /etc/login.defs) and cannot use aiOS`,
    };
  }
  const names = new Set(user.groups.map((g) => g.name));
  const grant = ROLE_GROUPS.find((g) => names.has(g.group));
  if (grant === undefined)
    return { ok: false, name: user.name, refusal: `${user.name} has no aiOS role: ${HOW_TO_GET_A_ROLE}` };
  return { ok: true, user, role: grant.role };
}
