// `aios models pull /path/file.gguf`: a file on the node, copied into the staging directory
// through the same checks as a download. It is read with the caller's credentials (a run-as
// helper as the caller's uid, or aiosd itself when it already is that uid), never aiosd's.
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { sendFile } from '../runas/helper-read.js';
import type { FileSink } from '../runas/helper-process.js';

/** Reads `path` as the caller into `sink`; resolves to the bytes read. */
export type ReadAsCaller = (path: string, sink: FileSink, signal: AbortSignal) => Promise<number>;

/** The same read in this process: for a caller whose uid aiosd runs as. */
export const readHere: ReadAsCaller = async (path, sink, signal) => {
  let size = 0;
  await sendFile(0, path, signal, (msg) => {
    if (msg.type === 'file-size') sink.size(msg.size);
    else if (msg.type === 'chunk') sink.chunk(Buffer.from(msg.data));
    else if (msg.type === 'read-end') size = msg.size;
    return Promise.resolve();
  });
  return size;
};

export class Refused extends Error {}

/**
 * Copies the file to `dest`, hashing as the bytes arrive. `admit` sees the size before any byte
 * is written and may refuse (memory, disk, a dry run): the read stops and its reason is thrown.
 */
export async function copyAsCaller(
  read: ReadAsCaller,
  path: string,
  dest: string | null,
  admit: (size: number) => string | null,
  onBytes: (done: number, total: number) => void,
  signal: AbortSignal,
): Promise<{ sha256: string; size: number }> {
  const stop = new AbortController();
  const both = AbortSignal.any([signal, stop.signal]);
  const hash = createHash('sha256');
  let refusal: string | null = null;
  let total = 0;
  let done = 0;
  let fd: number | null = null;
  try {
    await read(
      path,
      {
        size: (bytes) => {
          total = bytes;
          refusal = admit(bytes);
          if (refusal !== null || dest === null) stop.abort();
          else fd = openSync(dest, 'w', 0o644);
        },
        chunk: (data) => {
          if (fd === null) return;
          writeSync(fd, data);
          hash.update(data);
          done += data.length;
          onBytes(done, total);
        },
      },
      both,
    );
  } catch (err) {
    if (refusal !== null) throw new Refused(refusal);
    if (stop.signal.aborted && dest === null) return { sha256: '', size: total };
    throw err;
  } finally {
    if (fd !== null) closeSync(fd);
  }
  if (refusal !== null) throw new Refused(refusal);
  return { sha256: dest === null ? '' : hash.digest('hex'), size: total };
}
