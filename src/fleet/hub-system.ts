// The hub's user in nats-server's system account, kept in the hub's directory (0600): it sends
// nats-server new account JWTs (revocations) and hears who connects (hub-seen-keys.ts).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hubIdentity, mintCreds } from './hub-identity.js';

export async function systemCreds(dir: string): Promise<string> {
  const file = join(dir, 'system.creds');
  if (!existsSync(file)) {
    const id = await hubIdentity(dir);
    const all = { pub: { allow: ['>'] }, sub: { allow: ['>'] }, tags: ['aios-hub'] };
    writeFileSync(file, await mintCreds(id, 'system', all, 'system'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8');
}
