// A tiny real aiosd stand-in for the shell's tests: a Unix socket speaking newline-delimited
// JSON-RPC, answering from a table of canned results and pushing events on demand.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DaemonEvent } from '../../src/protocol/events.js';

export type Handler = (params: unknown) => unknown;

export interface Received {
  method: string;
  params: unknown;
}

export class FakeDaemon {
  readonly dir = mkdtempSync(join(tmpdir(), 'aios-shell-'));
  readonly socketPath = join(this.dir, 'aiosd.sock');
  readonly received: Received[] = [];
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(readonly handlers: Record<string, Handler>) {}

  async listen(): Promise<void> {
    const server = createServer((socket) => this.serve(socket));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(this.socketPath, resolve));
  }

  /** Drops every connection and stops listening, as a daemon that died would. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = null;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  emit(event: DaemonEvent): void {
    const frame = JSON.stringify({ jsonrpc: '2.0', method: 'event', params: event }) + '\n';
    for (const s of this.sockets) s.write(frame);
  }

  calls(method: string): unknown[] {
    return this.received.filter((r) => r.method === method).map((r) => r.params);
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = '';
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const text = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        this.answer(socket, JSON.parse(text) as { id: string; method: string; params: unknown });
      }
    });
  }

  private answer(socket: Socket, msg: { id: string; method: string; params: unknown }): void {
    this.received.push({ method: msg.method, params: msg.params });
    const handler = this.handlers[msg.method];
    let reply: unknown;
    if (handler === undefined) {
      reply = { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: `no method ${msg.method}` } };
    } else {
      try {
        reply = { jsonrpc: '2.0', id: msg.id, result: handler(msg.params) };
      } catch (error) {
        reply = { jsonrpc: '2.0', id: msg.id, error: { code: -32008, message: (error as Error).message } };
      }
    }
    socket.write(JSON.stringify(reply) + '\n');
  }
}

export const HELLO = {
  protocolVersion: 1,
  server: { name: 'aiosd', version: '0.1.0' },
  user: { uid: 1000, name: 'alice', role: 'operator' },
  node: 'node1',
  mode: 'user',
} as const;

export function statusResult(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '0.1.0',
    pid: 1,
    uptimeMs: 1,
    node: 'node1',
    mode: 'user',
    user: HELLO.user,
    stateDir: '/tmp',
    socket: '/tmp/s',
    clients: 1,
    goals: {},
    planners: ['reactive'],
    health: 'ok',
    problems: [],
    ...over,
  };
}
