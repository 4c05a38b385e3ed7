// `aios fleet revoke --dir D --node|--person NAME [--creds FILE]`: the account's revocation list
// gets every user key the hub issued to that name or saw connect under it, and the key of the
// creds file given (NATS JWT revocations), the running nats-server is sent the
// account's new JWT (it drops the revoked connections and refuses them from then on), the node
// list gets a mark that `aios fleet nodes` shows, and the hub's audit file a line.
import { userInfo } from 'node:os';
import { credsJwt, fleetConnect } from './creds.js';
import { hubIdentity } from './hub-identity.js';
import { auditRevocation, pushAccountJwt, systemCreds } from './hub-system.js';
import { addRevocation, type IdentityKind, type Revocation } from './hub-revocations.js';
import { userOfJwt } from './hub-seen-keys.js';
import { connectHub, hubCa, hubUrl } from './hub-server.js';
import { putRevocationMarks } from './revocation-marks.js';
import { checkName } from './subjects.js';

export interface RevokeResult {
  revocation: Revocation;
  /** Whether the running hub took it now (else at its next start, which reads the list). */
  applied: boolean;
  note: string | null;
}

/**
 * The user key of a copy of creds given with --creds: they must be this hub's, and for the name
 * being revoked, so that a wrong file cannot revoke someone else.
 */
async function keyOfCreds(dir: string, kind: IdentityKind, name: string, creds: string): Promise<string> {
  const jwt = credsJwt(creds);
  if (jwt === null) throw new Error('--creds: not a NATS .creds file (no user JWT in it)');
  const user = userOfJwt(jwt, (await hubIdentity(dir)).accountPub);
  if (user === null) throw new Error("--creds: these creds are not a node's or a person's of this hub's account");
  if (user.kind !== kind || user.name !== name)
    throw new Error(`--creds: these creds are ${user.kind} ${user.name}'s, not ${kind} ${name}'s`);
  return user.user;
}

export async function fleetRevoke(
  dir: string,
  who: { node: string } | { person: string },
  by = userInfo().username,
  o: { creds?: string } = {},
): Promise<RevokeResult> {
  const kind: IdentityKind = 'node' in who ? 'node' : 'person';
  const name = checkName(kind, 'node' in who ? who.node : who.person);
  const more = o.creds === undefined ? [] : [await keyOfCreds(dir, kind, name, o.creds)];
  const revocation = addRevocation(dir, kind, name, by, Date.now(), more);
  auditRevocation(dir, revocation);
  const url = hubUrl(dir);
  if (url === null) return { revocation, applied: false, note: 'the hub applies it at its next start' };
  try {
    const ca = hubCa(dir);
    const sys = await fleetConnect({ url, creds: await systemCreds(dir), ...(ca === undefined ? {} : { ca }) });
    try {
      await pushAccountJwt(sys, dir);
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
