// `aios fleet revoke` (on the hub: a node's or a person's creds stop working) and `aios fleet trust`
// (on a workstation: pin the key a person checked at a node's console).
import { sanitize } from '../text/sanitize.js';
import type { Io } from './commands.js';
import { defaultKeyFile } from './fleet-commands.js';

export async function fleetRevokeCommand(
  dir: string,
  who: { node: string } | { person: string },
  io: Io,
  credsFile?: string,
): Promise<number> {
  const { fleetRevoke } = await import('../fleet/revoke.js');
  const { readCredsFile } = await import('../fleet/creds.js');
  const r = await fleetRevoke(dir, who, undefined, credsFile === undefined ? {} : { creds: readCredsFile(credsFile) });
  const v = r.revocation;
  if (io.json) io.out(JSON.stringify(r));
  else
    io.out(
      `revoked ${v.kind} ${v.name}: ${v.users.length} creds (${r.applied ? 'the hub dropped its connections' : 'not applied yet'})`,
    );
  if (r.note !== null) io.err(`note: ${r.note}`);
  return 0;
}

export async function fleetTrustCommand(node: string, key: string, o: { key?: string }, io: Io): Promise<number> {
  const { NodePins } = await import('../fleet/node-pins.js');
  const { knownNodesFile } = await import('../fleet/person-bus.js');
  const file = knownNodesFile(o.key ?? process.env['AIOS_FLEET_KEY'] ?? defaultKeyFile());
  const { previous } = new NodePins(file).trust(node, key);
  if (io.json) io.out(JSON.stringify({ node, key, previous, file }));
  else
    io.out(
      sanitize(
        previous === null || previous === key
          ? `pinned node ${node}'s key ${key}`
          : `pinned node ${node}'s key ${key} (was ${previous}); its reports under the old key are refused from now on`,
        { singleLine: true },
      ),
    );
  return 0;
}
