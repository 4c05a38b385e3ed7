// The one client for aiosd's socket, used by the TUI, the CLI and the tests.
import { connect, type Socket } from 'node:net';
import { EVENT_METHOD, type DaemonEvent } from './events.js';
import { encodeFrame, LineDecoder } from './framing.js';
import { PROTOCOL_VERSION, type RpcErrorObject, type RpcMessage } from './jsonrpc.js';
import type { MethodName, ParamsOf, ResultOf } from './methods.js';

/** A JSON-RPC error answered by the daemon, or a broken connection (code null). */
export class RpcError extends Error {
  constructor(
    message: string,
    readonly code: number | null,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export interface ClientOptions {
  socketPath: string;
  clientName: string;
  clientVersion?: string;
  /** Milliseconds to wait for the socket to accept. */
  connectTimeoutMs?: number;
}

export class AiosClient {
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly eventListeners = new Set<(event: DaemonEvent) => void>();
  private readonly closeListeners = new Set<(reason: string) => void>();
  private closed = false;
  initialized: ResultOf<'initialize'> | null = null;

  private constructor(private readonly socket: Socket) {
    const decoder = new LineDecoder(64 * 1024 * 1024);
    socket.on('data', (chunk: Buffer) => {
      for (const ev of decoder.push(chunk)) if (ev.type === 'frame') this.onFrame(ev.text);
    });
    socket.on('close', () => this.shutdown('connection closed'));
    socket.on('error', (err) => this.shutdown(err.message));
  }

  /** Connects and performs the versioned handshake. */
  static async connect(options: ClientOptions): Promise<AiosClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(options.socketPath);
      const timer = setTimeout(() => {
        s.destroy();
        reject(new RpcError(`timed out connecting to ${options.socketPath}`, null));
      }, options.connectTimeoutMs ?? 3000);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new RpcError(describeConnectError(err, options.socketPath), null));
      });
    });
    const client = new AiosClient(socket);
    client.initialized = await client.call('initialize', {
      protocolVersion: PROTOCOL_VERSION,
      client: { name: options.clientName, version: options.clientVersion ?? '0' },
    });
    return client;
  }

  call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    if (this.closed) return Promise.reject(new RpcError('not connected to aiosd', null));
    const id = String(this.nextId++);
    return new Promise<ResultOf<M>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.socket.write(encodeFrame({ jsonrpc: '2.0', id, method, params }));
    });
  }

  onEvent(listener: (event: DaemonEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onClose(listener: (reason: string) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  close(): void {
    this.socket.end();
    this.shutdown('closed by client');
  }

  private onFrame(text: string): void {
    let msg: RpcMessage;
    try {
      msg = JSON.parse(text) as RpcMessage;
    } catch {
      return; // the daemon never sends invalid JSON; ignore rather than crash the UI
    }
    if ('method' in msg) {
      if (msg.method === EVENT_METHOD) for (const l of this.eventListeners) l(msg.params as DaemonEvent);
      return;
    }
    const id = msg.id === null ? null : String(msg.id);
    const waiter = id === null ? undefined : this.pending.get(id);
    if (id === null || waiter === undefined) return;
    this.pending.delete(id);
    if ('error' in msg) {
      const e: RpcErrorObject = msg.error;
      waiter.reject(new RpcError(e.message, e.code, e.data));
    } else {
      waiter.resolve(msg.result);
    }
  }

  private shutdown(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new RpcError(`aiosd connection lost: ${reason}`, null));
    this.pending.clear();
    for (const l of this.closeListeners) l(reason);
  }
}

function describeConnectError(err: NodeJS.ErrnoException, path: string): string {
  switch (err.code) {
    case 'ENOENT':
    case 'ECONNREFUSED':
      return `aiosd is not running (no socket at ${path}); start it with 'aios daemon' or 'npm start'`;
    case 'EACCES':
      return `permission denied on ${path}: this daemon belongs to another user`;
    default:
      return `cannot connect to aiosd at ${path}: ${err.message}`;
  }
}
