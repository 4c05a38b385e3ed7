// net.*: interfaces and their addresses, listening sockets, whether a port answers, DNS
// lookups and HTTP requests. All read-only from the node's side; the outbound ones are a
// capability of their own (net.connect), since they reach other machines.
import { promises as dns } from 'node:dns';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { createConnection, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { z } from 'zod';
import { fail } from './fs-read-tools.js';
import { formatBytes, formatTable } from './format.js';
import { parseNetTable, type Protocol, type Socket } from './procfs.js';
import { defineTool, type Tool } from './tool.js';

const host = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9:._-]+$/, 'must be a host name or an IP address')
  .describe('Host name or IP address');
const port = z.number().int().min(1).max(65_535);
const MAX_HTTP_BYTES = 1024 * 1024;

interface Listener extends Socket {
  pid: number | null;
  command: string | null;
}

/** inode → owning process, from /proc/<pid>/fd links; sockets of other users may stay unknown. */
async function socketOwners(inodes: ReadonlySet<number>): Promise<Map<number, { pid: number; command: string }>> {
  const owners = new Map<number, { pid: number; command: string }>();
  if (inodes.size === 0) return owners;
  const pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n));
  await Promise.all(
    pids.map(async (pid) => {
      const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
      for (const fd of fds) {
        const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
        const inode = Number(/^socket:\[(\d+)\]$/.exec(link)?.[1] ?? NaN);
        if (!inodes.has(inode) || owners.has(inode)) continue;
        const comm = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim();
        owners.set(inode, { pid: Number(pid), command: comm });
      }
    }),
  );
  return owners;
}

async function sysValue(iface: string, file: string): Promise<string | null> {
  return (await readFile(`/sys/class/net/${iface}/${file}`, 'utf8').catch(() => null))?.trim() ?? null;
}

export function createNetTools(): Tool[] {
  const interfaces = defineTool({
    name: 'net.interfaces',
    description: 'Network interfaces: state, MAC address, MTU, addresses and traffic counters.',
    schema: z.strictObject({}),
    capabilities: ['net.read'],
    risk: 'low',
    reversible: false,
    mutates: false,
    preview: () => Promise.resolve({ summary: 'list network interfaces' }),
    async execute() {
      const addrs = networkInterfaces();
      const names = await readdir('/sys/class/net').catch(() => Object.keys(addrs));
      const rows = await Promise.all(
        names.sort().map(async (name) => ({
          name,
          state: (await sysValue(name, 'operstate')) ?? 'unknown',
          mac: (await sysValue(name, 'address')) ?? '',
          mtu: Number((await sysValue(name, 'mtu')) ?? 0),
          rxBytes: Number((await sysValue(name, 'statistics/rx_bytes')) ?? 0),
          txBytes: Number((await sysValue(name, 'statistics/tx_bytes')) ?? 0),
          addresses: (addrs[name] ?? []).map((a) => a.cidr ?? a.address),
        })),
      );
      const output = formatTable(
        ['IFACE', 'STATE', 'MTU', 'MAC', 'RX', 'TX', 'ADDRESSES'],
        rows.map((r) => [
          r.name,
          r.state,
          String(r.mtu),
          r.mac,
          formatBytes(r.rxBytes),
          formatBytes(r.txBytes),
          r.addresses.join(' '),
        ]),
      );
      return { ok: true, output, data: { interfaces: rows } };
    },
  });

  const listening = defineTool({
    name: 'net.listening',
    description:
      'Sockets listening for connections (TCP) or datagrams (UDP), with the owning process where known (like ss -tulpn).',
    schema: z.strictObject({ port: port.optional().describe('Only sockets on this port') }),
    capabilities: ['net.read'],
    risk: 'low',
    reversible: false,
    mutates: false,
    preview: (args) =>
      Promise.resolve({
        summary: args.port === undefined ? 'list listening sockets' : `show what listens on port ${args.port}`,
      }),
    async execute(args) {
      const protocols: Protocol[] = ['tcp', 'tcp6', 'udp', 'udp6'];
      const tables = await Promise.all(
        protocols.map(async (p) => parseNetTable(await readFile(`/proc/net/${p}`, 'utf8').catch(() => ''), p)),
      );
      const sockets = tables.flat().filter((s) => args.port === undefined || s.port === args.port);
      if (args.port !== undefined && sockets.length === 0) {
        return {
          ok: true,
          output: `nothing is listening on port ${args.port} (TCP or UDP, IPv4 or IPv6)`,
          data: { port: args.port, listeners: [] },
        };
      }
      const owners = await socketOwners(new Set(sockets.map((s) => s.inode)));
      const listeners: Listener[] = sockets
        .map((s) => ({ ...s, pid: owners.get(s.inode)?.pid ?? null, command: owners.get(s.inode)?.command ?? null }))
        .sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
      const rows = listeners.map((l) => [
        l.protocol,
        l.address,
        String(l.port),
        l.pid === null ? '-' : `${l.pid}/${l.command ?? '?'}`,
      ]);
      const output =
        listeners.length === 0
          ? 'no listening sockets'
          : formatTable(['Proto', 'Address', 'Port', 'PID/Program'], rows, [false, false, true]);
      return { ok: true, output, data: { listeners } };
    },
  });

  const checkPort = defineTool({
    name: 'net.check_port',
    description: 'Whether a TCP port on a host accepts connections, and how long the handshake took.',
    schema: z.strictObject({
      host,
      port: port.describe('TCP port'),
      timeoutMs: z.number().int().min(100).max(30_000).optional().describe('Give up after this long (default 3000)'),
    }),
    capabilities: ['net.connect'],
    risk: 'low',
    reversible: false,
    mutates: false,
    preview: (args) => Promise.resolve({ summary: `try a TCP connection to ${args.host}:${args.port}` }),
    execute(args) {
      const began = performance.now();
      return new Promise((resolve) => {
        const socket = createConnection({ host: args.host, port: args.port });
        const done = (open: boolean, why: string): void => {
          socket.destroy();
          const ms = Math.round(performance.now() - began);
          resolve({
            ok: true,
            output: `${args.host}:${args.port} is ${open ? 'open' : 'not reachable'} (${why}, ${ms} ms)`,
            data: { host: args.host, port: args.port, open, ms, why },
          });
        };
        socket.setTimeout(args.timeoutMs ?? 3000, () => done(false, 'timed out'));
        socket.once('connect', () => done(true, 'connected'));
        socket.once('error', (err: NodeJS.ErrnoException) => done(false, err.code ?? err.message));
      });
    },
  });

  const lookup = defineTool({
    name: 'net.dns_lookup',
    description: 'Resolve a name through the system resolver (A and AAAA), or an address back to names.',
    schema: z.strictObject({
      name: host,
      type: z
        .enum(['A', 'AAAA', 'MX', 'TXT', 'NS', 'CNAME', 'PTR'])
        .optional()
        .describe('Record type (default: A and AAAA via the system resolver)'),
    }),
    capabilities: ['net.connect'],
    risk: 'low',
    reversible: false,
    mutates: false,
    preview: (args) => Promise.resolve({ summary: `look up ${args.type ?? 'the addresses of'} ${args.name}` }),
    async execute(args) {
      try {
        if (args.type === undefined) {
          if (isIP(args.name) !== 0) {
            const names = await dns.reverse(args.name);
            return { ok: true, output: names.join('\n') || 'no names', data: { names } };
          }
          const addrs = await dns.lookup(args.name, { all: true });
          return {
            ok: true,
            output: addrs.map((a) => `${a.family === 6 ? 'AAAA' : 'A'} ${a.address}`).join('\n'),
            data: { addresses: addrs },
          };
        }
        const records: unknown = await dns.resolve(args.name, args.type);
        return { ok: true, output: JSON.stringify(records, null, 1), data: { records } };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        return fail(`cannot resolve ${args.name}: ${code === 'ENOTFOUND' ? 'no such name' : code}`);
      }
    },
  });

  const http = defineTool({
    name: 'net.http_request',
    description:
      'Make an HTTP(S) GET or HEAD request and show the status, headers and (for GET) the start of the body.',
    schema: z.strictObject({
      url: z
        .url({ protocol: /^https?$/ })
        .max(2048)
        .describe('http:// or https:// URL'),
      method: z.enum(['GET', 'HEAD']).optional().describe('Default GET'),
      timeoutMs: z.number().int().min(100).max(60_000).optional().describe('Default 10000'),
    }),
    capabilities: ['net.connect'],
    risk: 'low',
    reversible: false,
    mutates: false,
    preview: (args) => Promise.resolve({ summary: `${args.method ?? 'GET'} ${args.url}` }),
    async execute(args, ctx) {
      const began = performance.now();
      try {
        const res = await fetch(args.url, {
          method: args.method ?? 'GET',
          redirect: 'manual',
          signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(args.timeoutMs ?? 10_000)]),
        });
        const headers = [...res.headers.entries()].map(([k, v]) => `${k}: ${v}`);
        let body = '';
        let truncated = false;
        if (args.method !== 'HEAD' && res.body !== null) {
          const reader = res.body.getReader();
          const chunks: Uint8Array[] = [];
          let size = 0;
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            chunks.push(value);
            size += value.length;
            if (size > MAX_HTTP_BYTES) {
              truncated = true;
              await reader.cancel();
              break;
            }
          }
          body = Buffer.concat(chunks).subarray(0, MAX_HTTP_BYTES).toString('utf8');
        }
        const ms = Math.round(performance.now() - began);
        const output = [
          `HTTP ${res.status} ${res.statusText} (${ms} ms)`,
          ...headers,
          '',
          body.slice(0, 4000),
          truncated ? `[body truncated at ${MAX_HTTP_BYTES} bytes]` : '',
        ]
          .join('\n')
          .trimEnd();
        return {
          ok: true,
          output,
          data: { status: res.status, headers: Object.fromEntries(res.headers), ms, bytes: body.length, truncated },
        };
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code;
        return fail(`request to ${args.url} failed: ${cause ?? (err as Error).message}`);
      }
    },
  });

  return [interfaces, listening, checkPort, lookup, http];
}
