// `aios fleet hub`: writes nats-server's config, runs it, restarts it when it dies, and makes the
// streams and node consumers once it answers. The directory keeps the keys, the node list and JetStream.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import { bootstrapHub } from './hub-bootstrap.js';
import { checkTls, natsConfig, type HubListen, type HubTls } from './hub-config.js';
import { hubIdentity, mintCreds } from './hub-identity.js';
import { hubPermissions } from './permissions.js';
import { fleetConnect } from './creds.js';
import type { FleetHubLimits } from './hub-limits.js';
import { putRevocationMarks } from './revocation-marks.js';
import { watchSeenUsers, type KnownUser } from './hub-seen-keys.js';
import { auditRevocation, pushAccountJwt, systemCreds } from './hub-system.js';
import { revokeLateArrival } from './hub-revocations.js';
import { writeFileAtomicSync } from '../files/write-file-atomic.js';

export interface HubOptions {
  dir: string;
  listen: HubListen;
  tls: HubTls | null;
  /** nats-server's path (env AIOS_NATS_SERVER, else found on PATH). */
  server?: string;
  /** [fleet.hub]: the streams' caps (defaults when absent). */
  limits?: FleetHubLimits;
  log: (line: string) => void;
}

export interface RunningHub {
  url: string;
  close(): Promise<void>;
}

const HUB_STATE = 'hub.json';
const NODES = 'nodes.json';

/** The nodes the hub has issued creds for: each gets its consumer at every start. */
export function hubNodes(dir: string): string[] {
  const file = join(dir, NODES);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as string[]) : [];
}

export function addHubNode(dir: string, node: string): void {
  const nodes = new Set(hubNodes(dir));
  nodes.add(node);
  writeFileAtomicSync(join(dir, NODES), JSON.stringify([...nodes].sort()) + '\n', { mode: 0o600 });
}

/** Where a running hub listens, as its last start wrote it (for aios fleet token). */
export function hubUrl(dir: string): string | null {
  const file = join(dir, HUB_STATE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { url: string }).url : null;
}

/** The certificate a TLS hub serves (its own, as the CA to trust when the hub's tools connect to it). */
export function hubCa(dir: string): string | undefined {
  const file = join(dir, HUB_STATE);
  const cert = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { tlsCert?: string }).tlsCert : undefined;
  return cert === undefined ? undefined : readFileSync(cert, 'utf8');
}

/** The hub's own creds (full rights in the fleet account), kept in its directory. */
export async function hubCreds(dir: string): Promise<string> {
  const file = join(dir, 'hub.creds');
  if (!existsSync(file)) {
    const creds = await mintCreds(await hubIdentity(dir), 'hub', { ...hubPermissions(), tags: ['aios-hub'] });
    writeFileAtomicSync(file, creds, { mode: 0o600 });
  }
  return readFileSync(file, 'utf8');
}

export async function connectHub(dir: string, url: string, ca?: string): Promise<NatsConnection> {
  return fleetConnect({ url, creds: await hubCreds(dir), name: 'aios-hub', ...(ca === undefined ? {} : { ca }) });
}

export async function startHub(o: HubOptions): Promise<RunningHub> {
  checkTls(o.listen, o.tls);
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const conf = join(o.dir, 'nats-server.conf');
  const host = o.listen.host.includes(':') ? `[${o.listen.host}]` : o.listen.host;
  const url = `${o.tls === null ? 'nats' : 'tls'}://${host}:${o.listen.port}`;
  const server = o.server ?? process.env['AIOS_NATS_SERVER'] ?? 'nats-server';
  const ca = o.tls === null ? undefined : readFileSync(o.tls.cert, 'utf8');
  let child: ChildProcess | null = null;
  let closing = false;
  const launch = (): ChildProcess => {
    const log = openSync(join(o.dir, 'nats-server.log'), 'a');
    const p = spawn(server, ['-c', conf], { stdio: ['ignore', log, log] });
    p.on('error', (err) =>
      o.log(`cannot run ${server}: ${err.message} (install nats-server, or set AIOS_NATS_SERVER)`),
    );
    p.on('exit', (code, signal) => {
      if (closing) return;
      o.log(`nats-server ended (${signal ?? `exit ${code}`}); starting it again in 1 s`);
      setTimeout(() => {
        if (!closing) void up();
      }, 1000);
    });
    return p;
  };
  const up = async (): Promise<void> => {
    // Written at each launch: a restart after a revocation must not bring the revoked creds back.
    writeFileAtomicSync(conf, natsConfig(o.dir, o.listen, o.tls, await hubIdentity(o.dir)), { mode: 0o600 });
    child = launch();
    const nc = await waitForServer(o.dir, url, ca, () => child?.exitCode !== null);
    try {
      await bootstrapHub(nc, hubNodes(o.dir), o.limits);
      await putRevocationMarks(nc, o.dir);
    } finally {
      await nc.close();
    }
    writeFileAtomicSync(
      join(o.dir, HUB_STATE),
      JSON.stringify({
        url,
        pid: process.pid,
        serverPid: child.pid,
        ...(o.tls === null ? {} : { tlsCert: o.tls.cert }),
      }) + '\n',
    );
    o.log(`hub ready on ${url} (JetStream in ${join(o.dir, 'jetstream')}, nats-server pid ${child.pid ?? '?'})`);
  };
  await up();
  // Every user key that connects is recorded, so creds older than issued.json can be revoked by name.
  const id = await hubIdentity(o.dir);
  const sys = await fleetConnect({
    url,
    creds: await systemCreds(o.dir),
    name: 'aios-hub-watch',
    persistent: true,
    ...(ca === undefined ? {} : { ca }),
  });
  // Older creds of a name revoked before they ever connected are revoked as they first connect.
  const lateArrival = (u: KnownUser): void => {
    const r = revokeLateArrival(o.dir, u);
    if (r === null) return;
    auditRevocation(o.dir, r);
    o.log(`revoked older creds of ${u.kind} ${u.name} (${u.user}) as they connected: that name was revoked`);
    void pushAccountJwt(sys, o.dir).catch((err: unknown) =>
      o.log(`cannot send nats-server the revocation: ${String(err)}`),
    );
  };
  await watchSeenUsers({ dir: o.dir, nc: sys, accountPub: id.accountPub, log: o.log, onNew: lateArrival });
  return {
    url,
    async close() {
      closing = true;
      await sys.close().catch(() => undefined);
      const p = child;
      if (p === null || p.exitCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
    },
  };
}

async function waitForServer(
  dir: string,
  url: string,
  ca: string | undefined,
  died: () => boolean,
): Promise<NatsConnection> {
  let last: unknown = null;
  for (let i = 0; i < 100; i++) {
    if (died()) break;
    try {
      return await connectHub(dir, url, ca);
    } catch (err) {
      last = err;
      await sleep(100);
    }
  }
  throw new Error(
    `nats-server did not come up on ${url}: ${last instanceof Error ? last.message : String(last)} (see ${join(dir, 'nats-server.log')})`,
  );
}
