// Every user key nats-server lets into the fleet's account, recorded as the hub sees it connect
// (the JWT's name and aios tag say whose it is). Creds minted before the hub kept a record of what
// it issued (issued.json) are then revocable by name once they have connected: a running node
// connects within seconds of each hub start, and this hears each of those connections.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode, type User } from '@nats-io/jwt';
import type { NatsConnection } from '@nats-io/transport-node';
import { claimsIdentity } from './creds.js';
import type { IdentityKind } from './subjects.js';

export interface KnownUser {
  kind: IdentityKind;
  name: string;
  /** The user's public nkey (the JWT's subject): what NATS revokes. */
  user: string;
  /** When the JWT was issued (seconds). */
  iat: number;
}

const SEEN = 'seen-users.jsonl';

/** The users the hub has seen connect, from D/seen-users.jsonl. */
export function seenUsers(dir: string): KnownUser[] {
  const file = join(dir, SEEN);
  if (!existsSync(file)) return [];
  const out: KnownUser[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n'))
    try {
      if (line.trim() !== '') out.push(JSON.parse(line) as KnownUser);
    } catch {
      /* a line cut short by a crash */
    }
  return out;
}

/** Whose a user JWT of the fleet's account is (a node or a person), or null (another account, the hub's own, not aiOS's). */
export function userOfJwt(jwt: string, accountPub: string): KnownUser | null {
  try {
    const claims = decode<User>(jwt);
    const id = claimsIdentity(claims);
    if (claims.iss !== accountPub || id === null || id.kind === 'hub') return null;
    return { kind: id.kind, name: id.name, user: claims.sub, iat: claims.iat };
  } catch {
    return null;
  }
}

interface ConnzPage {
  data?: { connections?: { jwt?: string }[]; total?: number };
}

/**
 * Records each user of the account that connects from now on (nats-server's connect events) and
 * each one connected now (the account's connz, paged), again after every reconnect to a restarted
 * nats-server. `nc` is a system-account connection; closing it stops the watch.
 */
export async function watchSeenUsers(o: {
  dir: string;
  nc: NatsConnection;
  accountPub: string;
  log: (line: string) => void;
  /** Each user seen for the first time, once recorded. */
  onNew?: (u: KnownUser) => void;
}): Promise<void> {
  const file = join(o.dir, SEEN);
  const known = new Set(seenUsers(o.dir).map((u) => u.user));
  const record = (jwt: string | undefined): void => {
    const u = jwt === undefined ? null : userOfJwt(jwt, o.accountPub);
    if (u === null || known.has(u.user)) return;
    known.add(u.user);
    appendFileSync(file, JSON.stringify({ ...u, seen: Date.now() }) + '\n', { mode: 0o600 });
    o.onNew?.(u);
  };
  o.nc.subscribe(`$SYS.ACCOUNT.${o.accountPub}.CONNECT`, {
    callback: (err, m) => {
      if (err !== null) return;
      try {
        record((m.json() as { client?: { jwt?: string } }).client?.jwt);
      } catch {
        /* not an event of the shape nats-server sends */
      }
    },
  });
  const sweep = async (): Promise<void> => {
    const limit = 1024;
    for (let offset = 0; ; offset += limit) {
      const r = await o.nc.request(
        `$SYS.REQ.ACCOUNT.${o.accountPub}.CONNZ`,
        JSON.stringify({ auth: true, offset, limit }),
        { timeout: 5000 },
      );
      const page = (r.json() as ConnzPage).data;
      for (const c of page?.connections ?? []) record(c.jwt);
      if (offset + limit >= (page?.total ?? 0)) return;
    }
  };
  const sweepSaid = (): Promise<void> =>
    sweep().catch((err: unknown) => o.log(`cannot list the hub's connections: ${String(err)}`));
  void (async () => {
    for await (const s of o.nc.status()) if (s.type === 'reconnect') await sweepSaid();
  })();
  await o.nc.flush();
  await sweepSaid();
}
