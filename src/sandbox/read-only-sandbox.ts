// The sandbox as the daemon uses it: for commands that only read, nothing writable and no
// network; for a shell command that writes, only the paths its step declares writable (and a
// private /tmp), with root's power over those files kept. aiOS's own state, config and secrets,
// and the system's password hashes, are hidden from both.
import { lstatSync, statSync } from 'node:fs';
import { isTreeMark } from '../tools/tool.js';
import { probeSandbox, sandboxArgv, type SandboxPolicy } from './bubblewrap.js';

export interface ReadOnlySandbox {
  available: boolean;
  reason: string;
  wrap: ((argv: readonly string[]) => string[]) | null;
}

export interface WriteSandbox {
  available: boolean;
  reason: string;
  /** Throws WritablePathError when a declared path cannot be bound (it does not exist, or is a link). */
  wrap: ((argv: readonly string[], writable: readonly string[]) => string[]) | null;
}

/** A path a step declared writable cannot be made writable in the sandbox; nothing ran. */
export class WritablePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WritablePathError';
  }
}

const MEMORY_BYTES = 16 * 1024 ** 3;

function hiddenOf(hide: readonly string[]): SandboxPolicy['hidden'] {
  return hide.map((path) => {
    let kind: 'dir' | 'file' = 'file';
    try {
      kind = statSync(path).isDirectory() ? 'dir' : 'file';
    } catch {
      /* absent: nothing to hide */
    }
    return { path, kind };
  });
}

export function readOnlySandbox(opts: { hide: readonly string[]; cpuSeconds: number }): ReadOnlySandbox {
  const probe = probeSandbox();
  if (!probe.available) return { available: false, reason: probe.reason, wrap: null };
  const hidden = hiddenOf(opts.hide);
  return {
    available: true,
    reason: probe.reason,
    wrap: (argv) =>
      sandboxArgv(argv, {
        writable: [],
        hidden,
        network: false,
        cpuSeconds: opts.cpuSeconds,
        memoryBytes: MEMORY_BYTES,
      }),
  };
}

/**
 * For a shell command that writes: the declared files bound read-write, everything else
 * read-only, so it cannot change what its snapshot did not record. It keeps the network
 * (downloads, package mirrors). A declared path must be an existing file: a bind needs
 * something to bind, and making a directory writable would expose entries nobody recorded.
 */
export function writeSandbox(opts: { hide: readonly string[]; cpuSeconds: number }): WriteSandbox {
  const probe = probeSandbox();
  if (!probe.available) return { available: false, reason: probe.reason, wrap: null };
  return {
    available: true,
    reason: probe.reason,
    wrap: (argv, writable) => {
      const bound: string[] = [];
      for (const declared of writable) {
        // A directory declared writable whole (shell.exec's writeDirs): its step snapshotted the tree.
        const tree = isTreeMark(declared);
        const path = tree ? declared.replace(/\/+$/, '') : declared;
        let st;
        try {
          st = lstatSync(path);
        } catch {
          st = null;
        }
        // A scratch file in /tmp that does not exist yet is made in the private /tmp (its snapshot says absent, and so it stays).
        if (st === null && path.startsWith('/tmp/')) continue;
        if (st === null)
          throw new WritablePathError(
            `${path} is declared writable but does not exist: the sandbox can only open existing paths for writing; create it first (fs.write), or declare the directory it goes in (writeDirs)`,
          );
        if (st.isSymbolicLink())
          throw new WritablePathError(`${path} is declared writable but is a symbolic link; declare what it points to`);
        if (tree) {
          if (!st.isDirectory())
            throw new WritablePathError(
              `${path} is declared as a writable directory but is not one; declare it in writes`,
            );
          bound.push(path);
          continue;
        }
        // A step's snapshot records a directory itself, not what it holds: what the command made
        // inside it could not be rolled back.
        if (st.isDirectory())
          throw new WritablePathError(
            `${path} is declared writable but is a directory: declare it in writeDirs (its whole tree is then snapshotted) or declare the files it changes`,
          );
        bound.push(path);
      }
      // Looked up again each time: the hidden paths may have appeared since the daemon started.
      return sandboxArgv(argv, {
        writable: bound,
        hidden: hiddenOf(opts.hide),
        network: true,
        cpuSeconds: opts.cpuSeconds,
        memoryBytes: MEMORY_BYTES,
        privileged: true,
      });
    },
  };
}
