// The directories a restore writes in, reached without following any link. A rollback checks
// that the person may write each path, then root restores: a parent directory swapped for a
// symbolic link in between would send root's writes wherever the link points. So each parent is
// opened from / one component at a time, each with O_NOFOLLOW (a link anywhere on the way fails
// with ELOOP), and every change names its leaf through /proc/self/fd/N/<leaf>, which the kernel
// resolves from that very directory, whatever is renamed or swapped later. (Node has no openat;
// this is the same walk, as verified-dir.ts does for the tools' own writes.)
import { closeSync, constants, lstatSync, openSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { PathChangedError } from '../tools/verified-dir.js';

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

export class NoFollowDirs {
  private readonly fds = new Map<string, number>();

  /** A name for `path` in its parent as opened without following links; throws PathChangedError where a link (or a file) is on the way. */
  via(path: string): string {
    return `/proc/self/fd/${this.open(dirname(path))}/${basename(path)}`;
  }

  /** Why `path` cannot be reached without following a link (naming the component), or null (also when a part does not exist yet: it is made by the restore, through its verified parent). */
  problem(path: string): string | null {
    try {
      this.open(dirname(path));
      return null;
    } catch (error) {
      if (error instanceof PathChangedError) return error.message;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /** Text naming a path through /proc/self/fd, given back as the path it stands for (for messages). */
  readable(text: string): string {
    return text.replace(/\/proc\/self\/fd\/(\d+)\//g, (whole, fd: string) => {
      for (const [dir, n] of this.fds) if (String(n) === fd) return dir === '/' ? '/' : `${dir}/`;
      return whole;
    });
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }

  private open(dir: string): number {
    const known = this.fds.get(dir);
    if (known !== undefined) return known;
    const parent = dir === '/' ? null : dirname(dir);
    let fd: number;
    if (parent === null) fd = openSync('/', DIR_FLAGS);
    else {
      const up = this.open(parent);
      try {
        fd = openSync(`/proc/self/fd/${up}/${basename(dir)}`, DIR_FLAGS);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ELOOP' && code !== 'ENOTDIR') throw error;
        // O_DIRECTORY answers ENOTDIR for a link too: say which it is.
        const link = lstatSync(`/proc/self/fd/${up}/${basename(dir)}`, { throwIfNoEntry: false })?.isSymbolicLink();
        throw new PathChangedError(
          `${dir} is ${link === true ? 'a symbolic link' : 'not a directory'} now, not the directory the snapshot recorded: nothing was restored through it`,
        );
      }
    }
    this.fds.set(dir, fd);
    return fd;
  }
}
