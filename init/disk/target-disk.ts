// Which disk `aios-init install-disk` may write: a whole disk, writable, at least MIN_BYTES,
// and in use by nothing (no partition of it mounted, used as swap, held by device-mapper or
// md, and the kernel grants an exclusive open). Each refusal says what holds the disk.
import { constants, closeSync, existsSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

export const MIN_DISK_BYTES = 2 * 1024 ** 3;

export class InstallDiskError extends Error {
  override readonly name = 'InstallDiskError';
}

export interface TargetDisk {
  device: string;
  name: string;
  bytes: number;
  /** The disk's model as the kernel reports it, when it does. */
  model: string | null;
}

export interface SystemView {
  /** /sys/class/block */
  sysBlock: string;
  mountinfo: string;
  swaps: string;
  isBlockDevice: (path: string) => boolean;
  /** Opens the device exclusively (O_EXCL): false when the kernel says it is busy. */
  exclusiveOpen: (path: string) => boolean;
}

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return fallback;
  }
}

export function liveSystemView(): SystemView {
  return {
    sysBlock: '/sys/class/block',
    mountinfo: readOr('/proc/self/mountinfo', ''),
    swaps: readOr('/proc/swaps', ''),
    isBlockDevice: (p) => {
      try {
        return statSync(p).isBlockDevice();
      } catch {
        return false;
      }
    },
    exclusiveOpen: (p) => {
      try {
        closeSync(openSync(p, constants.O_RDONLY | constants.O_EXCL));
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EBUSY') return false;
        throw err;
      }
    },
  };
}

/** The disk's partitions as the kernel lists them under /sys/class/block/NAME. */
function partitionsOf(sysBlock: string, name: string): string[] {
  try {
    return readdirSync(join(sysBlock, name)).filter(
      (e) => e.startsWith(name) && existsSync(join(sysBlock, name, e, 'partition')),
    );
  } catch {
    return [];
  }
}

export function checkTargetDisk(device: string, sys: SystemView): TargetDisk {
  const name = basename(device);
  if (!/^\/dev\/[A-Za-z0-9_-]+$/.test(device) || !sys.isBlockDevice(device))
    throw new InstallDiskError(
      `${device} is not a disk: name a whole disk such as /dev/vdb or /dev/sdb (lsblk lists them)`,
    );
  const dir = join(sys.sysBlock, name);
  if (!existsSync(dir)) throw new InstallDiskError(`${device}: the kernel does not list it in ${sys.sysBlock}`);
  if (existsSync(join(dir, 'partition')))
    throw new InstallDiskError(
      `${device} is a partition; name the whole disk (the layout replaces every partition on it)`,
    );
  if (readOr(join(dir, 'ro'), '0') === '1') throw new InstallDiskError(`${device} is read-only`);
  const bytes = Number(readOr(join(dir, 'size'), '0')) * 512;
  if (bytes < MIN_DISK_BYTES)
    throw new InstallDiskError(
      `${device} holds ${(bytes / 1024 ** 3).toFixed(1)} GiB; aiOS needs at least ${MIN_DISK_BYTES / 1024 ** 3} GiB`,
    );
  const parts = partitionsOf(sys.sysBlock, name);
  const numbers = new Map<string, string>();
  for (const n of [name, ...parts]) {
    const dev = readOr(join(n === name ? dir : join(dir, n), 'dev'), '');
    if (dev !== '') numbers.set(dev, n);
  }
  for (const line of sys.mountinfo.split('\n')) {
    const f = line.split(' ');
    const held = numbers.get(f[2] ?? '');
    if (held !== undefined)
      throw new InstallDiskError(
        `${device} is in use: /dev/${held} is mounted on ${f[4] ?? '?'} (unmount it first, or choose another disk)`,
      );
  }
  for (const line of sys.swaps.split('\n').slice(1)) {
    const dev = line.split(/\s+/)[0] ?? '';
    const n = basename(dev);
    if (n === name || parts.includes(n))
      throw new InstallDiskError(`${device} is in use: ${dev} is swap (swapoff ${dev} first)`);
  }
  for (const n of [name, ...parts]) {
    let holders: string[] = [];
    try {
      holders = readdirSync(join(n === name ? dir : join(dir, n), 'holders'));
    } catch {
      /* none */
    }
    if (holders.length > 0)
      throw new InstallDiskError(`${device} is in use: /dev/${n} is held by ${holders.join(', ')}`);
  }
  if (!sys.exclusiveOpen(device))
    throw new InstallDiskError(`${device} is in use (the kernel refuses an exclusive open)`);
  const model = readOr(join(dir, 'device', 'model'), '');
  return { device, name, bytes, model: model === '' ? null : model };
}
