// The hub's user in nats-server's system account, kept in the hub's directory (0600): it sends
// nats-server new account JWTs (revocations) and hears who connects (hub-seen-keys.ts).
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../files/write-file-atomic.js';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { hubIdentity, mintCreds } from './hub-identity.js';
import type { Revocation } from './hub-revocations.js';

export async function systemCreds(dir: string): Promise<string> {
  const file = join(dir, 'system.creds');
  if (!existsSync(file)) {
    const id = await hubIdentity(dir);
    const all = { pub: { allow: ['>'] }, sub: { allow: ['>'] }, tags: ['aios-hub'] };
    writeFileAtomicSync(file, await mintCreds(id, 'system', all, 'system'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8');
}

/** Sends the running nats-server the fleet account's JWT as the directory has it now (its revocations). */
export async function pushAccountJwt(sys: NatsConnection, dir: string): Promise<void> {
  const id = await hubIdentity(dir);
  sys.publish(`$SYS.REQ.ACCOUNT.${id.accountPub}.CLAIMS.UPDATE`, new TextEncoder().encode(id.accountJwt));
  await sys.flush();
}

/** A revocation's line in D/hub-audit.jsonl. */
export function auditRevocation(dir: string, r: Revocation): void {
  appendFileSync(
    join(dir, 'hub-audit.jsonl'),
    JSON.stringify({ ts: r.at, actor: r.by, action: 'fleet.revoke', subject: `${r.kind} ${r.name}`, users: r.users }) +
      '\n',
    { mode: 0o600 },
  );
}
