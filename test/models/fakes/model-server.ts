// A local model host for pull tests (no network here): files served as plain URLs with byte
// ranges, a fake Hugging Face (the v2 manifest node-llama-cpp asks for, and /resolve/ answering
// with X-Linked-Etag as the hub does), a file whose first transfer is cut in the middle, and one
// that claims a size no node has. Every request is logged with its Range header.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeFile {
  body: Buffer;
  /** Bytes sent before the first GET of the body is cut off (connection destroyed). */
  cutAt?: number | undefined;
  /** Every GET through this byte stops there (the connection stays open, idle) until it is unset. */
  stallAt?: number | undefined;
  /** Sent 64 KiB at a time with this pause between pieces: a transfer slow enough to watch. */
  paceMs?: number;
  /** The size claimed, and nothing sent: a file too large for any node. */
  claimSize?: number;
}

export interface HubRepo {
  /** What `hf:user/model:TAG` resolves to (the manifest's rfilename), by tag. */
  tags: Record<string, string>;
  files: Record<string, Buffer>;
  /** The sha256 the hub publishes per file (default: the right one). */
  etag?: Record<string, string>;
  /** Its files sent slowly (FakeFile.paceMs). */
  paceMs?: number;
}

export interface LoggedRequest {
  method: string;
  url: string;
  range: string | null;
}

export interface ModelServer {
  url: string;
  log: LoggedRequest[];
  close: () => Promise<void>;
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function sendFile(req: IncomingMessage, res: ServerResponse, f: FakeFile, extra: Record<string, string> = {}): void {
  const size = f.claimSize ?? f.body.length;
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  const start = range === null ? 0 : Number(range[1]);
  const end = range === null || range[2] === '' ? size - 1 : Math.min(Number(range[2]), size - 1);
  const headers: Record<string, string | number> = {
    'accept-ranges': 'bytes',
    'content-type': 'application/octet-stream',
    'content-length': end - start + 1,
    ...extra,
  };
  if (range !== null) headers['content-range'] = `bytes ${start}-${end}/${size}`;
  res.writeHead(range === null ? 200 : 206, headers);
  if (req.method === 'HEAD') return void res.end();
  // Never sent: only its size is asked for. The headers go out now; the body never comes.
  if (f.claimSize !== undefined) return void res.flushHeaders();
  const slice = f.body.subarray(start, end + 1);
  if (f.cutAt !== undefined && start < f.cutAt && end >= f.cutAt) {
    const cut = f.cutAt - start;
    f.cutAt = undefined; // only the first transfer through that point is cut
    res.write(slice.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 50));
    return;
  }
  if (f.stallAt !== undefined && start < f.stallAt && end >= f.stallAt) {
    res.write(slice.subarray(0, f.stallAt - start));
    return;
  }
  if (f.paceMs !== undefined) {
    const pace = f.paceMs;
    const next = (at: number): void => {
      if (at >= slice.length) return void res.end();
      res.write(slice.subarray(at, at + 64 * 1024), () => setTimeout(() => next(at + 64 * 1024), pace));
    };
    return next(0);
  }
  res.end(slice);
}

export async function startModelServer(
  files: Record<string, FakeFile>,
  hub: Record<string, HubRepo> = {},
): Promise<ModelServer> {
  const log: LoggedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    log.push({ method: req.method ?? '', url: url.pathname, range: req.headers.range ?? null });
    const manifest = /^\/v2\/([^/]+\/[^/]+)\/manifests\/([^/]+)$/.exec(url.pathname);
    if (manifest !== null) {
      const repo = hub[decodeURIComponent(manifest[1] ?? '')];
      const file = repo?.tags[decodeURIComponent(manifest[2] ?? '').toUpperCase()];
      if (file === undefined) return void res.writeHead(404).end('{}');
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ggufFile: { rfilename: file } }));
    }
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/main\/(.+)$/.exec(url.pathname);
    if (resolve !== null) {
      const repo = hub[decodeURIComponent(resolve[1] ?? '')];
      const name = decodeURIComponent(resolve[2] ?? '');
      const body = repo?.files[name];
      if (repo === undefined || body === undefined) return void res.writeHead(404).end();
      return sendFile(
        req,
        res,
        { body, ...(repo.paceMs === undefined ? {} : { paceMs: repo.paceMs }) },
        { 'x-linked-etag': `"${repo.etag?.[name] ?? sha256(body)}"` },
      );
    }
    const f = files[url.pathname];
    if (f === undefined) return void res.writeHead(404).end('not found');
    sendFile(req, res, f);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
