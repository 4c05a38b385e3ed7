// A bare nats-server with JetStream on a free loopback port, for tests of one fleet part against
// the real engine without a whole hub (no auth: the hub's tests cover the creds).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { freePort } from './fleet-fixture.js';

export interface NatsServer {
  url: string;
  nc: NatsConnection;
  stop(): Promise<void>;
}

export async function startNatsServer(): Promise<NatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'aios-nats-'));
  const port = await freePort();
  const proc = spawn('nats-server', ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const url = `nats://127.0.0.1:${port}`;
  let nc: NatsConnection | null = null;
  for (let i = 0; i < 100 && nc === null; i++) {
    nc = await connect({ servers: url }).catch(async () => {
      await sleep(100);
      return null;
    });
  }
  if (nc === null) throw new Error(`nats-server did not come up on ${url}`);
  const conn = nc;
  return {
    url,
    nc: conn,
    async stop() {
      await conn.close().catch(() => undefined);
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
