// `aios fleet join|leave|status|nodes|key`: the node's own membership through aiosd, and the node
// list from aiosd or, on a workstation, straight from the hub with a person's creds.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { NodeListing, RevokedMark } from '../protocol/fleet.js';
import { sanitize } from '../text/sanitize.js';
import { withClient, type Io } from './commands.js';

/** Where a person's workstation finds the hub, its creds and its signing key (flags, then env). */
export interface PersonOptions {
  hub?: string;
  creds?: string;
  key?: string;
}

export function personContext(o: PersonOptions): { url: string; credsFile: string; keyFile: string } | null {
  const url = o.hub ?? process.env['AIOS_FLEET_HUB'];
  const credsFile = o.creds ?? process.env['AIOS_FLEET_CREDS'];
  if (url === undefined || credsFile === undefined) return null;
  return { url, credsFile, keyFile: o.key ?? process.env['AIOS_FLEET_KEY'] ?? defaultKeyFile() };
}

export function defaultKeyFile(): string {
  const base = process.env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config');
  return join(base, 'aios', 'fleet', 'person-key.pem');
}

export async function fleetJoinCommand(
  sock: string,
  url: string,
  o: { creds: string; ca?: string; consoleCreds?: string },
  io: Io,
): Promise<number> {
  const creds = readFileSync(o.creds, 'utf8');
  const ca = o.ca === undefined ? undefined : readFileSync(o.ca, 'utf8');
  const consoleCreds = o.consoleCreds === undefined ? undefined : readFileSync(o.consoleCreds, 'utf8');
  return withClient(sock, io, async (c) => {
    const s = await c.call('fleet/join', {
      url,
      creds,
      ...(ca === undefined ? {} : { ca }),
      ...(consoleCreds === undefined ? {} : { consoleCreds }),
    });
    const console =
      s.consoleKey == null ? '' : `\nits console's key (map it in other nodes' [fleet.people]): ${s.consoleKey}`;
    io.out(io.json ? JSON.stringify(s) : `joined ${s.url ?? url} as node ${s.node}; its key: ${s.key}${console}`);
    return 0;
  });
}

export async function fleetLeaveCommand(sock: string, io: Io): Promise<number> {
  return withClient(sock, io, async (c) => {
    const s = await c.call('fleet/leave', {});
    io.out(io.json ? JSON.stringify(s) : `node ${s.node} left the fleet; its creds were removed`);
    return 0;
  });
}

export async function fleetStatusCommand(sock: string, io: Io): Promise<number> {
  return withClient(sock, io, async (c) => {
    const s = await c.call('fleet/status', {});
    if (io.json) io.out(JSON.stringify(s));
    else
      io.out(
        s.joined
          ? `node ${s.node}: ${s.connected ? 'connected to' : 'NOT connected to'} ${s.url ?? '?'}${s.problem === null ? '' : ` (${s.problem})`}\nkey: ${s.key}${s.consoleKey == null ? '' : `\nconsole key: ${s.consoleKey}`}`
          : `node ${s.node} is in no fleet (aios fleet join URL --creds FILE); its key: ${s.key}`,
      );
    return 0;
  });
}

export async function fleetNodesCommand(sock: string, person: PersonOptions, io: Io): Promise<number> {
  const ctx = personContext(person);
  if (ctx !== null) {
    const { openPersonBus } = await import('../fleet/person-bus.js');
    const bus = await openPersonBus(ctx);
    try {
      const fleet = await bus.fleet();
      printNodes(fleet.nodes, fleet.revoked, io);
      return 0;
    } finally {
      await bus.close();
    }
  }
  return withClient(sock, io, async (c) => {
    const fleet = await c.call('fleet/nodes', {});
    printNodes(fleet.nodes, fleet.revoked, io);
    return 0;
  });
}

const STALE_MS = 30_000;
const gib = (b: number): string => `${(b / 2 ** 30).toFixed(1)}G`;

function printNodes(nodes: NodeListing[], revoked: RevokedMark[], io: Io): void {
  const now = Date.now();
  if (io.json) {
    io.out(JSON.stringify({ nodes: nodes.map((n) => ({ ...n, stale: now - n.ts > STALE_MS })), revoked }));
    return;
  }
  if (nodes.length === 0) io.out('no nodes have joined yet');
  for (const n of nodes) {
    const seen = Math.round((now - n.ts) / 1000);
    const health =
      n.revoked != null
        ? 'REVOKED'
        : n.keyChanged != null
          ? 'KEY CHANGED'
          : now - n.ts > STALE_MS
            ? `UNREACHABLE (last seen ${seen} s ago)`
            : n.health;
    const labels = Object.entries(n.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    io.out(
      sanitize(
        `${n.node.padEnd(20)} ${health.padEnd(10)} aiOS ${n.version}  load ${n.load.join(' ')}  disk ${gib(n.disk.freeBytes)} free of ${gib(n.disk.totalBytes)}  up ${Math.round(n.uptimeS / 3600)}h  ledger #${n.ledger.seq} ${n.ledger.hash.slice(0, 12)}${labels === '' ? '' : `  ${labels}`}`,
        { singleLine: true },
      ),
    );
    if (n.keyChanged != null)
      io.out(
        `  presents key ${n.keyChanged.presented}, pinned ${n.keyChanged.pinned}: its reports are refused (check at its console, then aios fleet trust ${n.node} KEY)`,
      );
  }
  for (const r of revoked)
    io.out(
      sanitize(`revoked: ${r.kind} ${r.name} by ${r.by} at ${new Date(r.at).toISOString()}`, { singleLine: true }),
    );
}

export async function fleetKeyCommand(file: string | undefined, io: Io): Promise<number> {
  const { loadOrCreateKey } = await import('../fleet/signing.js');
  const keyFile = file ?? process.env['AIOS_FLEET_KEY'] ?? defaultKeyFile();
  const key = loadOrCreateKey(keyFile);
  io.out(
    io.json
      ? JSON.stringify({ key: key.publicKey, file: keyFile })
      : `${key.publicKey}\n(private key in ${keyFile}; on each node, map it in config.toml: [fleet.people] "${key.publicKey}" = "ACCOUNT")`,
  );
  return 0;
}
