// The sha256 a hub publishes for a file, where it does: Hugging Face answers a HEAD on a file's
// /resolve/ URL with X-Linked-Etag, the LFS object's sha256. Only metadata is asked for here;
// the bytes themselves come through node-llama-cpp's downloader.
const HEX64 = /^[0-9a-f]{64}$/;
const ASK_MS = 15_000;

/** "https://huggingface.co/" or the mirror, always ending in a slash. */
export function hubEndpoint(mirror: string | undefined): string {
  const base = mirror ?? 'https://huggingface.co/';
  return base.endsWith('/') ? base : `${base}/`;
}

const enc = (parts: string[]): string => parts.map(encodeURIComponent).join('/');

/** The file URL an hf: URI names (asking the hub's manifest for `hf:user/model:quant`), or the URL itself. */
async function fileUrl(uri: string, endpoint: string, signal: AbortSignal): Promise<string | null> {
  const hf = /^(?:hf|huggingface):(?:\/\/)?([^/]+)\/([^/]+)(?:\/(.+))?$/.exec(uri);
  if (hf === null) return /^https?:\/\//.test(uri) ? uri : null;
  const [, user = '', modelAndTag = '', rest] = hf;
  if (rest !== undefined) {
    const [path = '', branch = 'main'] = rest.split('#');
    return `${endpoint}${enc([user, modelAndTag])}/resolve/${encodeURIComponent(branch)}/${enc(path.split('/'))}`;
  }
  const [model = '', tag = 'latest'] = modelAndTag.split(':');
  const res = await fetch(`${endpoint}v2/${enc([user, model])}/manifests/${encodeURIComponent(tag)}`, {
    headers: { 'User-Agent': 'llama-cpp' },
    signal,
  });
  if (!res.ok) return null;
  const body = (await res.json()) as { ggufFile?: { rfilename?: unknown } };
  const file = body.ggufFile?.rfilename;
  return typeof file === 'string' ? `${endpoint}${enc([user, model])}/resolve/main/${enc(file.split('/'))}` : null;
}

/** The hub's sha256 for what `uri` downloads, or null when it publishes none (or cannot be asked). */
export async function hubSha256(uri: string, endpoint: string, signal: AbortSignal): Promise<string | null> {
  try {
    const both = AbortSignal.any([signal, AbortSignal.timeout(ASK_MS)]);
    const url = await fileUrl(uri, endpoint, both);
    if (url === null) return null;
    // Not followed: the redirect goes to a CDN, and the header is on the hub's own answer.
    const res = await fetch(url, { method: 'HEAD', redirect: 'manual', signal: both });
    const tag = (res.headers.get('x-linked-etag') ?? '').replace(/^W\//, '').replaceAll('"', '').toLowerCase();
    return HEX64.test(tag) ? tag : null;
  } catch {
    return null;
  }
}
