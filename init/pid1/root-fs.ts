// What is mounted on /: the live ISO's root is an overlay on a RAM disk (nothing on it
// outlives the boot), the disk image's is ext4 on a partition (everything on it persists).
import { readFileSync } from 'node:fs';

export interface RootMount {
  type: string;
  source: string;
}

/** The filesystem mounted last on / in a mountinfo text (the one in use). */
export function rootMountOf(mountinfo: string): RootMount | null {
  let root: RootMount | null = null;
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    if (before?.split(' ')[4] !== '/' || after === undefined) continue;
    const [type, source] = after.split(' ');
    if (type !== undefined && source !== undefined) root = { type, source };
  }
  return root;
}

export function rootMount(mountinfoFile = '/proc/self/mountinfo'): RootMount | null {
  try {
    return rootMountOf(readFileSync(mountinfoFile, 'utf8'));
  } catch {
    return null; // no /proc
  }
}

/** True when / is a live system's overlay or a RAM filesystem. */
export function rootIsVolatile(root: RootMount | null): boolean {
  return root !== null && ['overlay', 'tmpfs', 'ramfs', 'squashfs'].includes(root.type);
}
