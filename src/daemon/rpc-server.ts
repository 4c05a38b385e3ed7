// aiosd's socket: newline-delimited JSON-RPC 2.0. Each client is isolated: whatever it
// sends (garbage, huge frames, floods, a sudden hang-up) costs it an error and nobody
// else anything.
import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { EVENT_METHOD, type DaemonEvent } from '../protocol/events.js';
import { encodeFrame, LineDecoder } from '../protocol/framing.js';
import { ErrorCode, type RpcErrorObject, type RpcId } from '../protocol/jsonrpc.js';
import {
  isMethodName,
  methods,
  permissionOf,
  type MethodName,
  type Methods,
  type ResultOf,
} from '../protocol/methods.js';
import { OpError } from '../agents/op-error.js';
import type { Actor } from '../agents/approval-policy.js';
import { peerCredOf, type PeerCred } from './peer-cred.js';
import { ConnectionLimits, type LimitSettings } from './connection-limits.js';

export interface Connection {
  id: number;
  cred: PeerCred;
  actor: Actor;
  /** Why this account may not use aiosd (no role, no account, a system account); told at initialize. */
  refusal: string | null;
  initialized: boolean;
  subscribed: boolean;
  inflight: number;
  /** Sends an event to this client alone (escape-hatch output is nobody else's business). */
  notify: (event: DaemonEvent) => void;
  /** Runs `fn` once when this client goes away (to close what it opened). */
  onClose: (fn: () => void) => void;
}

export type Handlers = {
  [M in MethodName]: (params: z.output<Methods[M]['params']>, conn: Connection) => Promise<ResultOf<M>> | ResultOf<M>;
};

export interface RpcServerOptions {
  socketPath: string;
  mode: 'user' | 'system';
  ownerUid: number;
  /** Connection caps: in all, per uid, kept for admins, and the handshake deadline. */
  limits: LimitSettings;
  maxFrameBytes: number;
  /** Maps a verified peer to the actor its requests act as, or to why it may not use aiosd. */
  accessFor: (cred: PeerCred) => { ok: true; actor: Actor } | { ok: false; name: string; refusal: string };
  /** The uid that owns the goal a request names (by goalId or planId); undefined when there is none. */
  ownerOf: (ref: { goalId?: string; planId?: string }) => number | undefined;
  /** How a broadcast event reaches each connection: as is, redacted, or not at all (null). */
  eventViews?: (event: DaemonEvent) => (actor: Actor) => DaemonEvent | null;
  log: (line: string) => void;
  /** What to tell the client when a request failed because the state cannot be written; null for other errors. */
  storageFailure?: (err: unknown) => string | null;
}

const MAX_INFLIGHT = 32;
/** A subscriber that stops reading is cut off rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

const RANK = { viewer: 0, operator: 1, admin: 2 } as const;

/** Methods that live on a connection (events, the escape hatch's terminal): not callable from the fleet. */
const CONNECTION_METHODS: ReadonlySet<MethodName> = new Set([
  'initialize',
  'events/subscribe',
  'hatch/open',
  'hatch/input',
  'hatch/resize',
  'hatch/close',
]);

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class RpcServer {
  private server: Server | null = null;
  private readonly sockets = new Map<Socket, Connection>();
  private nextId = 1;
  private handlers: Handlers | null = null;
  private readonly limits: ConnectionLimits;

  constructor(private readonly options: RpcServerOptions) {
    this.limits = new ConnectionLimits(options.limits, options.log);
  }

  get clientCount(): number {
    return this.sockets.size;
  }

  async listen(handlers: Handlers): Promise<void> {
    this.handlers = handlers;
    const { socketPath, mode } = this.options;
    mkdirSync(dirname(socketPath), { recursive: true, mode: mode === 'user' ? 0o700 : 0o755 });
    if (existsSync(socketPath)) {
      if (await isLive(socketPath)) throw new Error(`aiosd is already running at ${socketPath}`);
      unlinkSync(socketPath); // left behind by a daemon that died
    }
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // Who may connect is decided per connection from SO_PEERCRED; the mode is a second fence.
    chmodSync(socketPath, mode === 'user' ? 0o600 : 0o666);
    this.server = server;
  }

  /** Sends an event to every subscriber, each getting what its account may see of it. */
  broadcast(event: DaemonEvent): void {
    const view = this.options.eventViews?.(event) ?? (() => event);
    const frames = new Map<DaemonEvent, string>();
    for (const [socket, conn] of this.sockets) {
      if (!conn.subscribed || !conn.initialized) continue;
      const seen = view(conn.actor);
      if (seen === null) continue;
      let frame = frames.get(seen);
      if (frame === undefined) {
        frame = encodeFrame({ jsonrpc: '2.0', method: EVENT_METHOD, params: seen });
        frames.set(seen, frame);
      }
      this.write(socket, frame);
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets.keys()) socket.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = null;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    let cred: PeerCred;
    try {
      cred = peerCredOf(socket);
    } catch (err) {
      return this.refuse(socket, ErrorCode.Unauthorized, `cannot verify who is connecting (${describe(err)})`);
    }
    if (this.options.mode === 'user' && cred.uid !== this.options.ownerUid) {
      this.options.log(
        `refused uid ${cred.uid} (pid ${cred.pid}): this aiosd serves uid ${this.options.ownerUid} only`,
      );
      return this.refuse(
        socket,
        ErrorCode.Unauthorized,
        `this aiosd runs in user mode and serves uid ${this.options.ownerUid} only`,
      );
    }
    const access = this.options.accessFor(cred);
    // Refused accounts still get a connection, so that initialize can tell them why; they count as non-admins.
    const actor: Actor = access.ok
      ? access.actor
      : { uid: cred.uid, gid: cred.gid, groups: [], name: access.name, role: 'viewer', home: '/' };
    const capped = this.limits.admit(cred, actor.name, access.ok && actor.role === 'admin');
    if (capped !== null) return this.refuse(socket, ErrorCode.Overloaded, capped);
    const closers: (() => void)[] = [() => this.limits.release(cred.uid)];
    const conn: Connection = {
      id: this.nextId++,
      cred,
      actor,
      refusal: access.ok ? null : access.refusal,
      initialized: false,
      subscribed: false,
      inflight: 0,
      notify: (event) => this.write(socket, encodeFrame({ jsonrpc: '2.0', method: EVENT_METHOD, params: event })),
      onClose: (fn) => {
        closers.push(fn);
      },
    };
    this.sockets.set(socket, conn);
    // A connection that never says who it is for holds a slot for nothing: closed at the deadline.
    const handshake = setTimeout(() => {
      if (conn.initialized || socket.destroyed) return;
      this.limits.note(
        `closed a connection from ${actor.name} (uid ${cred.uid}, pid ${cred.pid}) that did not initialize within ${this.options.limits.handshakeMs} ms`,
        `handshake:${cred.uid}`,
      );
      socket.destroy();
    }, this.options.limits.handshakeMs);
    handshake.unref();
    closers.push(() => clearTimeout(handshake));
    const decoder = new LineDecoder(this.options.maxFrameBytes);
    socket.on('data', (chunk: Buffer) => {
      for (const ev of decoder.push(chunk)) {
        if (ev.type === 'oversized') {
          this.reply(socket, null, {
            code: ErrorCode.FrameTooLarge,
            message: `frame exceeds ${ev.limit} bytes; it was discarded`,
          });
        } else {
          this.onFrame(socket, conn, ev.text);
        }
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.sockets.delete(socket);
      for (const fn of closers.splice(0)) fn();
    });
  }

  private refuse(socket: Socket, code: number, message: string): void {
    socket.on('error', () => undefined);
    socket.end(encodeFrame({ jsonrpc: '2.0', id: null, error: { code, message } }));
  }

  private onFrame(socket: Socket, conn: Connection, text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch (err) {
      return this.reply(socket, null, { code: ErrorCode.ParseError, message: `invalid JSON: ${describe(err)}` });
    }
    if (Array.isArray(msg))
      return this.reply(socket, null, {
        code: ErrorCode.InvalidRequest,
        message: 'batch requests are not supported; send one request per line',
      });
    if (msg === null || typeof msg !== 'object')
      return this.reply(socket, null, { code: ErrorCode.InvalidRequest, message: 'a request must be a JSON object' });
    const req = msg as Record<string, unknown>;
    const rawId = req['id'];
    const id: RpcId | null = typeof rawId === 'string' || typeof rawId === 'number' ? rawId : null;
    if (req['jsonrpc'] !== '2.0' || typeof req['method'] !== 'string') {
      return this.reply(socket, id, {
        code: ErrorCode.InvalidRequest,
        message: 'expected {"jsonrpc":"2.0","id":…,"method":"…","params":{…}}',
      });
    }
    if (id === null) return; // a notification: JSON-RPC gives it no answer, and clients send none we act on
    const method = req['method'];
    if (!isMethodName(method)) {
      return this.reply(socket, id, {
        code: ErrorCode.MethodNotFound,
        message: `unknown method "${method.slice(0, 100)}"; known: ${Object.keys(methods).join(', ')}`,
      });
    }
    if (!conn.initialized && method !== 'initialize') {
      return this.reply(socket, id, { code: ErrorCode.NotInitialized, message: 'send "initialize" first' });
    }
    if (conn.refusal !== null) {
      this.limits.note(
        `refused ${conn.actor.name} (uid ${conn.cred.uid}, pid ${conn.cred.pid}) at initialize: ${conn.refusal}`,
        `refused:${conn.cred.uid}`,
      );
      this.reply(socket, id, { code: ErrorCode.Unauthorized, message: conn.refusal });
      socket.end();
      return;
    }
    if (conn.inflight >= MAX_INFLIGHT) {
      return this.reply(socket, id, {
        code: ErrorCode.Overloaded,
        message: `more than ${MAX_INFLIGHT} requests in flight on this connection; wait for answers`,
      });
    }
    const admitted = this.admit(method, req['params'], conn.actor, `uid ${conn.cred.uid}, ${conn.actor.role}`);
    if (!admitted.ok) return this.reply(socket, id, admitted.error);
    conn.inflight++;
    void this.dispatch(method, admitted.params, conn)
      .then(
        (result) => this.write(socket, encodeFrame({ jsonrpc: '2.0', id, result })),
        (err: unknown) => this.reply(socket, id, this.toRpcError(method, err)),
      )
      .finally(() => {
        conn.inflight--;
      });
  }

  /**
   * One request from off the socket (the fleet's `aios --node`), as `actor`: the same schema and
   * permission checks as a socket's request. Methods that need a live connection are refused.
   */
  async callAs(
    actor: Actor,
    method: string,
    params: unknown,
  ): Promise<{ result: unknown } | { error: RpcErrorObject }> {
    if (!isMethodName(method))
      return { error: { code: ErrorCode.MethodNotFound, message: `unknown method "${method.slice(0, 100)}"` } };
    if (CONNECTION_METHODS.has(method))
      return {
        error: {
          code: ErrorCode.InvalidRequest,
          message: `${method} needs a connection to aiosd; it is not served over the fleet`,
        },
      };
    const admitted = this.admit(method, params, actor, `${actor.role}, over the fleet`);
    if (!admitted.ok) return { error: admitted.error };
    const conn: Connection = {
      id: 0,
      cred: { uid: actor.uid, gid: actor.gid, pid: 0 },
      actor,
      refusal: null,
      initialized: true,
      subscribed: false,
      inflight: 0,
      notify: () => undefined,
      onClose: () => undefined,
    };
    try {
      return { result: await this.dispatch(method, admitted.params, conn) };
    } catch (err) {
      return { error: this.toRpcError(method, err) };
    }
  }

  /**
   * A request's checks, in an order that tells a caller nothing it may not know: the role first
   * (a viewer learns nothing of an admin method's parameters from its validation errors), then
   * the parameters, then ownership of the goal they name. Every refusal is logged.
   */
  private admit(
    method: MethodName,
    raw: unknown,
    actor: Actor,
    who: string,
  ): { ok: true; params: unknown } | { ok: false; error: RpcErrorObject } {
    const refuse = (denied: string): { ok: false; error: RpcErrorObject } => {
      this.options.log(`refused ${method} for ${actor.name} (${who}): ${denied}`);
      return { ok: false, error: { code: ErrorCode.Unauthorized, message: denied } };
    };
    const role = this.roleRefusal(method, actor);
    if (role !== null) return refuse(role);
    const parsed = methods[method].params.safeParse(raw ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues
        .map((i) => `${i.path.length > 0 ? i.path.join('.') : 'params'}: ${i.message}`)
        .join('; ');
      return { ok: false, error: { code: ErrorCode.InvalidParams, message: `${method}: ${issues}` } };
    }
    const owner = this.ownerRefusal(method, parsed.data as Record<string, unknown>, actor);
    return owner === null ? { ok: true, params: parsed.data } : refuse(owner);
  }

  /** The method's declared role (src/protocol/methods.ts) held against the caller's: null when it may. */
  private roleRefusal(method: MethodName, actor: Actor): string | null {
    const perm = permissionOf(method);
    if (RANK[actor.role] >= RANK[perm.role]) return null;
    return `${actor.name} is ${actor.role === 'admin' ? 'an' : 'a'} ${actor.role} and ${method} needs the ${perm.role} role; ask an aiOS admin (see docs/security.md)`;
  }

  /** A method for a goal's owner (or an admin), called by someone else: why not, or null. */
  private ownerRefusal(method: MethodName, params: Record<string, unknown>, actor: Actor): string | null {
    const perm = permissionOf(method);
    if (perm.owner !== true || actor.role === 'admin') return null;
    const ref = {
      ...(typeof params['goalId'] === 'string' ? { goalId: params['goalId'] } : {}),
      ...(typeof params['planId'] === 'string' ? { planId: params['planId'] } : {}),
    };
    const owner = this.options.ownerOf(ref);
    // No such goal: the handler says so.
    if (owner === undefined || owner === actor.uid) return null;
    return `${method}: that goal belongs to someone else; only its owner or an admin may act on it`;
  }

  private async dispatch(method: MethodName, params: unknown, conn: Connection): Promise<unknown> {
    const handler = (this.handlers as Handlers)[method] as (p: unknown, c: Connection) => unknown;
    return await handler(params, conn);
  }

  private toRpcError(method: string, err: unknown): RpcErrorObject {
    if (err instanceof OpError) {
      return err.data === undefined
        ? { code: ErrorCode[err.code], message: err.message }
        : { code: ErrorCode[err.code], message: err.message, data: err.data };
    }
    // A full or read-only state directory is not a bug: say what it is and what to do.
    const storage = this.options.storageFailure?.(err) ?? null;
    if (storage !== null) {
      this.options.log(`${method} refused: ${storage}`);
      return { code: ErrorCode.StateUnavailable, message: storage };
    }
    this.options.log(`internal error in ${method}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return { code: ErrorCode.InternalError, message: `aiosd failed in ${method}: ${describe(err)}` };
  }

  private reply(socket: Socket, id: RpcId | null, error: RpcErrorObject): void {
    this.write(socket, encodeFrame({ jsonrpc: '2.0', id, error }));
  }

  private write(socket: Socket, frame: string): void {
    if (socket.destroyed || !socket.writable) return; // the client hung up mid-request: nothing to tell
    if (socket.writableLength > MAX_BUFFERED_BYTES) {
      this.options.log('dropping a client that stopped reading its socket');
      socket.destroy();
      return;
    }
    socket.write(frame);
  }
}

function isLive(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(socketPath);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
