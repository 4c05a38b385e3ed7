// Raw JSON-RPC clients that run as another real uid (a child node process with setuid), so the
// daemon learns who they are from the kernel (SO_PEERCRED), as it would from a real login.
import { spawn, spawnSync } from 'node:child_process';

const CLIENT = (socketPath: string, requests: object[], body: string) => `
  const net = require('node:net');
  const reqs = ${JSON.stringify(requests)};
  const s = net.connect(${JSON.stringify(socketPath)});
  const out = []; let buf = '';
  s.on('connect', () => { s.write(reqs.map((r) => JSON.stringify(r)).join('\\n') + '\\n'); });
  s.on('error', (e) => out.push({ connectError: e.code }));
  s.on('close', () => { process.stdout.write(JSON.stringify(out)); process.exit(0); });
  ${body}
`;

/** Runs a tiny raw JSON-RPC client as `uid`, sending each request in turn; returns the answers in request order. */
export function asUser(
  uid: number,
  socketPath: string,
  requests: object[],
  opts: { gid?: number; timeoutMs?: number } = {},
): Record<string, unknown>[] {
  const script = CLIENT(
    socketPath,
    requests,
    `
    s.on('data', (d) => {
      buf += d; let i;
      while ((i = buf.indexOf('\\n')) >= 0) { out.push(JSON.parse(buf.slice(0, i))); buf = buf.slice(i + 1); }
      if (out.length >= reqs.length) s.end();
    });
    setTimeout(() => { s.destroy(); }, ${opts.timeoutMs ?? 5000}).unref();
  `,
  );
  const r = spawnSync(process.execPath, ['-e', script], { uid, gid: opts.gid ?? uid, encoding: 'utf8', cwd: '/' });
  if (r.status !== 0) throw new Error(r.stderr);
  // Answers may come in any order (JSON-RPC matches them by id): return them in request order.
  const answers = JSON.parse(r.stdout) as Record<string, unknown>[];
  return requests.map(
    (q) => answers.find((a) => a['id'] === (q as { id: unknown }).id) ?? answers.find((a) => a['id'] === null) ?? {},
  );
}

/**
 * A client as `uid` that sends `requests` (initialize and events/subscribe, typically) and keeps
 * every frame it receives until stop() (or `maxMs`): what that account was shown.
 */
export function listenAsUser(
  uid: number,
  socketPath: string,
  requests: object[],
  maxMs = 60_000,
): { ready: Promise<void>; stop: () => Promise<Record<string, unknown>[]> } {
  const script = CLIENT(
    socketPath,
    requests,
    `
    let ready = false;
    s.on('data', (d) => {
      buf += d; let i;
      while ((i = buf.indexOf('\\n')) >= 0) { out.push(JSON.parse(buf.slice(0, i))); buf = buf.slice(i + 1); }
      if (!ready && out.filter((m) => m.id !== undefined).length >= reqs.length) { ready = true; process.stderr.write('ready\\n'); }
    });
    process.stdin.on('data', () => s.end());
    setTimeout(() => { s.destroy(); }, ${maxMs}).unref();
  `,
  );
  const child = spawn(process.execPath, ['-e', script], { uid, gid: uid, cwd: '/', stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    child.once('exit', () => reject(new Error(`the client as uid ${uid} exited before it was ready: ${stdout}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    ready,
    stop: async () => {
      child.stdin.write('stop\n');
      await exited;
      return JSON.parse(stdout || '[]') as Record<string, unknown>[];
    },
  };
}
