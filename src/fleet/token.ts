// `aios fleet token`: creds for a node or a person, signed by the hub's account. A node's consumer
// is made now if the hub is running, else at its next start.
import { jetstreamManager } from '@nats-io/jetstream';
import { hubIdentity, mintCreds } from './hub-identity.js';
import { addHubNode, connectHub, hubUrl } from './hub-server.js';
import { ensureNodeConsumer } from './hub-bootstrap.js';
import { nodePermissions, personPermissions } from './permissions.js';
import { recordIssued } from './hub-revocations.js';
import { checkName } from './subjects.js';

export async function fleetToken(
  dir: string,
  who: { node: string } | { person: string },
): Promise<{ creds: string; note: string | null }> {
  const id = await hubIdentity(dir);
  if ('person' in who) {
    const name = checkName('person', who.person);
    const creds = await mintCreds(id, name, { ...personPermissions(name), tags: ['aios-person'] });
    recordIssued(dir, 'person', name, creds);
    return { creds, note: null };
  }
  const name = checkName('node', who.node);
  const creds = await mintCreds(id, name, { ...nodePermissions(name), tags: ['aios-node'] });
  recordIssued(dir, 'node', name, creds);
  addHubNode(dir, name);
  const url = hubUrl(dir);
  let note: string | null = `the hub makes node ${name}'s work queue at its next start`;
  if (url !== null) {
    try {
      const nc = await connectHub(dir, url);
      try {
        await ensureNodeConsumer(await jetstreamManager(nc), name);
        note = null;
      } finally {
        await nc.close();
      }
    } catch {
      /* the hub is not running: the note says when the consumer is made */
    }
  }
  return { creds, note };
}
