// The hub's decentralized-JWT identity, made in its directory at first start: an operator, the
// system account nats-server wants, and the one account the fleet lives in. Seeds stay in the
// directory (0600); everything a node or person gets is a user JWT this account signs.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeAccount, encodeOperator, encodeUser, fmtCreds, type User } from '@nats-io/jwt';
import { createAccount, createOperator, createUser, fromSeed, type KeyPair } from '@nats-io/nkeys';
import { accountRevocations } from './hub-revocations.js';
import { writeFileAtomicSync } from '../files/write-file-atomic.js';

export interface HubIdentity {
  operatorJwt: string;
  systemPub: string;
  systemJwt: string;
  accountPub: string;
  accountJwt: string;
  account: KeyPair;
  system: KeyPair;
}

const SEEDS = 'hub-seeds.json';

/** No account-wide caps (the JWT's defaults are zero): the streams' own limits bound it (docs/fleet.md). */
const UNLIMITED = {
  subs: -1,
  data: -1,
  payload: -1,
  imports: -1,
  exports: -1,
  wildcards: true,
  conn: -1,
  leaf: -1,
  mem_storage: -1,
  disk_storage: -1,
  streams: -1,
  consumer: -1,
};

const SYSTEM_LIMITS = {
  subs: -1,
  data: -1,
  payload: -1,
  imports: -1,
  exports: -1,
  wildcards: true,
  conn: -1,
  leaf: -1,
};

function writeSecret(file: string, text: string): void {
  writeFileAtomicSync(file, text, { mode: 0o600 });
}

/** Loads the hub's keys from `dir`, making them first if this is the hub's first start. */
export async function hubIdentity(dir: string): Promise<HubIdentity> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, SEEDS);
  if (!existsSync(file)) {
    const seeds = {
      operator: new TextDecoder().decode(createOperator().getSeed()),
      system: new TextDecoder().decode(createAccount().getSeed()),
      account: new TextDecoder().decode(createAccount().getSeed()),
    };
    writeSecret(file, JSON.stringify(seeds, null, 2) + '\n');
  }
  const seeds = JSON.parse(readFileSync(file, 'utf8')) as { operator: string; system: string; account: string };
  const enc = new TextEncoder();
  const operator = fromSeed(enc.encode(seeds.operator));
  const system = fromSeed(enc.encode(seeds.system));
  const account = fromSeed(enc.encode(seeds.account));
  const systemPub = system.getPublicKey();
  const operatorJwt = await encodeOperator('aios-hub', operator, { system_account: systemPub });
  // The system account takes connections (its defaults are zero) so that the hub can send it the
  // fleet account's new JWT when creds are revoked (revoke.ts); only the hub holds a user of it.
  const systemJwt = await encodeAccount('SYS', system, { limits: SYSTEM_LIMITS }, { signer: operator });
  const accountJwt = await encodeAccount(
    'AIOS',
    account,
    { limits: UNLIMITED, revocations: accountRevocations(dir) },
    { signer: operator },
  );
  return { operatorJwt, systemPub, systemJwt, accountPub: account.getPublicKey(), accountJwt, account, system };
}

/** A `.creds` file: a fresh user key, and a JWT the fleet account signs with exactly `perms`. */
export async function mintCreds(
  id: HubIdentity,
  name: string,
  perms: Partial<User>,
  account: 'fleet' | 'system' = 'fleet',
): Promise<string> {
  const user = createUser();
  const jwt = await encodeUser(name, user, account === 'fleet' ? id.account : id.system, perms);
  return new TextDecoder().decode(fmtCreds(jwt, user));
}
