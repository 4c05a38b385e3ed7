// What a command does to devices, judged on the device each path really is (device-paths.ts):
// writing a disk or memory device is refused; writing another device, or reading a disk raw
// (every file on it, /etc/shadow included), needs an admin.
import { resolveDevice } from './device-paths.js';
import { writtenOperands } from './written-operands.js';

export interface DeviceFinding {
  level: 'deny' | 'admin';
  why: string;
}

/** Programs that name devices only to describe, mount or manage them: rules of their own judge those. */
export const DEVICE_METADATA_PROGRAMS: ReadonlySet<string> = new Set([
  'lsblk',
  'blkid',
  'stat',
  'ls',
  'findmnt',
  'udevadm',
  'df',
  'realpath',
  'readlink',
  'mount',
  'umount',
  'swapon',
  'swapoff',
  'test',
  '[',
  'echo',
  'printf',
  'file',
  'smartctl',
  'fdisk',
  'sfdisk',
  'parted',
  'gdisk',
  'sgdisk',
  'cryptsetup',
  'mdadm',
  'losetup',
  'mkfs',
  'mke2fs',
  'mkswap',
  'wipefs',
  'blkdiscard',
  'e2fsck',
  'fsck',
  'tune2fs',
  'resize2fs',
  'pvcreate',
  'vgcreate',
  'lvcreate',
]);

/** An absolute path inside an argument: the argument itself, or the value of key=/path. */
function pathIn(arg: string): string | null {
  if (arg.startsWith('/')) return arg;
  const m = /^[A-Za-z_-][A-Za-z0-9_-]*=(\/.*)$/s.exec(arg);
  return m?.[1] ?? null;
}

function judgeWrite(path: string, what: string): DeviceFinding | null {
  const d = resolveDevice(path);
  if (d.device === 'disk') return { level: 'deny', why: `writes over a disk device (${d.path}): ${what}` };
  if (d.device === 'memory') return { level: 'deny', why: `writes to kernel memory or I/O ports (${d.path}): ${what}` };
  if (d.device === 'char') return { level: 'admin', why: `writes to the device ${d.path}: ${what}` };
  return null;
}

function judgeOpen(path: string, what: string): DeviceFinding | null {
  const d = resolveDevice(path);
  if (d.device === 'disk')
    return {
      level: 'admin',
      why: `opens the disk device ${d.path} directly (every file on it can be read or written): ${what}`,
    };
  if (d.device === 'memory') return { level: 'admin', why: `opens kernel memory (${d.path}): ${what}` };
  return null;
}

/** Devices a simple command writes (by its known output operands) or opens (any other path argument). */
export function commandDevices(program: string, text: string, args: readonly string[]): DeviceFinding[] {
  const written = new Set(writtenOperands(program, args).filter((p) => p.startsWith('/')));
  const out: DeviceFinding[] = [];
  for (const p of written) {
    const f = judgeWrite(p, text);
    if (f !== null) out.push(f);
  }
  for (const arg of args) {
    const p = pathIn(arg);
    if (p === null || written.has(p) || written.has(arg)) continue;
    const f = judgeOpen(p, text);
    if (f !== null) out.push(f);
  }
  return out;
}

/** A redirection to or from a device. */
export function redirectDevices(op: string, target: string, writes: boolean): DeviceFinding[] {
  const f = writes ? judgeWrite(target, `${op} ${target}`) : judgeOpen(target, `${op} ${target}`);
  return f === null ? [] : [f];
}
