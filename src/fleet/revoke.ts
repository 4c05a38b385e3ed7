// `aios fleet revoke --dir D --node|--person NAME`: the account's revocation list gets every user
// key the hub issued to that name (NATS JWT revocations), the running nats-server is sent the
// account's new JWT (it drops the revoked connections and refuses them from then on), the node
// list gets a mark that `aios fleet nodes` shows, and the hub's audit file a line.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fleetConnect } from './creds.js';
import { hubIdentity, mintCreds } from './hub-identity.js';
import { addRevocation, type IdentityKind, type Revocation } from './hub-revocations.js';
import { connectHub, hubCa, hubUrl } from './hub-server.js';
import { putRevocationMarks } from './revocation-marks.js';
import { checkName } from './subjects.js';

/** A user of the system account, kept in the hub's directory: it sends nats-server new account JWTs. */
async function systemCreds(dir: string): Promise<string> {
  const file = join(dir, 'system.creds');
  if (!existsSync(file)) {
    const id = await hubIdentity(dir);
    const all = { pub: { allow: ['>'] }, sub: { allow: ['>'] }, tags: ['aios-hub'] };
    writeFileSync(file, await mintCreds(id, 'system', all, 'system'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8');
}

export interface RevokeResult {
  revocation: Revocation;
  /** Whether the running hub took it now (else at its next start, which reads the list). */
  applied: boolean;
  note: string | null;
}

export async function fleetRevoke(
  dir: string,
  who: { node: string } | { person: string },
  by = userInfo().username,
): Promise<RevokeResult> {
  const kind: IdentityKind = 'node' in who ? 'node' : 'person';
  const name = checkName(kind, 'node' in who ? who.node : who.person);
  const revocation = addRevocation(dir, kind, name, by);
  appendFileSync(
    join(dir, 'hub-audit.jsonl'),
    JSON.stringify({
      ts: revocation.at,
      actor: by,
      action: 'fleet.revoke',
      subject: `${kind} ${name}`,
      users: revocation.users,
    }) + '\n',
    { mode: 0o600 },
  );
  const url = hubUrl(dir);
  if (url === null) return { revocation, applied: false, note: 'the hub applies it at its next start' };
  try {
    const id = await hubIdentity(dir);
    const ca = hubCa(dir);
    const sys = await fleetConnect({ url, creds: await systemCreds(dir), ...(ca === undefined ? {} : { ca }) });
    try {
      sys.publish(`$SYS.REQ.ACCOUNT.${id.accountPub}.CLAIMS.UPDATE`, new TextEncoder().encode(id.accountJwt));
      await sys.flush();
    } finally {
      await sys.close();
    }
    const nc = await connectHub(dir, url, ca);
    try {
      await putRevocationMarks(nc, dir);
    } finally {
      await nc.close();
    }
    return { revocation, applied: true, note: null };
  } catch (err) {
    return {
      revocation,
      applied: false,
      note: `the hub at ${url} did not take it now (${err instanceof Error ? err.message : String(err)}); it applies it at its next start`,
    };
  }
}
