// nats-server's configuration for the hub: operator mode with the accounts preloaded into a memory
// resolver, JetStream storing under the hub's directory, and TLS wherever the address is not loopback.
import { join } from 'node:path';
import type { HubIdentity } from './hub-identity.js';

export interface HubListen {
  host: string;
  port: number;
}

export interface HubTls {
  cert: string;
  key: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** "HOST:PORT" (IPv6 in brackets) or a clear error saying how to write it. */
export function parseHubListen(text: string): HubListen {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  const host = m?.[1] ?? m?.[2];
  if (m === null || host === undefined || port < 1 || port > 65535)
    throw new Error(`--listen "${text}" is not HOST:PORT (e.g. 127.0.0.1:4222 or [::1]:4222)`);
  return { host, port };
}

/** Refuses a non-loopback address without TLS: creds and approvals would cross the network in clear. */
export function checkTls(listen: HubListen, tls: HubTls | null): void {
  if (tls === null && !LOOPBACK.test(listen.host))
    throw new Error(
      `the hub listens on ${listen.host}, which is not loopback: give --tls-cert and --tls-key (TLS is required off this machine)`,
    );
}

const q = (s: string): string => JSON.stringify(s);

export function natsConfig(dir: string, listen: HubListen, tls: HubTls | null, id: HubIdentity): string {
  const lines = [
    `# Written by aios fleet hub at each start; edits are overwritten.`,
    `server_name: aios_hub`,
    `host: ${q(listen.host)}`,
    `port: ${listen.port}`,
    `max_payload: 1048576`,
    `jetstream { store_dir: ${q(join(dir, 'jetstream'))} }`,
    `operator: ${q(id.operatorJwt)}`,
    `system_account: ${id.systemPub}`,
    `resolver: MEMORY`,
    `resolver_preload: {`,
    `  ${id.systemPub}: ${q(id.systemJwt)}`,
    `  ${id.accountPub}: ${q(id.accountJwt)}`,
    `}`,
  ];
  if (tls !== null) lines.push(`tls { cert_file: ${q(tls.cert)}, key_file: ${q(tls.key)} }`);
  return lines.join('\n') + '\n';
}
