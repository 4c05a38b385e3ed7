// A JSON-RPC client that the daemon sees as another real uid: a relay process runs as that uid
// (the kernel's SO_PEERCRED is what aiosd reads) and pipes its stdio to the socket; requests
// and answers are matched here by id, notifications (events) are skipped.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

const RELAY = `
  const s = require('node:net').connect(process.argv[1]);
  process.stdin.pipe(s); s.pipe(process.stdout);
  s.on('error', (e) => { process.stderr.write(String(e)); process.exit(1); });
  s.on('close', () => process.exit(0));
`;

export interface ClientAsUid {
  call<T = unknown>(method: string, params?: object): Promise<T>;
  close(): void;
}

export async function connectAsUid(
  socketPath: string,
  uid: number,
  gid: number,
  name = 'test-as-uid',
): Promise<ClientAsUid> {
  const relay: ChildProcessWithoutNullStreams = spawn(process.execPath, ['-e', RELAY, socketPath], {
    uid,
    gid,
    cwd: '/',
    stdio: 'pipe',
  });
  const waiting = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let stderr = '';
  relay.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  relay.on('exit', () => {
    for (const w of waiting.values()) w.reject(new Error(`the client as uid ${uid} closed: ${stderr}`));
    waiting.clear();
  });
  createInterface({ input: relay.stdout }).on('line', (line) => {
    const msg = JSON.parse(line) as { id?: string | number; result?: unknown; error?: { message: string } };
    const w = msg.id === undefined ? undefined : waiting.get(String(msg.id));
    if (w === undefined) return;
    waiting.delete(String(msg.id));
    if (msg.error !== undefined) w.reject(new Error(msg.error.message));
    else w.resolve(msg.result);
  });
  let next = 1;
  const call = <T>(method: string, params: object = {}): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = `u${uid}-${next++}`;
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      relay.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  await call('initialize', { protocolVersion: 1, client: { name, version: '0' } });
  return { call, close: () => relay.stdin.end() };
}
