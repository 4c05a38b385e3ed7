// Where the metrics endpoint listens: a loopback address or a Unix socket, and nothing else.
// It has no authentication, so an address other hosts can reach is refused when the config loads.
import { isIPv4 } from 'node:net';

export type ListenAddress = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

/** The address, or why it is refused. */
export function parseListen(text: string): ListenAddress | string {
  if (text.startsWith('/')) return { kind: 'unix', path: text };
  const m = /^(?:\[(?<v6>[^\]]+)\]|(?<host>[^:[\]]+)):(?<port>\d{1,5})$/.exec(text);
  if (m?.groups === undefined) return 'expected "127.0.0.1:<port>", "[::1]:<port>" or an absolute Unix socket path';
  const port = Number(m.groups['port']);
  if (port < 1 || port > 65535) return `port ${port} is outside 1-65535`;
  const host = m.groups['v6'] ?? m.groups['host'] ?? '';
  const loopback = host === '::1' || (isIPv4(host) && host.startsWith('127.'));
  if (!loopback)
    return `${host} is not a loopback address: the metrics endpoint has no authentication, so it listens on 127.0.0.1, [::1] or a Unix socket only (a collector elsewhere reaches it through a tunnel or a local agent)`;
  return { kind: 'tcp', host, port };
}
