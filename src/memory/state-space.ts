// Whether aiOS can still write its state: the state directory's free space, and whether it is
// read-only. A change to the node needs its snapshot and its audit record written first, so a
// full or read-only state directory refuses changes, with what to do, instead of failing
// halfway. A reserve file set aside while there is room is given back when the disk fills, so
// the records that reads, the audit view and rollback still need can be written; it is set
// aside again once space has been freed.
import { accessSync, constants, existsSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const RESERVE_FILE = 'space-reserve';

export interface StateSpaceOptions {
  /** Set aside while there is room; given back when free space falls below minFreeBytes. */
  reserveBytes: number;
  /** Below this much free space (the reserve not counted), changes are refused. */
  minFreeBytes: number;
  log: (line: string) => void;
}

export const DEFAULT_SPACE: Omit<StateSpaceOptions, 'log'> = {
  reserveBytes: 4 * 1024 * 1024,
  minFreeBytes: 8 * 1024 * 1024,
};

const kib = (n: number): string =>
  n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${Math.floor(n / 1024)} KiB`;

/** The write failures that mean the state directory cannot take more, not a bug. */
export function storageFailure(err: unknown): 'full' | 'read-only' | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return 'full';
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS') return 'read-only';
  return null;
}

export class StateSpace {
  private low = false;

  constructor(
    private readonly dir: string,
    private readonly opts: StateSpaceOptions,
  ) {}

  /** True when nothing can be written there at all (a read-only mount, or no permission). */
  get readOnly(): boolean {
    try {
      accessSync(this.dir, constants.W_OK);
      return false;
    } catch {
      return true;
    }
  }

  freeBytes(): number {
    const s = statfsSync(this.dir);
    return s.bavail * s.bsize;
  }

  private checked: { at: number; problem: string | null } | null = null;

  /** problem(), at most once a second: for status requests, which must stay cheap. */
  recentProblem(now = Date.now()): string | null {
    if (this.checked === null || now - this.checked.at >= 1000) return this.problem();
    return this.checked.problem;
  }

  /**
   * Null when a change may be recorded; otherwise why not and what to do. Gives the reserve
   * back when space runs low, and sets it aside again once there is room for it and more.
   */
  problem(): string | null {
    const problem = this.check();
    this.checked = { at: Date.now(), problem };
    return problem;
  }

  private check(): string | null {
    if (this.readOnly) {
      return `the state directory ${this.dir} is read-only, so no change can be snapshotted or recorded: make it writable (mount -o remount,rw) and restart aiosd; the goal list, the audit view and snapshots can still be read`;
    }
    const reserve = join(this.dir, RESERVE_FILE);
    let free = this.freeBytes();
    if (free < this.opts.minFreeBytes && existsSync(reserve)) {
      unlinkSync(reserve);
      free = this.freeBytes();
      this.opts.log(
        `the state directory ${this.dir} is nearly full: gave back the ${kib(this.opts.reserveBytes)} reserve so the audit, reads and rollback can still be recorded; changes are refused until space is freed`,
      );
    }
    if (!existsSync(reserve)) {
      if (free >= this.opts.minFreeBytes + this.opts.reserveBytes) this.setReserveAside();
      else {
        this.low = true;
        return this.fullMessage(free);
      }
    }
    if (this.low) {
      this.low = false;
      this.opts.log(
        `the state directory ${this.dir} has room again (${kib(this.freeBytes())} free): changes may be approved`,
      );
    }
    return null;
  }

  private setReserveAside(): void {
    try {
      writeFileSync(join(this.dir, RESERVE_FILE), Buffer.alloc(this.opts.reserveBytes), { mode: 0o600 });
    } catch (err) {
      try {
        unlinkSync(join(this.dir, RESERVE_FILE));
      } catch {
        /* never written */
      }
      this.opts.log(
        `could not set aside the state directory's reserve: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  private fullMessage(free: number): string {
    return `the state directory ${this.dir} is full (${kib(free)} free; a change needs ${kib(this.opts.minFreeBytes + this.opts.reserveBytes)}), so its snapshot and audit record cannot be written safely: free space on that filesystem (aios gc --yes collects what [retention] no longer keeps), then approve again; the goal list, the audit view and rollback still work`;
  }
}
