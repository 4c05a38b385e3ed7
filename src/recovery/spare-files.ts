// Spare inodes for restores. On some filesystems creating a file is the slow part of a restore
// (measured on the project's ext4 VM: 0.6-0.8 ms of kernel time per new inode right after a
// tree was deleted, against ~25 µs for a link or rename, and parallel creates serialise). So the
// snapshot store keeps a pool of empty files and directories, made ahead of time in the
// background, in a private directory beside its blobs: a restore after a disaster links a spare
// file in as each temp and renames a spare directory into place for each directory it must
// make, instead of creating them. A spare is used only on the filesystem it lives on, only when
// it is still empty, 0600 (0700 for a directory), owned by us and linked nowhere else, and never
// where SELinux is on (an inode keeps the label of the directory it was created in).
import { randomBytes } from 'node:crypto';
import { constants, existsSync, readFileSync } from 'node:fs';
import { chmod, link, lstat, mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Files made between pauses: each costs up to ~1 ms of kernel time, and a pause gives the disk to others. */
const BATCH = 50;
const BATCH_PAUSE_MS = 20;
/** The pause after a batch, as a multiple of the time the batch took. */
const IDLE_SHARE = 4;
const NAME = /^[0-9a-f]{16}$/;
const DIR_NAME = /^d[0-9a-f]{16}$/;
/** One spare directory for this many spare files: /etc holds about one directory for every five files. */
const FILES_PER_DIR = 6;
const SELINUX_ENFORCE = '/sys/fs/selinux/enforce';

export interface SparePoolOptions {
  /** How many spares to keep; 0 turns the pool off (and removes any left from before). */
  target: number;
  log?: (line: string) => void;
  /** For tests: the file whose presence says SELinux is on. */
  selinuxFile?: string;
}

/** The spares one restore may use; directory facts are looked up once per restore. */
export interface SpareUse {
  /**
   * A checked spare linked in as `temp` (no longer in the pool), open for writing; null: create
   * the temp as usual. Throws EEXIST when something is at `temp`, as an exclusive create would.
   * `ownerSet`: the restore sets the file's owner itself.
   */
  file(temp: string, ownerSet: boolean): Promise<FileHandle | null>;
  /** Whether a checked empty spare directory was renamed to `path`; false: make it as usual. */
  dir(path: string, ownerSet: boolean): Promise<boolean>;
}

export interface SpareCounts {
  ready: number;
  readyDirs: number;
  used: number;
  usedDirs: number;
  discarded: number;
  made: number;
}

/** Why spares cannot be used here, or null: SELinux labels an inode where it is created. */
function selinuxReason(file: string): string | null {
  if (!existsSync(file)) return null;
  let mode = 'on';
  try {
    mode = readFileSync(file, 'utf8').trim() === '1' ? 'enforcing' : 'permissive';
  } catch {
    /* unreadable: treat as on */
  }
  return `SELinux is ${mode}: a spare file would keep the label of the directory it was made in`;
}

export class SparePool {
  private names: string[] = [];
  private dirNames: string[] = [];
  private readonly dirTarget: number;
  private dev: number | null = null;
  private readonly uid = process.geteuid?.() ?? -1;
  private paused = 0;
  private stopped = false;
  private filling: Promise<void> | null = null;
  private readonly counts = { used: 0, usedDirs: 0, discarded: 0, made: 0 };
  /** Why the pool is not used (turned off, SELinux), or null. */
  readonly off: string | null;

  constructor(
    readonly dir: string,
    private readonly opts: SparePoolOptions,
  ) {
    this.off = opts.target <= 0 ? 'spare_files is 0' : selinuxReason(opts.selinuxFile ?? SELINUX_ENFORCE);
    this.dirTarget = Math.ceil(Math.max(0, opts.target) / FILES_PER_DIR);
  }

  stats(): SpareCounts {
    return { ready: this.names.length, readyDirs: this.dirNames.length, ...this.counts };
  }

  /**
   * Tops the pool up in the background, a batch at a time, stopping while a restore runs
   * (pause) and when the store closes; removes the spares instead when the pool is off.
   * One fill at a time: calling again returns the fill under way.
   */
  refill(): Promise<void> {
    this.filling ??= this.fill()
      .catch((error: unknown) => {
        this.opts.log?.(`spare files for restores: ${(error as Error).message}`);
      })
      .finally(() => {
        this.filling = null;
      });
    return this.filling;
  }

  /** A restore is starting: no new spares until it ends (it wants the disk). */
  pause(): void {
    this.paused += 1;
  }

  /** The restore ended: fill again if it used spares. */
  resume(): void {
    this.paused = Math.max(0, this.paused - 1);
    if (this.paused === 0 && this.dev !== null && this.short()) void this.refill();
  }

  /** Stops filling and waits for the file being made. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.filling;
  }

  /** For one restore: spares only where the target's directory is on the pool's filesystem. */
  forRestore(): SpareUse | null {
    if (this.off !== null || this.dev === null) return null;
    const dirs = new Map<string, Promise<{ dev: number; setgid: boolean } | null>>();
    const usableIn = async (dir: string, ownerSet: boolean): Promise<boolean> => {
      let facts = dirs.get(dir);
      if (facts === undefined) {
        facts = stat(dir).then(
          (st) => ({ dev: st.dev, setgid: (st.mode & 0o2000) !== 0 }),
          () => null,
        );
        dirs.set(dir, facts);
      }
      const where = await facts;
      // What is made in a setgid directory takes its group; a spare would not, unless the restore sets the owner.
      return where !== null && where.dev === this.dev && (!where.setgid || ownerSet);
    };
    return {
      file: async (temp, ownerSet) => ((await usableIn(dirname(temp), ownerSet)) ? this.take(temp) : null),
      dir: async (path, ownerSet) => (await usableIn(dirname(path), ownerSet)) && this.takeDir(path),
    };
  }

  /**
   * The first usable spare, now named `temp` (and no longer in the pool), open for writing.
   * Throws EEXIST when something is at `temp` already (as an exclusive create would); null when
   * there is no spare or the link cannot be made (another mount, a quota project): create instead.
   */
  private async take(temp: string): Promise<FileHandle | null> {
    for (;;) {
      const name = this.names.pop();
      if (name === undefined) return null;
      const spare = join(this.dir, name);
      // Opened in our private directory, so what we check is what we write to, whatever happens at `temp`.
      let fh: FileHandle;
      try {
        fh = await open(spare, constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      } catch {
        this.counts.discarded += 1;
        continue;
      }
      if (!this.usable(await fh.stat())) {
        await this.discard(fh, spare);
        continue;
      }
      try {
        // link() never replaces: an existing temp (even a dangling link planted there) fails with EEXIST.
        await link(spare, temp);
      } catch (error) {
        await fh.close();
        this.names.push(name);
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw error;
        return null;
      }
      try {
        await unlink(spare);
        // Linked only at `temp` now: no other name could read what the restore writes.
        if (!this.usable(await fh.stat())) throw new Error('changed while being taken');
      } catch {
        await unlink(temp).catch(() => undefined);
        await this.discard(fh, spare);
        continue;
      }
      this.counts.used += 1;
      return fh;
    }
  }

  /**
   * Renames the first usable spare directory to `path`. rename() would replace an empty
   * directory made there since the restore was planned (mkdir would have used it): either way
   * an empty directory is there, and commit sets its mode and owner.
   */
  private async takeDir(path: string): Promise<boolean> {
    for (;;) {
      const name = this.dirNames.pop();
      if (name === undefined) return false;
      const spare = join(this.dir, name);
      // In our private directory: nobody else can change it between this look and the rename.
      const st = await lstat(spare).catch(() => null);
      if (
        st === null ||
        !st.isDirectory() ||
        st.uid !== this.uid ||
        (st.mode & 0o7777) !== 0o700 ||
        st.nlink !== 2 ||
        st.dev !== this.dev ||
        (await readdir(spare).catch(() => ['?'])).length > 0
      ) {
        this.counts.discarded += 1;
        await rm(spare, { recursive: true, force: true }).catch(() => undefined);
        continue;
      }
      try {
        await rename(spare, path);
      } catch {
        // Something else is there, or another mount: mkdir decides, as without spares.
        this.dirNames.push(name);
        return false;
      }
      this.counts.usedDirs += 1;
      return true;
    }
  }

  /** Empty, 0600, ours, on the pool's filesystem, and reachable by one name only. */
  private usable(st: {
    isFile(): boolean;
    size: number;
    uid: number;
    mode: number;
    nlink: number;
    dev: number;
  }): boolean {
    return (
      st.isFile() &&
      st.size === 0 &&
      st.uid === this.uid &&
      (st.mode & 0o7777) === 0o600 &&
      st.nlink === 1 &&
      st.dev === this.dev
    );
  }

  private async discard(fh: FileHandle, spare: string): Promise<void> {
    this.counts.discarded += 1;
    await fh.close();
    await unlink(spare).catch(() => undefined);
  }

  private async fill(): Promise<void> {
    if (this.off !== null) {
      if (this.opts.target <= 0) await this.removeAll();
      else this.opts.log?.(`spare files for restores are off: ${this.off}`);
      return;
    }
    if (this.dev === null) await this.load();
    while (!this.stopped && this.paused === 0 && this.short()) {
      const started = performance.now();
      for (let i = 0; i < BATCH && !this.stopped && this.paused === 0 && this.short(); i++) {
        // Directories keep pace with files, so that a restore that comes while the pool fills finds some of each.
        const dir =
          this.dirNames.length < this.dirTarget &&
          (this.names.length >= this.opts.target || this.dirNames.length * FILES_PER_DIR < this.names.length);
        if (dir) this.dirNames.push(await this.makeDir());
        else this.names.push(await this.make());
      }
      // At most a fifth of the filesystem's time: where creating an inode is slow (a busy or
      // emulated disk), the ledger's and the database's syncs must not queue behind the fill.
      await sleep(Math.max(BATCH_PAUSE_MS, (performance.now() - started) * IDLE_SHARE));
    }
  }

  private short(): boolean {
    return this.names.length < this.opts.target || this.dirNames.length < this.dirTarget;
  }

  /** Makes the private directory (or checks the one there) and learns the spares left from before. */
  private async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const st = await lstat(this.dir);
    if (!st.isDirectory() || st.uid !== this.uid || (st.mode & 0o777) !== 0o700) {
      throw new Error(`${this.dir} is not a private directory of ours (0700); not using spare files`);
    }
    this.dev = st.dev;
    const names = await readdir(this.dir);
    this.names = names.filter((n) => NAME.test(n));
    this.dirNames = names.filter((n) => DIR_NAME.test(n));
  }

  private async makeDir(): Promise<string> {
    const name = `d${randomBytes(8).toString('hex')}`;
    await mkdir(join(this.dir, name), { mode: 0o700 });
    await chmod(join(this.dir, name), 0o700);
    this.counts.made += 1;
    return name;
  }

  private async make(): Promise<string> {
    const name = randomBytes(8).toString('hex');
    const fh = await open(join(this.dir, name), 'wx', 0o600);
    try {
      // The umask may have taken bits off; a spare that is not exactly 0600 would be discarded.
      await fh.chmod(0o600);
    } finally {
      await fh.close();
    }
    this.counts.made += 1;
    return name;
  }

  private async removeAll(): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => NAME.test(n) || DIR_NAME.test(n));
    } catch {
      return;
    }
    for (const n of names) await rm(join(this.dir, n), { recursive: true, force: true }).catch(() => undefined);
    this.names = [];
    this.dirNames = [];
  }
}
