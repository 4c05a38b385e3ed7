// Where aiosd's log goes, and its rotation. aiosd writes its log to stderr, which its launcher
// chose: journald under systemd, aiosd.log behind `aios up` or aios-init, a terminal in the
// foreground. Under journald there is no file (journald keeps and rotates the journal); a
// regular file is rotated in place by aiosd itself, past [system] log_max_bytes, keeping
// log_files old ones (aiosd.log.1 newest).
//
// In place (copy, then truncate) rather than rename: the launcher holds the file open as aiosd's
// stderr, and Node cannot point fd 2 at a new file. aiosd's own lines are never lost, since it
// rotates between two of its own synchronous writes; the launcher opened the file for appending,
// so once it is truncated every writer's next line lands at its new start, not past a hole. A
// line another process (a crashing child) writes in the instant between the copy and the truncate
// could be lost; the copy catches up on what came while it ran. A file not open for appending is
// not rotated (truncating it would leave a hole the size of the old file), and aiosd says so.
import {
  closeSync,
  copyFileSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';

export type LogTarget =
  { kind: 'journal' } | { kind: 'file'; path: string; append: boolean } | { kind: 'stream'; what: string };

const O_APPEND = 0o2000;

/**
 * journald when systemd's JOURNAL_STREAM ("device:inode") names this very fd, as systemd sets it
 * for a unit's output; a child whose stderr was sent elsewhere may inherit the variable, so the
 * variable alone is not enough. A file when the fd is a regular file that still has a name.
 */
export function logTarget(env: NodeJS.ProcessEnv, fd = 2): LogTarget {
  let st;
  try {
    st = fstatSync(fd, { bigint: true });
  } catch {
    return { kind: 'stream', what: 'closed' };
  }
  if (env['JOURNAL_STREAM'] === `${st.dev}:${st.ino}`) return { kind: 'journal' };
  if (!st.isFile())
    return {
      kind: 'stream',
      what: st.isCharacterDevice() ? 'a terminal' : st.isFIFO() || st.isSocket() ? 'a pipe' : 'not a file',
    };
  let path: string;
  try {
    path = readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return { kind: 'stream', what: 'a file whose name /proc does not give' };
  }
  if (path.endsWith(' (deleted)') || st.nlink === 0n) return { kind: 'stream', what: 'a deleted file' };
  return { kind: 'file', path, append: (fdFlags(fd) & O_APPEND) !== 0 };
}

function fdFlags(fd: number): number {
  try {
    const m = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
    return m?.[1] === undefined ? 0 : parseInt(m[1], 8);
  } catch {
    return 0;
  }
}

export interface RotationLimits {
  maxBytes: number;
  /** Old files kept: <path>.1 (newest) … <path>.<files>. */
  files: number;
}

export interface LogSink {
  write: (line: string) => void;
  /** One sentence for the log's first lines: where it goes and whether it rotates. */
  describe: string;
}

/**
 * The writer for aiosd's log lines on `fd`, rotating it where that is safe. `plain` writes to a
 * journal, pipe or terminal as before (process.stderr: asynchronous where the fd is).
 */
export function logSink(target: LogTarget, limits: RotationLimits, plain: (line: string) => void, fd = 2): LogSink {
  switch (target.kind) {
    case 'journal':
      return {
        write: plain,
        describe: 'log: to journald (stderr under systemd): no log file; journald keeps and rotates it',
      };
    case 'stream':
      return { write: plain, describe: `log: to stderr, ${target.what}: not rotated` };
    case 'file':
      if (!target.append)
        return {
          write: plain,
          describe: `log: to ${target.path}, NOT rotated: it was not opened for appending (start aiosd with 2>> rather than 2>)`,
        };
      return {
        write: rotatingWriter(fd, target.path, limits),
        describe: `log: to ${target.path}, rotated past ${limits.maxBytes} bytes, ${limits.files} old file(s) kept (${target.path}.1 newest)`,
      };
  }
}

function rotatingWriter(fd: number, path: string, limits: RotationLimits): (line: string) => void {
  let size = sizeOf(fd);
  // After a rotation that failed (a full disk), wait for another maxBytes before trying again.
  let nextTry = limits.maxBytes;
  return (line) => {
    const bytes = Buffer.byteLength(line);
    if (size > 0 && size + bytes > nextTry) {
      size = sizeOf(fd); // other writers (a child's stderr) add to it too
      if (size + bytes > nextTry) {
        const problem = rotate(fd, path, limits.files);
        size = problem === null ? 0 : sizeOf(fd);
        nextTry = problem === null ? limits.maxBytes : size + limits.maxBytes;
        if (problem !== null)
          writeAll(fd, `${new Date().toISOString()} aiosd: warning: log rotation failed: ${problem}\n`);
      }
    }
    writeAll(fd, line);
    size += bytes;
  };
}

/** Shifts the old files up, copies the live one to .1, and empties it; null, or what went wrong. */
export function rotate(fd: number, path: string, files: number): string | null {
  try {
    rmSync(`${path}.${files}`, { force: true });
    for (let i = files - 1; i >= 1; i--) {
      try {
        renameSync(`${path}.${i}`, `${path}.${i + 1}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    // Through /proc, so the copy is of the file aiosd writes even if something renamed it.
    const live = `/proc/self/fd/${fd}`;
    copyFileSync(live, `${path}.1`);
    catchUp(live, `${path}.1`);
    ftruncateSync(fd, 0);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Appends to `to` what was written to `from` while it was being copied. */
function catchUp(from: string, to: string): void {
  const src = openSync(from, 'r');
  const dst = openSync(to, 'a');
  try {
    let at = fstatSync(dst).size;
    const buf = Buffer.alloc(65536);
    for (let n; (n = readSync(src, buf, 0, buf.length, at)) > 0; at += n) writeAll(dst, buf.subarray(0, n));
  } finally {
    closeSync(src);
    closeSync(dst);
  }
}

function sizeOf(fd: number): number {
  try {
    return fstatSync(fd).size;
  } catch {
    return 0;
  }
}

// A log line that cannot be written (a full disk, a reader gone) is dropped: the log must never stop aiosd.
function writeAll(fd: number, data: string | Buffer): void {
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off);
  } catch {
    /* dropped */
  }
}
