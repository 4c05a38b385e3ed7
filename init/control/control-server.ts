// The control socket of aios-init's supervisor: JSON lines in, JSON lines out, one answer per
// request in the order they came. The socket file is 0600 and the kernel's record of who
// connected (SO_PEERCRED) must say root or aios-init's own uid (aiosd runs as it). A bad
// message gets an error line and the connection stays; nothing a client sends can end aios-init.
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { describeIssue } from '../../src/config/describe-issue.js';
import { peerCredOf, type PeerCred } from '../../src/daemon/peer-cred.js';
import { encodeFrame, LineDecoder } from '../../src/protocol/framing.js';
import {
  INIT_CONTROL_MAX_BYTES,
  InitControlRequest,
  type InitControlResponse,
} from '../../src/protocol/init-control.js';
import type { ServiceControl } from './service-control.js';
import type { UpdateCarrier } from '../update/update-carrier.js';

const MAX_CLIENTS = 16;

/** Root, and the uid aios-init runs as (aiosd is its child, as the same user). */
export function peerAllowed(cred: Pick<PeerCred, 'uid'>, ownUid: number): boolean {
  return cred.uid === 0 || cred.uid === ownUid;
}

/** The answer to one line: the request's own answer, or why it could not be read. */
export async function answerLine(
  text: string,
  control: ServiceControl,
  caller: PeerCred,
  updates?: UpdateCarrier,
): Promise<InitControlResponse> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return {
      id: null,
      ok: false,
      error: `not a JSON object: ${(err as Error).message}; send one object a line, e.g. {"id":1,"op":"list"}`,
    };
  }
  const id =
    typeof raw === 'object' && raw !== null && Number.isSafeInteger((raw as { id?: unknown }).id)
      ? (raw as { id: number }).id
      : null;
  const parsed = InitControlRequest.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const d = describeIssue(i, InitControlRequest);
      return d.key === '' ? d.problem : `${d.key}: ${d.problem}`;
    });
    return { id, ok: false, error: `not a control request: ${problems.join('; ')}` };
  }
  try {
    const r = parsed.data;
    if (r.op === 'update' || r.op === 'rollback') {
      if (updates === undefined)
        throw new Error('this aios-init does not carry updates (run as a service, or by hand)');
      const update = await updates.request({
        kind: r.op,
        id: r.requestId ?? '',
        requestedBy: r.requestedBy ?? `uid ${caller.uid}`,
        ...(r.bundle === undefined ? {} : { bundle: r.bundle }),
        ...(r.allowDowngrade === undefined ? {} : { allowDowngrade: r.allowDowngrade }),
      });
      return { id: r.id, ok: true, update };
    }
    if (r.op === 'answered') {
      if (updates === undefined)
        throw new Error('this aios-init does not carry updates (run as a service, or by hand)');
      updates.answered(r.requestId ?? '');
      return { id: r.id, ok: true, message: 'restarting' };
    }
    return { id: r.id, ok: true, ...(await control.handle(r, caller)) };
  } catch (err) {
    return { id: parsed.data.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

export class ControlServer {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly options: {
      socketPath: string;
      control: ServiceControl;
      log: (line: string) => void;
      ownUid?: number;
      updates?: UpdateCarrier;
    },
  ) {}

  async listen(): Promise<void> {
    const { socketPath } = this.options;
    mkdirSync(dirname(socketPath), { recursive: true, mode: 0o700 });
    // Only this aios-init serves this path: whatever is there was left by an earlier one.
    rmSync(socketPath, { force: true });
    const server = createServer((socket) => this.accept(socket));
    // The socket is created 0600: no moment in which another user could connect before the chmod.
    const umask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(socketPath, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(umask);
    }
    chmodSync(socketPath, 0o600);
    this.server = server;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = null;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(this.options.socketPath, { force: true });
  }

  private accept(socket: Socket): void {
    socket.on('error', () => undefined); // a client that vanishes mid-answer is its own problem
    const ownUid = this.options.ownUid ?? process.getuid?.() ?? 0;
    let cred: PeerCred;
    try {
      cred = peerCredOf(socket);
    } catch (err) {
      return this.refuse(socket, `cannot verify who is connecting (${(err as Error).message})`);
    }
    if (!peerAllowed(cred, ownUid)) {
      this.options.log(`control socket: refused uid ${cred.uid} (pid ${cred.pid})`);
      return this.refuse(
        socket,
        `uid ${cred.uid} may not control aios-init's services: only root${ownUid === 0 ? '' : ` and uid ${ownUid}`} may`,
      );
    }
    if (this.sockets.size >= MAX_CLIENTS)
      return this.refuse(socket, `aios-init has ${this.sockets.size} control clients, its limit; try again shortly`);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const decoder = new LineDecoder(INIT_CONTROL_MAX_BYTES);
    // One request at a time per connection, so answers come back in order.
    let queue = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        queue = queue
          .then(async () => {
            const answer: InitControlResponse =
              frame.type === 'oversized'
                ? { id: null, ok: false, error: `a control message may be at most ${frame.limit} bytes` }
                : await answerLine(frame.text, this.options.control, cred, this.options.updates);
            if (!socket.destroyed) socket.write(encodeFrame(answer));
          })
          .catch((err: unknown) =>
            this.options.log(`control socket: ${err instanceof Error ? err.message : String(err)}`),
          );
      }
    });
  }

  /** Says why, then closes: once written, not on the peer's say-so (a refused socket is never read). */
  private refuse(socket: Socket, error: string): void {
    socket.end(encodeFrame({ id: null, ok: false, error } satisfies InitControlResponse), () => socket.destroy());
  }
}
