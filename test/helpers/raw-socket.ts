// A bare socket client that sends exactly the bytes a test wants, malformed or not.
import { connect, type Socket } from 'node:net';
import { LineDecoder } from '../../src/protocol/framing.js';

export interface RawConn {
  socket: Socket;
  send: (text: string | Buffer) => void;
  /** The next message the daemon sends, parsed. */
  next: (timeoutMs?: number) => Promise<Record<string, unknown>>;
  request: (method: string, params?: unknown, id?: string | number) => Promise<Record<string, unknown>>;
  closed: Promise<void>;
}

export async function rawConnect(socketPath: string): Promise<RawConn> {
  const socket = connect(socketPath);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const queue: Record<string, unknown>[] = [];
  const waiters: ((m: Record<string, unknown>) => void)[] = [];
  const decoder = new LineDecoder(64 * 1024 * 1024);
  socket.on('data', (chunk: Buffer) => {
    for (const ev of decoder.push(chunk)) {
      if (ev.type !== 'frame') continue;
      const msg = JSON.parse(ev.text) as Record<string, unknown>;
      const w = waiters.shift();
      if (w) w(msg);
      else queue.push(msg);
    }
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  let id = 1000;
  const conn: RawConn = {
    socket,
    closed,
    send: (text) => {
      socket.write(text);
    },
    next: (timeoutMs = 5000) => {
      const m = queue.shift();
      if (m) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no message from aiosd')), timeoutMs);
        waiters.push((msg) => {
          clearTimeout(t);
          resolve(msg);
        });
      });
    },
    request: async (method, params, reqId) => {
      conn.send(JSON.stringify({ jsonrpc: '2.0', id: reqId ?? String(id++), method, params }) + '\n');
      return conn.next();
    },
  };
  return conn;
}

export const initParams = { protocolVersion: 1, client: { name: 'raw', version: '0' } };
