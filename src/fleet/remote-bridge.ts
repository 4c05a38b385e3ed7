// `aios --node NAME …`: every verb of the CLI, unchanged, against another node's aiosd. The CLI
// talks to a private Unix socket here; each request goes over the bus, signed with the person's
// key, and the node runs it as the local account [fleet] people maps that key to, with that
// account's role. Only initialize is answered here; events are not carried.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFrame, LineDecoder } from '../protocol/framing.js';
import { ErrorCode, PROTOCOL_VERSION } from '../protocol/jsonrpc.js';
import type { PersonBus } from './person-bus.js';

export interface RemoteBridge {
  socketPath: string;
  close(): Promise<void>;
}

export async function startRemoteBridge(bus: PersonBus, node: string, version: string): Promise<RemoteBridge> {
  const dir = mkdtempSync(join(tmpdir(), 'aios-remote-'));
  const socketPath = join(dir, 'aiosd.sock');
  const server: Server = createServer((socket) => {
    const decoder = new LineDecoder(1024 * 1024);
    const answer = (id: unknown, body: object): void => {
      if (!socket.destroyed) socket.write(encodeFrame({ jsonrpc: '2.0', id, ...body }));
    };
    socket.on('data', (chunk: Buffer) => {
      for (const ev of decoder.push(chunk)) {
        if (ev.type !== 'frame') continue;
        let req: { id?: unknown; method?: unknown; params?: unknown };
        try {
          req = JSON.parse(ev.text) as typeof req;
        } catch {
          continue;
        }
        if (typeof req.method !== 'string' || req.id === undefined) continue;
        if (req.method === 'initialize') {
          answer(req.id, {
            result: {
              protocolVersion: PROTOCOL_VERSION,
              server: { name: `aiosd on ${node} (over the fleet)`, version },
              // Who the node takes this person for is the node's to say; shown as the person until it answers.
              user: { uid: -1, name: `fleet:${bus.key.publicKey.slice(0, 8)}`, role: 'viewer' },
              node,
              mode: 'system',
            },
          });
          continue;
        }
        bus.rpc(node, req.method, req.params ?? {}).then(
          (body) => answer(req.id, body as object),
          (err: unknown) =>
            answer(req.id, {
              error: {
                code: ErrorCode.Failed,
                message: `node ${node} did not answer: ${err instanceof Error ? err.message : String(err)}`,
              },
            }),
        );
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  return {
    socketPath,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
