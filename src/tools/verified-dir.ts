// File changes that cannot be redirected between check and use. The parent directory is opened
// once and its real path verified through the open descriptor; every later step names the leaf
// through /proc/self/fd/N/<leaf>, which the kernel resolves from that very directory, so a
// symlink swapped in for a parent component afterwards is never followed. (Node has no openat
// or renameat; this is the same guarantee.)
import { closeSync, constants, fsyncSync, openSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { ToolContext } from './tool.js';

/** The path's directory changed (a symlink was swapped in) between the check and the change. */
export class PathChangedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PathChangedError';
  }
}

export interface VerifiedDir {
  /** The directory's real path, as verified through its descriptor. */
  real: string;
  fd: number;
  /** A path naming `name` inside exactly this directory. */
  at: (name: string) => string;
  /** The leaf's full canonical path. */
  leafPath: string;
  leaf: string;
  sync: () => void;
  close: () => void;
}

/**
 * Opens the parent of `path` and verifies that the directory reached is the one its realpath
 * names now; `hook` runs between the check and the open (tests use it to swap a symlink in).
 */
export function openParent(
  path: string,
  ctx?: Pick<ToolContext, 'checkPath'>,
  access: 'read' | 'write' = 'write',
  hook?: () => void,
): VerifiedDir {
  const leaf = basename(path);
  if (leaf === '' || leaf === '.' || leaf === '..') throw new PathChangedError(`${path} does not name a file`);
  const expected = realpathSync(dirname(path));
  const leafPath = expected === '/' ? `/${leaf}` : `${expected}/${leaf}`;
  const refusal = ctx?.checkPath?.(leafPath, access) ?? null;
  if (refusal !== null) throw new PathChangedError(refusal);
  hook?.();
  let fd: number;
  try {
    fd = openSync(expected, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A link (ELOOP) or something else (ENOTDIR, ENOENT) where the checked directory was.
    if (code === 'ELOOP' || code === 'ENOTDIR' || code === 'ENOENT') {
      throw new PathChangedError(
        `the directory of ${path} changed while it was being written (${expected} is no longer that directory); nothing was changed`,
      );
    }
    throw error;
  }
  const real = readlinkSync(`/proc/self/fd/${fd}`);
  if (real !== expected) {
    closeSync(fd);
    throw new PathChangedError(
      `the directory of ${path} changed while it was being written (now ${real}, checked ${expected}); nothing was changed`,
    );
  }
  return {
    real,
    fd,
    leaf,
    leafPath,
    at: (name) => `/proc/self/fd/${fd}/${name}`,
    sync: () => fsyncSync(fd),
    close: () => closeSync(fd),
  };
}

/** Runs `fn` with the verified parent directory of `path`, closing it afterwards. */
export function withParent<T>(
  path: string,
  ctx: Pick<ToolContext, 'checkPath'> | undefined,
  fn: (dir: VerifiedDir) => T,
  hook?: () => void,
): T {
  const dir = openParent(path, ctx, 'write', hook);
  try {
    return fn(dir);
  } finally {
    dir.close();
  }
}
