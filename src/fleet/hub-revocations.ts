// Which creds the hub has issued and which it has revoked, kept in its directory (0600). NATS
// revokes a user by its public key in the account JWT; `aios fleet token` makes a fresh user key
// each time, so each is recorded here under the node or person it was for, and revoking a name
// revokes every key ever issued to it. Creds issued after the revocation are new keys, and work.
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../files/write-file-atomic.js';
import { join } from 'node:path';
import { decode, type User } from '@nats-io/jwt';
import { credsJwt } from './creds.js';
import { seenUsers, type KnownUser } from './hub-seen-keys.js';
import type { IdentityKind } from './subjects.js';

export type { IdentityKind };

interface Issued {
  kind: IdentityKind;
  name: string;
  /** The user's public nkey (the JWT's subject). */
  user: string;
  iat: number;
}

export interface Revocation {
  kind: IdentityKind;
  name: string;
  /** Milliseconds since the epoch. */
  at: number;
  /** Who revoked it (the local account that ran aios fleet revoke). */
  by: string;
  /** The user keys it revoked. */
  users: string[];
}

const ISSUED = 'issued.json';
const REVOKED = 'revoked.json';

function readList<T>(dir: string, file: string): T[] {
  const path = join(dir, file);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T[]) : [];
}

function writeList(dir: string, file: string, list: unknown[]): void {
  writeFileAtomicSync(join(dir, file), JSON.stringify(list, null, 1) + '\n', { mode: 0o600 });
}

/** Records the user key of creds just minted for `name`, so that it can be revoked later. */
export function recordIssued(dir: string, kind: IdentityKind, name: string, creds: string): void {
  const jwt = credsJwt(creds);
  if (jwt === null) throw new Error('minted creds hold no user JWT');
  const claims = decode<User>(jwt);
  writeList(dir, ISSUED, [...readList<Issued>(dir, ISSUED), { kind, name, user: claims.sub, iat: claims.iat }]);
}

export function revokedList(dir: string): Revocation[] {
  return readList<Revocation>(dir, REVOKED);
}

/** The account JWT's revocations: each revoked user key → the second it was revoked. */
export function accountRevocations(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of revokedList(dir)) for (const u of r.users) out[u] = Math.floor(r.at / 1000);
  return out;
}

/**
 * Revokes every creds issued to `name` so far, every creds of that name the hub has seen connect
 * (hub-seen-keys.ts: older creds it never recorded), and `more` (keys of creds files given by
 * hand); an error when it knows none.
 */
export function addRevocation(
  dir: string,
  kind: IdentityKind,
  name: string,
  by: string,
  now = Date.now(),
  more: readonly string[] = [],
): Revocation {
  const named = (i: { kind: IdentityKind; name: string }) => i.kind === kind && i.name === name;
  const users = [
    ...new Set([
      ...readList<Issued>(dir, ISSUED)
        .filter(named)
        .map((i) => i.user),
      ...seenUsers(dir)
        .filter(named)
        .map((i) => i.user),
      ...more,
    ]),
  ];
  if (users.length === 0)
    throw new Error(
      `this hub issued no creds to ${kind} ${name} that it knows of, and has seen none connect: give a copy of the creds with --creds FILE (see docs/fleet.md, "Revoking")`,
    );
  const revocation: Revocation = { kind, name, at: now, by, users };
  writeList(dir, REVOKED, [...revokedList(dir), revocation]);
  return revocation;
}

/**
 * When older creds of a name revoked earlier connect for the first time (not issued.json's, so
 * minted before it was kept, and so before the revocation): their key is revoked too, as the
 * revocation of that name meant. Returns the revocation added, or null.
 */
export function revokeLateArrival(dir: string, u: KnownUser, now = Date.now()): Revocation | null {
  const earlier = revokedList(dir).filter((r) => r.kind === u.kind && r.name === u.name);
  const issued = readList<Issued>(dir, ISSUED).some((i) => i.user === u.user);
  if (earlier.length === 0 || issued || earlier.some((r) => r.users.includes(u.user))) return null;
  const revocation: Revocation = {
    kind: u.kind,
    name: u.name,
    at: now,
    by: 'hub (name revoked earlier)',
    users: [u.user],
  };
  writeList(dir, REVOKED, [...revokedList(dir), revocation]);
  return revocation;
}
