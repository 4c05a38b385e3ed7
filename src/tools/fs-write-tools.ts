// fs.write and fs.delete: the two file changes a snapshot of their path can undo. Both act
// through a verified parent directory (verified-dir.ts), so what changes is what was checked.
import { createTwoFilesPatch } from 'diff';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readlinkSync,
  renameSync,
  unlinkSync,
  writeSync,
  type BigIntStats,
  type Stats,
} from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { StepPreview } from '../protocol/model.js';
import { mayChown } from '../recovery/atomic-file.js';
import { applyXattrs, xattrsNow } from '../recovery/fs-meta.js';
import { absolutePath, formatMode, octalMode } from './fields.js';
import { decodeText, describeFsError, entryType, fail } from './fs-read-tools.js';
import { formatBytes } from './format.js';
import { defineTool, type Tool, type ToolContext } from './tool.js';
import { PathChangedError, withParent, type VerifiedDir } from './verified-dir.js';
import { lstatOrNull } from './lstat-or-null.js';

/** New files are world-readable like most of /etc; pass mode "600" for secrets. */
const NEW_FILE_MODE = 0o644;
/** Past this, a diff is more noise than help for the person approving. */
const MAX_DIFF_BYTES = 1024 * 1024;

const WriteArgs = z.strictObject({
  path: absolutePath('Absolute path of the file to create or replace'),
  content: z.string().describe('The complete new content of the file (UTF-8 text)'),
  mode: octalMode
    .optional()
    .describe('Permission bits in octal, e.g. "644"; default: keep the current mode, or 644 for a new file'),
  ifMatch: z
    .union([z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in lowercase hex'), z.literal('absent')])
    .optional()
    .describe(
      'Write only if the file still holds the content this sha256 names ("absent": only if there is no file); for content computed from what the file held when the plan was made',
    ),
});
type WriteArgs = z.infer<typeof WriteArgs>;

const DeleteArgs = z.strictObject({
  path: absolutePath('Absolute path of the file or symbolic link to remove (never a directory)'),
});

/** Why this path cannot be written, or null when it can. */
function refuseWrite(path: string, st: Stats | null): string | null {
  if (st === null || st.isFile()) return null;
  if (st.isDirectory()) return `${path} is a directory; fs.write writes files only`;
  // Writing through a link would change a file the snapshot never saw.
  if (st.isSymbolicLink()) return `${path} is a symbolic link; write the file it points to instead`;
  return `${path} is a ${entryType(st)}, not a regular file; fs.write replaces regular files only`;
}

function previewWrite(args: WriteArgs): Promise<StepPreview> {
  const st = lstatOrNull(args.path);
  const refusal = refuseWrite(args.path, st);
  if (refusal !== null) return Promise.resolve({ summary: `cannot write: ${refusal}` });
  if (args.ifMatch !== undefined && versionOf(args.path, st).tag !== args.ifMatch)
    return Promise.resolve({ summary: `cannot write: ${changedSincePlan(args.path)}` });
  const newBytes = Buffer.byteLength(args.content);
  const mode = args.mode === undefined ? (st === null ? NEW_FILE_MODE : st.mode & 0o7777) : parseInt(args.mode, 8);
  if (st === null) {
    if (lstatOrNull(dirname(args.path)) === null)
      return Promise.resolve({ summary: `cannot write: directory ${dirname(args.path)} does not exist` });
    return Promise.resolve({
      summary: `create new file ${args.path} (${newBytes} bytes, mode ${formatMode(mode)})`,
      detail: createTwoFilesPatch('/dev/null', args.path, '', args.content),
    });
  }
  const modeNote =
    ((st.mode & 0o7777) === mode ? '' : `, mode ${formatMode(st.mode)} → ${formatMode(mode)}`) + linksNote(st);
  if (st.size > MAX_DIFF_BYTES) {
    return Promise.resolve({
      summary: `replace ${args.path} (${formatBytes(st.size)} → ${formatBytes(newBytes)}${modeNote}); too large to diff`,
    });
  }
  const old = decodeText(readFileSync(args.path));
  if (old === null)
    return Promise.resolve({ summary: `replace binary file ${args.path} (${st.size} → ${newBytes} bytes${modeNote})` });
  if (old === args.content && modeNote === '')
    return Promise.resolve({ summary: `no change: ${args.path} already has this content` });
  return Promise.resolve({
    summary: `overwrite ${args.path} (${st.size} → ${newBytes} bytes${modeNote})`,
    detail: createTwoFilesPatch(args.path, args.path, old, args.content, 'current', 'proposed'),
  });
}

/** A file with several hard links is written in place, so that the link holds: the preview says so. */
const linksNote = (st: Stats): string =>
  st.nlink > 1
    ? `; it has ${st.nlink} hard links: written in place (not atomically), so every name sees the new content`
    : '';

/**
 * Writes into the file itself (the same inode): every hard link to it sees the new content, and
 * the link count stays. Not atomic, unlike a rename; the step's snapshot brings it back the same way.
 */
function writeInPlace(
  dir: VerifiedDir,
  content: string | Buffer,
  mode: number,
  expected: Stats,
  beforeWrite?: () => void,
): void {
  const fd = openSync(dir.at(dir.leaf), constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const now = fstatSync(fd);
    if (!now.isFile() || now.ino !== expected.ino || now.dev !== expected.dev)
      throw new ChangedSincePlanError(changedSincePlan(dir.leafPath));
    beforeWrite?.();
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    for (let written = 0; written < bytes.length;)
      written += writeSync(fd, bytes, written, bytes.length - written, written);
    ftruncateSync(fd, bytes.length);
    fchmodSync(fd, mode);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * A temp file in the verified directory, written and fsynced with its mode and owner set, then
 * renamed over the leaf and the directory fsynced: readers see the old file or the new one.
 */
export function writeInDir(
  dir: VerifiedDir,
  content: string | Buffer,
  mode: number,
  owner: { uid: number; gid: number } | null,
  beforeRename?: () => void,
  keepXattrs = false,
): string[] {
  let problems: string[] = [];
  const temp = `.${dir.leaf}.aios-write-${randomBytes(6).toString('hex')}`;
  const fd = openSync(
    dir.at(temp),
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    try {
      const bytes = typeof content === 'string' ? Buffer.from(content) : content;
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      if (owner !== null && mayChown(owner.uid, owner.gid)) fchownSync(fd, owner.uid, owner.gid);
      fchmodSync(fd, mode);
      // The file it replaces keeps its ACLs and xattrs: a new inode would otherwise drop them.
      if (keepXattrs)
        problems = applyXattrs(dir.at(temp), xattrsNow(dir.at(dir.leaf))).map((p) =>
          p.replace(dir.at(temp), dir.leafPath),
        );
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    beforeRename?.();
    renameSync(dir.at(temp), dir.at(dir.leaf));
  } catch (error) {
    try {
      unlinkSync(dir.at(temp));
    } catch {
      /* never created, or already renamed */
    }
    throw error;
  }
  dir.sync();
  return problems;
}

function writeFile(args: WriteArgs, ctx: ToolContext) {
  if (lstatOrNull(dirname(args.path)) === null)
    return fail(`directory ${dirname(args.path)} does not exist; fs.write does not create directories`);
  return withParent(args.path, ctx, (dir) => {
    const st = lstatOrNull(dir.at(dir.leaf));
    const refusal = refuseWrite(dir.leafPath, st);
    if (refusal !== null) return fail(refusal);
    const mode = args.mode === undefined ? (st === null ? NEW_FILE_MODE : st.mode & 0o7777) : parseInt(args.mode, 8);
    let unchanged: (() => void) | undefined;
    if (args.ifMatch !== undefined) {
      // Hashed through the verified directory; then, just before the rename, the same inode
      // with the same size and times must still be there: a write in between fails the step.
      const seen = versionOf(dir.at(dir.leaf), st);
      if (seen.tag !== args.ifMatch) return fail(changedSincePlan(dir.leafPath));
      unchanged = () => {
        if (!sameVersion(seen, lstatOrNull(dir.at(dir.leaf), true)))
          throw new ChangedSincePlanError(changedSincePlan(dir.leafPath));
      };
    }
    let problems: string[] = [];
    if (st !== null && st.nlink > 1) writeInPlace(dir, args.content, mode, st, unchanged);
    else
      problems = writeInDir(
        dir,
        args.content,
        mode,
        st === null ? null : { uid: st.uid, gid: st.gid },
        unchanged,
        st !== null,
      );
    const bytes = Buffer.byteLength(args.content);
    return {
      ok: true as const,
      output: `${st === null ? 'created' : 'wrote'} ${dir.leafPath} (${bytes} bytes, mode ${formatMode(mode)}${st !== null && st.nlink > 1 ? `, in place: ${st.nlink} hard links keep it` : ''})${problems.length > 0 ? `; not carried over: ${problems.join('; ')}` : ''}`,
      data: { path: dir.leafPath, bytes, mode: formatMode(mode), created: st === null },
    };
  });
}

function deleteFile(path: string, ctx: ToolContext) {
  return withParent(path, ctx, (dir) => {
    const st = lstatOrNull(dir.at(dir.leaf));
    if (st === null) return fail(`no such file: ${dir.leafPath}`);
    const refusal = refuseDelete(dir.leafPath, st);
    if (refusal !== null) return fail(refusal);
    // unlink removes the directory entry itself: a symlink's target is never touched.
    unlinkSync(dir.at(dir.leaf));
    dir.sync();
    const what = st.isSymbolicLink() ? 'symbolic link' : 'file';
    return {
      ok: true as const,
      output: `removed ${what} ${dir.leafPath}`,
      data: { path: dir.leafPath, type: entryType(st), size: st.size },
    };
  });
}

/** Runs a file change, turning filesystem errors into the typed failures the planner reads. */
export function guarded<T>(path: string, fn: () => T): T | ReturnType<typeof fail> {
  try {
    return fn();
  } catch (error) {
    if (error instanceof PathChangedError || error instanceof ChangedSincePlanError) return fail(error.message);
    return fail(describeFsError(error, path));
  }
}

export function createFsWriteTools(): Tool[] {
  const write = defineTool({
    name: 'fs.write',
    description:
      'Create or replace a whole text file, atomically. Keeps the current mode and owner unless a mode is given. The directory must exist.',
    schema: WriteArgs,
    capabilities: ['fs.write'],
    risk: 'medium',
    reversible: true,
    mutates: true,
    paths: (args) => [{ path: args.path, access: 'write' }],
    preview: previewWrite,
    execute: (args, ctx) => Promise.resolve(guarded(args.path, () => writeFile(args, ctx))),
  });

  const remove = defineTool({
    name: 'fs.delete',
    description:
      'Remove one file or symbolic link (the link itself, never what it points to). Directories are refused.',
    schema: DeleteArgs,
    capabilities: ['fs.write'],
    risk: 'medium',
    reversible: true,
    mutates: true,
    paths: (args) => [{ path: args.path, access: 'write' }],
    preview(args) {
      const st = lstatOrNull(args.path);
      if (st === null) return Promise.resolve({ summary: `nothing to remove: ${args.path} does not exist` });
      const refusal = refuseDelete(args.path, st);
      if (refusal !== null) return Promise.resolve({ summary: `cannot remove: ${refusal}` });
      if (st.isSymbolicLink())
        return Promise.resolve({ summary: `remove symbolic link ${args.path} -> ${readlinkSync(args.path)}` });
      return Promise.resolve({ summary: `remove file ${args.path} (${st.size} bytes, mode ${formatMode(st.mode)})` });
    },
    execute: (args, ctx) => Promise.resolve(guarded(args.path, () => deleteFile(args.path, ctx))),
  });

  return [write, remove];
}

/** The file is not what the plan was made from (if-match failed). */
class ChangedSincePlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChangedSincePlanError';
  }
}

const changedSincePlan = (path: string): string =>
  `the file changed since the plan was approved: ${path} no longer holds the content this step was planned from, so writing it would lose that change; nothing was written (plan the goal again)`;

interface FileVersion {
  tag: string;
  st: BigIntStats | null;
}

/** What the if-match of a write compares: the sha256 of the content, or "absent"; and the stat it was read under. */
function versionOf(path: string, st: Stats | null): FileVersion {
  if (st === null) return { tag: 'absent', st: null };
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const before = fstatSync(fd, { bigint: true });
    return { tag: createHash('sha256').update(readFileSync(fd)).digest('hex'), st: before };
  } finally {
    closeSync(fd);
  }
}

function sameVersion(seen: FileVersion, now: BigIntStats | null): boolean {
  if (seen.st === null || now === null) return seen.st === now;
  return (
    now.dev === seen.st.dev &&
    now.ino === seen.st.ino &&
    now.size === seen.st.size &&
    now.mtimeNs === seen.st.mtimeNs &&
    now.ctimeNs === seen.st.ctimeNs
  );
}

function refuseDelete(path: string, st: Stats): string | null {
  if (st.isFile() || st.isSymbolicLink()) return null;
  if (st.isDirectory()) return `${path} is a directory; fs.delete removes files and symbolic links only`;
  // A snapshot cannot bring back a FIFO, socket or device node.
  return `${path} is a ${entryType(st)}; fs.delete removes files and symbolic links only`;
}
