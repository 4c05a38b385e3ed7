// Which processes hold files of the root filesystem open for writing: what makes a remount
// read-only at shutdown fail with "mount point is busy". Read from /proc, for the shutdown's
// log line, so the next failure names its cause.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Paths that are not files of the root filesystem (other mounts, or no path at all). */
const NOT_ROOT = /^(\/(dev|proc|sys|run)\/|socket:|pipe:|anon_inode:|\[)/;

/** The access mode in /proc/PID/fdinfo/FD's octal "flags:" line: O_WRONLY or O_RDWR. */
export function opensForWriting(fdinfo: string): boolean {
  const m = /^flags:\s+([0-7]+)$/m.exec(fdinfo);
  return m !== null && (parseInt(m[1] ?? '0', 8) & 0o3) !== 0;
}

/** "PID (COMM): PATH" for every file of the root open for writing, as far as /proc shows them. */
export function rootWriters(proc = '/proc'): string[] {
  const found: string[] = [];
  for (const pid of readdirSync(proc).filter((n) => /^\d+$/.test(n))) {
    try {
      const comm = readFileSync(`${proc}/${pid}/comm`, 'utf8').trim();
      for (const fd of readdirSync(`${proc}/${pid}/fd`)) {
        try {
          const path = readlinkSync(`${proc}/${pid}/fd/${fd}`);
          if (NOT_ROOT.test(path)) continue;
          if (opensForWriting(readFileSync(`${proc}/${pid}/fdinfo/${fd}`, 'utf8')))
            found.push(`${pid} (${comm}): ${path}`);
        } catch {
          /* the descriptor closed while it was read */
        }
      }
    } catch {
      /* the process ended while it was read */
    }
  }
  return found;
}
