// fs.write and fs.delete: the two file changes a snapshot of `touches` can undo.
import { createTwoFilesPatch } from 'diff';
import type { Stats } from 'node:fs';
import { lstat, open, readFile, readlink, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { StepPreview } from '../protocol/model.js';
import { fsyncDir, mayChown, tempPathBeside } from './atomic-file.js';
import { absolutePath, formatMode, octalMode } from './fields.js';
import { decodeText, describeFsError, entryType, fail } from './fs-read-tools.js';
import { formatBytes } from './format.js';
import { defineTool, type Tool } from './tool.js';

/** New files are world-readable like most of /etc; pass mode "600" for secrets. */
const NEW_FILE_MODE = 0o644;
/** Past this, a diff is more noise than help for the person approving. */
const MAX_DIFF_BYTES = 1024 * 1024;

const WriteArgs = z.strictObject({
  path: absolutePath('Absolute path of the file to create or replace'),
  content: z.string().describe('The complete new content of the file (UTF-8 text)'),
  mode: octalMode.optional().describe('Permission bits in octal, e.g. "644"; default: keep the current mode, or 644 for a new file'),
});
type WriteArgs = z.infer<typeof WriteArgs>;

const DeleteArgs = z.strictObject({
  path: absolutePath('Absolute path of the file or symbolic link to remove (never a directory)'),
});

async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Why this path cannot be written, or null when it can. */
function refuseWrite(path: string, st: Stats | null): string | null {
  if (st === null || st.isFile()) return null;
  if (st.isDirectory()) return `${path} is a directory; fs.write writes files only`;
  // Writing through a link would change a file the snapshot of `touches` never saw.
  if (st.isSymbolicLink()) return `${path} is a symbolic link; write the file it points to instead`;
  return `${path} is a ${entryType(st)}, not a regular file; fs.write replaces regular files only`;
}

async function previewWrite(args: WriteArgs): Promise<StepPreview> {
  const st = await lstatOrNull(args.path);
  const refusal = refuseWrite(args.path, st);
  if (refusal !== null) return { summary: `cannot write: ${refusal}` };
  const newBytes = Buffer.byteLength(args.content);
  const mode = args.mode === undefined ? (st === null ? NEW_FILE_MODE : st.mode & 0o7777) : parseInt(args.mode, 8);
  if (st === null) {
    if (await lstatOrNull(dirname(args.path)) === null) return { summary: `cannot write: directory ${dirname(args.path)} does not exist` };
    return {
      summary: `create new file ${args.path} (${newBytes} bytes, mode ${formatMode(mode)})`,
      detail: createTwoFilesPatch('/dev/null', args.path, '', args.content),
    };
  }
  const modeNote = (st.mode & 0o7777) === mode ? '' : `, mode ${formatMode(st.mode)} → ${formatMode(mode)}`;
  if (st.size > MAX_DIFF_BYTES) {
    return { summary: `replace ${args.path} (${formatBytes(st.size)} → ${formatBytes(newBytes)}${modeNote}); too large to diff` };
  }
  const old = decodeText(await readFile(args.path));
  if (old === null) {
    return { summary: `replace binary file ${args.path} (${st.size} → ${newBytes} bytes${modeNote})` };
  }
  if (old === args.content && modeNote === '') return { summary: `no change: ${args.path} already has this content` };
  return {
    summary: `overwrite ${args.path} (${st.size} → ${newBytes} bytes${modeNote})`,
    detail: createTwoFilesPatch(args.path, args.path, old, args.content, 'current', 'proposed'),
  };
}

/** Temp file beside the target, written and fsynced, renamed over it, directory fsynced. */
async function writeAtomically(path: string, content: string, mode: number, owner: { uid: number; gid: number } | null): Promise<void> {
  const temp = tempPathBeside(path, 'write');
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(content);
      // Mode and owner go on before the rename: the file never appears with the wrong ones.
      if (owner !== null && mayChown(owner.uid, owner.gid)) await handle.chown(owner.uid, owner.gid);
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDir(dirname(path));
}

export function createFsWriteTools(): Tool[] {
  const write = defineTool({
    name: 'fs.write',
    description: 'Create or replace a whole text file, atomically. Keeps the current mode and owner unless a mode is given. The directory must exist.',
    schema: WriteArgs,
    capabilities: ['fs.write'],
    risk: 'medium',
    reversible: true,
    mutates: true,
    touches: (args) => [args.path],
    preview: previewWrite,
    async execute(args) {
      try {
        const st = await lstatOrNull(args.path);
        const refusal = refuseWrite(args.path, st);
        if (refusal !== null) return fail(refusal);
        const parent = await lstatOrNull(dirname(args.path));
        if (parent === null) return fail(`directory ${dirname(args.path)} does not exist; fs.write does not create directories`);
        const mode = args.mode === undefined ? (st === null ? NEW_FILE_MODE : st.mode & 0o7777) : parseInt(args.mode, 8);
        await writeAtomically(args.path, args.content, mode, st === null ? null : { uid: st.uid, gid: st.gid });
        const bytes = Buffer.byteLength(args.content);
        const verb = st === null ? 'created' : 'wrote';
        return {
          ok: true,
          output: `${verb} ${args.path} (${bytes} bytes, mode ${formatMode(mode)})`,
          data: { path: args.path, bytes, mode: formatMode(mode), created: st === null },
        };
      } catch (error) {
        return fail(describeFsError(error, args.path));
      }
    },
  });

  const remove = defineTool({
    name: 'fs.delete',
    description: 'Remove one file or symbolic link (the link itself, never what it points to). Directories are refused.',
    schema: DeleteArgs,
    capabilities: ['fs.write'],
    risk: 'medium',
    reversible: true,
    mutates: true,
    touches: (args) => [args.path],
    async preview(args) {
      const st = await lstatOrNull(args.path);
      if (st === null) return { summary: `nothing to remove: ${args.path} does not exist` };
      const refusal = refuseDelete(args.path, st);
      if (refusal !== null) return { summary: `cannot remove: ${refusal}` };
      if (st.isSymbolicLink()) return { summary: `remove symbolic link ${args.path} -> ${await readlink(args.path)}` };
      return { summary: `remove file ${args.path} (${st.size} bytes, mode ${formatMode(st.mode)})` };
    },
    async execute(args) {
      try {
        const st = await lstatOrNull(args.path);
        if (st === null) return fail(`no such file: ${args.path}`);
        const refusal = refuseDelete(args.path, st);
        if (refusal !== null) return fail(refusal);
        // unlink removes the directory entry itself: a symlink's target is never touched.
        await unlink(args.path);
        await fsyncDir(dirname(args.path));
        const what = st.isSymbolicLink() ? 'symbolic link' : 'file';
        return { ok: true, output: `removed ${what} ${args.path}`, data: { path: args.path, type: entryType(st), size: st.size } };
      } catch (error) {
        return fail(describeFsError(error, args.path));
      }
    },
  });

  return [write, remove];
}

function refuseDelete(path: string, st: Stats): string | null {
  if (st.isFile() || st.isSymbolicLink()) return null;
  if (st.isDirectory()) return `${path} is a directory; fs.delete removes files and symbolic links only`;
  // A snapshot cannot bring back a FIFO, socket or device node.
  return `${path} is a ${entryType(st)}; fs.delete removes files and symbolic links only`;
}
