// Reading a .creds file: who it is for (node or person, and the name), and how to connect with it.
import { readFileSync } from 'node:fs';
import { decode, type User } from '@nats-io/jwt';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { subjects, type IdentityKind } from './subjects.js';

export interface CredsIdentity {
  kind: IdentityKind | 'hub';
  name: string;
}

/** The identity a creds file names (the JWT's name and its aios tag). */
export function credsIdentity(creds: string): CredsIdentity {
  const jwt = credsJwt(creds);
  if (jwt === null) throw new Error('not a NATS .creds file (no user JWT in it); get one with aios fleet token');
  const id = claimsIdentity(decode<User>(jwt));
  if (id === null)
    throw new Error('this .creds file was not made by aios fleet token (no aios-node or aios-person tag)');
  return id;
}

/** The user JWT of a .creds file (null: none in it). */
export const credsJwt = (creds: string): string | null =>
  /-----BEGIN NATS USER JWT-----\s*([^\s-][^\s]*)\s*------END NATS USER JWT------/.exec(creds)?.[1] ?? null;

/** Whose a user JWT's claims are, by its name and aios tag; null when aios fleet token did not make it. */
export function claimsIdentity(claims: { name: string; nats: { tags?: string[] } }): CredsIdentity | null {
  const kind = (claims.nats.tags ?? []).find((t) => t.startsWith('aios-'))?.slice(5);
  return kind === 'node' || kind === 'person' || kind === 'hub' ? { kind, name: claims.name } : null;
}

export interface FleetConnectOptions {
  url: string;
  creds: string;
  /** PEM of the CA that signed the hub's certificate, for tls:// URLs with a private CA. */
  ca?: string;
  name?: string;
  /** false: try once (CLI); true: keep trying for ever (aiosd). */
  persistent?: boolean;
}

/** Connects with the creds' own inbox prefix, so replies go where only this identity may read. */
export async function fleetConnect(o: FleetConnectOptions): Promise<NatsConnection> {
  const id = credsIdentity(o.creds);
  const tls = o.url.startsWith('tls://') ? { ...(o.ca === undefined ? {} : { ca: o.ca }) } : undefined;
  return connect({
    servers: o.url,
    authenticator: credsAuthenticator(new TextEncoder().encode(o.creds)),
    inboxPrefix: subjects.inbox(id.kind, id.name),
    name: o.name ?? `aios-${id.kind}-${id.name}`,
    ...(tls === undefined ? {} : { tls }),
    maxReconnectAttempts: o.persistent === true ? -1 : 10,
    reconnectTimeWait: 500,
    waitOnFirstConnect: o.persistent === true,
    timeout: 5000,
  });
}

export function readCredsFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the creds file ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
