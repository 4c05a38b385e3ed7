// Checks that a file is a GGUF model before anything tries to load it: llama.cpp given a
// wrong file can abort its process, and a person deserves a sentence, not a core dump.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

export type GgufCheck = { ok: true; version: number; sizeBytes: number } | { ok: false; problem: string };

const MAGIC = Buffer.from('GGUF', 'ascii');

export async function checkGguf(path: string): Promise<GgufCheck> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, problem: `${path} does not exist` };
    if (code === 'EACCES') return { ok: false, problem: `${path} cannot be read: permission denied` };
    if (code === 'EISDIR') return { ok: false, problem: `${path} is a directory, not a GGUF file` };
    return { ok: false, problem: `${path} cannot be opened (${code ?? String(err)})` };
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return { ok: false, problem: `${path} is not a regular file` };
    const head = Buffer.alloc(8);
    const { bytesRead } = await handle.read(head, 0, 8, 0);
    if (bytesRead < 8 || !head.subarray(0, 4).equals(MAGIC)) {
      return {
        ok: false,
        problem: `${path} is not a GGUF model (it does not start with the bytes "GGUF"); convert it with llama.cpp's convert_hf_to_gguf.py or download a .gguf build`,
      };
    }
    const version = head.readUInt32LE(4);
    if (version < 2 || version > 3)
      return { ok: false, problem: `${path} is GGUF version ${version}; llama.cpp reads versions 2 and 3` };
    return { ok: true, version, sizeBytes: st.size };
  } finally {
    await handle.close();
  }
}

/** Streams the file through sha256 (models are gigabytes: never read whole). */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path, { highWaterMark: 1024 * 1024 })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
