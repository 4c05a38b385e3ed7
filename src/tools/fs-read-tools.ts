// fs.read and fs.list: read-only views of files and directories.
import { constants } from 'node:fs';
import { lstat, open, readdir, readlink, realpath, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { absolutePath, formatMode } from './fields.js';
import { formatBytes, formatTable } from './format.js';
import { defineTool, type Tool, type ToolResult } from './tool.js';

const MAX_READ_BYTES = 64 * 1024 * 1024;
const MAX_LIST_ENTRIES = 5000;
const READ_CHUNK = 64 * 1024;

export type EntryType = 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'char-device' | 'block-device' | 'unknown';

export interface ListEntry {
  name: string;
  type: EntryType;
  size: number;
  mode: string;
  linkTarget?: string;
}

export function entryType(st: {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): EntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'char-device';
  if (st.isBlockDevice()) return 'block-device';
  return 'unknown';
}

/** The errno codes a person meets, said plainly; anything else keeps its code. */
export function describeFsError(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return `no such file or directory: ${path}`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied: ${path}`;
    case 'ENOTDIR':
      return `a component of the path is not a directory: ${path}`;
    case 'ELOOP':
      return `too many levels of symbolic links: ${path}`;
    case 'EROFS':
      return `read-only filesystem: ${path}`;
    case 'ENOSPC':
      return `no space left on the device holding ${path}`;
    default:
      return `${code ?? 'error'}: ${(error as Error).message}`;
  }
}

export function fail(error: string): ToolResult {
  return { ok: false, output: error, error };
}

/** Null when the bytes are not text: a NUL byte or invalid UTF-8. */
export function decodeText(bytes: Uint8Array, cutShort = false): string | null {
  if (bytes.includes(0)) return null;
  try {
    // When the read stopped at maxBytes, stream mode drops a character cut in half there
    // instead of calling the whole file binary.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: cutShort });
  } catch {
    return null;
  }
}

export function createFsReadTools(opts: { outputCapBytes: number }): Tool[] {
  const defaultMax = Math.min(opts.outputCapBytes, MAX_READ_BYTES);

  const read = defineTool({
    name: 'fs.read',
    description: 'Read a text file. Binary (non-UTF-8) files are reported, not shown.',
    schema: z.strictObject({
      path: absolutePath('Absolute path of the file to read'),
      maxBytes: z
        .number()
        .int()
        .min(1)
        .max(MAX_READ_BYTES)
        .optional()
        .describe(`Read at most this many bytes (default ${defaultMax})`),
    }),
    capabilities: ['fs.read'],
    risk: 'low',
    reversible: false,
    mutates: false,
    paths: (args) => [{ path: args.path, access: 'read' }],
    preview: (args) => Promise.resolve({ summary: `read ${args.path}` }),
    async execute(args, ctx) {
      const max = args.maxBytes ?? defaultMax;
      let handle: FileHandle;
      try {
        // O_NONBLOCK: opening a FIFO must not hang the daemon waiting for a writer.
        handle = await open(args.path, constants.O_RDONLY | constants.O_NONBLOCK);
      } catch (error) {
        return fail(describeFsError(error, args.path));
      }
      try {
        // What was opened, after every link: the policy approved reading that, or nothing is read.
        const refusal = ctx.checkPath?.(await realpath(`/proc/self/fd/${handle.fd}`), 'read') ?? null;
        if (refusal !== null) return fail(refusal);
        const st = await handle.stat();
        if (st.isDirectory()) return fail(`${args.path} is a directory; use fs.list to see what it holds`);
        if (!st.isFile())
          return fail(`${args.path} is not a regular file (${entryType(st)}); fs.read reads regular files only`);
        // One byte past the limit tells a file of exactly maxBytes from a longer one. Chunks,
        // not one maxBytes buffer: most files are small, and /proc files all claim size 0.
        const chunks: Buffer[] = [];
        let got = 0;
        while (got <= max) {
          const chunk = Buffer.alloc(Math.min(READ_CHUNK, max + 1 - got));
          const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
          if (bytesRead === 0) break;
          chunks.push(chunk.subarray(0, bytesRead));
          got += bytesRead;
        }
        const buffer = Buffer.concat(chunks);
        const truncated = got > max;
        const bytes = buffer.subarray(0, Math.min(got, max));
        const content = decodeText(bytes, truncated);
        const data = {
          path: args.path,
          size: st.size,
          bytesRead: bytes.length,
          truncated,
          binary: content === null,
          content,
        };
        if (content === null) {
          return {
            ok: true,
            output: `${args.path} is a binary file (${formatBytes(st.size)}, not UTF-8 text); content not shown`,
            data,
          };
        }
        // /proc files report size 0, so the note says what was read rather than the whole.
        const note = truncated
          ? `\n[truncated: showing the first ${bytes.length} bytes${st.size > 0 ? ` of ${st.size}` : ''}]`
          : '';
        return { ok: true, output: content + note, data };
      } catch (error) {
        return fail(describeFsError(error, args.path));
      } finally {
        await handle.close();
      }
    },
  });

  const list = defineTool({
    name: 'fs.list',
    description: 'List a directory: each entry with its type, size and permission bits.',
    schema: z.strictObject({ path: absolutePath('Absolute path of the directory to list') }),
    capabilities: ['fs.read'],
    risk: 'low',
    reversible: false,
    mutates: false,
    paths: (args) => [{ path: args.path, access: 'read' }],
    preview: (args) => Promise.resolve({ summary: `list ${args.path}` }),
    async execute(args, ctx) {
      let names: string[];
      try {
        const refusal = ctx.checkPath?.(await realpath(args.path), 'read') ?? null;
        if (refusal !== null) return fail(refusal);
        names = (await readdir(args.path)).sort();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOTDIR')
          return fail(`${args.path} is not a directory; use fs.read for files`);
        return fail(describeFsError(error, args.path));
      }
      const shown = names.slice(0, MAX_LIST_ENTRIES);
      const entries: ListEntry[] = [];
      for (const name of shown) {
        const full = join(args.path, name);
        try {
          const st = await lstat(full);
          const entry: ListEntry = { name, type: entryType(st), size: st.size, mode: formatMode(st.mode) };
          if (st.isSymbolicLink()) entry.linkTarget = await readlink(full);
          entries.push(entry);
        } catch {
          // Removed between readdir and lstat: it is no longer an entry.
        }
      }
      const rows = entries.map((e) => [
        e.mode,
        e.type,
        formatBytes(e.size),
        e.linkTarget === undefined ? e.name : `${e.name} -> ${e.linkTarget}`,
      ]);
      const more = names.length > shown.length ? `\n[${names.length - shown.length} more entries not shown]` : '';
      const output =
        entries.length === 0
          ? `${args.path} is empty`
          : formatTable(['mode', 'type', 'size', 'name'], rows, [false, false, true]) + more;
      return { ok: true, output, data: { path: args.path, entries, total: names.length, truncated: more !== '' } };
    },
  });

  return [read, list];
}
