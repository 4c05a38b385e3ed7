// What a path in a command really is: `/dev/../dev/vda`, `//dev/vda`, `/proc/self/root/dev/vda`
// and a symlink to /dev/vda are all the disk. The text is normalised (and /proc/<pid>/root,
// which leads back to /, removed), then the kernel is asked: realpath, and stat for whether it
// is a block or a character device.
import { realpathSync, statSync } from 'node:fs';
import { posix } from 'node:path';

/** /proc/self/root, /proc/thread-self/root, /proc/<pid>/root: the root directory again (for the daemon and its children). */
const PROC_ROOT = /^\/proc\/(self|thread-self|[0-9]+)\/root(?=\/|$)/;

/** Disk devices by name, for when the node has no such device (the rule still holds). */
export const DISK_DEVICE = /^\/dev\/(sd|hd|vd|xvd|nvme|mmcblk|md|dm-|mapper\/|disk\/|loop|zram|nbd|rbd|sr|ubd|bcache)/;
/** Character devices that write to memory or I/O ports. */
const MEMORY_DEVICE = /^\/dev\/(mem|kmem|port)$/;
/** Character devices whose writing changes nothing lasting. */
const HARMLESS_CHAR = new Set([
  '/dev/null',
  '/dev/zero',
  '/dev/full',
  '/dev/random',
  '/dev/urandom',
  '/dev/tty',
  '/dev/stdout',
  '/dev/stderr',
  '/dev/stdin',
  '/dev/ptmx',
]);

export type DeviceKind = 'disk' | 'memory' | 'char';

export interface ResolvedPath {
  /** Where it leads: symlinks followed where it exists, else the normalised text. */
  path: string;
  /** The kind of device it is, or null for anything else (a file, a harmless device, nothing). */
  device: DeviceKind | null;
}

/** Lexically normal: `.`/`..` and repeated slashes resolved, every /proc/<pid>/root prefix removed. */
export function lexicalPath(text: string): string {
  let p = posix.normalize(text);
  for (let i = 0; i < 16 && PROC_ROOT.test(p); i++) p = posix.normalize(`/${p.replace(PROC_ROOT, '')}`);
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

/** Resolves an absolute path the way the kernel will open it, and says whether it is a device. */
export function resolveDevice(text: string): ResolvedPath {
  if (!text.startsWith('/')) return { path: text, device: null };
  const lexical = lexicalPath(text);
  let real = lexical;
  try {
    real = realpathSync.native(lexical);
  } catch {
    /* does not exist (yet): the text is what it names */
  }
  for (const p of [real, lexical]) {
    if (MEMORY_DEVICE.test(p)) return { path: p, device: 'memory' };
    if (HARMLESS_CHAR.has(p) || /^\/dev\/(fd|pts)\//.test(p) || /^\/proc\/(self|thread-self|[0-9]+)\/fd\//.test(p))
      return { path: p, device: null };
  }
  try {
    const st = statSync(real);
    if (st.isBlockDevice()) return { path: real, device: 'disk' };
    if (st.isCharacterDevice()) return { path: real, device: 'char' };
  } catch {
    /* nothing there: judged by its name below */
  }
  if (DISK_DEVICE.test(real) || DISK_DEVICE.test(lexical)) return { path: real, device: 'disk' };
  return { path: real, device: null };
}
