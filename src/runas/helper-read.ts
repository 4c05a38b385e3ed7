// The helper's side of `models pull <file>`: the file is opened here, as the caller's uid, so
// the kernel decides whether the caller may read it; its bytes go to aiosd over the channel,
// one chunk at a time, each sent before the next is read.
import { open } from 'node:fs/promises';
import type { ToDaemon } from './messages.js';

const CHUNK_BYTES = 1024 * 1024;

export async function sendFile(
  id: number,
  path: string,
  signal: AbortSignal,
  send: (msg: ToDaemon) => Promise<void>,
): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new Error(`uid ${process.getuid?.()} may not read ${path} (${code})`, { cause: err });
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new Error(`${path} is not a regular file`);
    await send({ type: 'file-size', id, size: st.size });
    let total = 0;
    for (;;) {
      if (signal.aborted) throw new Error(`reading ${path} was cancelled`);
      const buf = Buffer.allocUnsafe(CHUNK_BYTES);
      const { bytesRead } = await handle.read(buf, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      await send({ type: 'chunk', id, data: buf.subarray(0, bytesRead) });
    }
    await send({ type: 'read-end', id, size: total });
  } finally {
    await handle.close();
  }
}
