// One aiosd per state directory: an exclusive flock(2) on `aiosd.lock` there, taken before the
// database is opened and held for the daemon's lifetime, with the holder's pid written in the
// file so that the one refused can say who has it. The kernel drops the lock when the holder
// exits, even by kill -9, so a crash never leaves a stale lock behind.
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { loadAddon } from './peer-cred.js';

export const LOCK_FILE = 'aiosd.lock';

interface FlockAddon {
  flockExclusive(fd: number): boolean;
}

export class StateDirLocked extends Error {
  constructor(
    readonly stateDir: string,
    readonly holder: number | null,
  ) {
    super(
      `another aiosd${holder === null ? '' : ` (pid ${holder})`} holds the state directory ${stateDir}: stop it first (kill ${holder ?? '<its pid>'}), or point AIOS_STATE_DIR elsewhere`,
    );
    this.name = 'StateDirLocked';
  }
}

export interface StateLock {
  readonly path: string;
  /** Lets go of the lock (closing the file releases it); the file itself stays. */
  release(): void;
}

/**
 * Takes the lock or throws StateDirLocked naming the pid that holds it. On a read-only state
 * directory the lock file is only read (flock needs no write access), and the pid not written.
 */
export function lockStateDir(stateDir: string, opts: { readOnly?: boolean } = {}): StateLock {
  const path = join(stateDir, LOCK_FILE);
  const fd = openSync(path, opts.readOnly === true ? 'r' : 'a+', 0o600);
  let held = false;
  try {
    held = (loadAddon() as unknown as FlockAddon).flockExclusive(fd);
  } finally {
    if (!held) closeSync(fd);
  }
  if (!held) throw new StateDirLocked(stateDir, holderOf(path));
  if (opts.readOnly !== true) {
    // 'a+' appends every write, so the old pid is cut away first and ours is the whole file.
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid}\n`);
  }
  let open = true;
  return {
    path,
    release() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

function holderOf(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
