// The live image's root is a squashfs with a RAM overlay, so aiOS's state (/var/lib/aios)
// survives a reboot only on a disk. A filesystem labelled AIOS-STATE is checked and mounted
// there when one is attached; without one the node says that its state lives in memory. On
// the disk image the state is part of the persistent root and nothing needs mounting.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { rootIsVolatile, type RootMount } from './root-fs.js';

export const STATE_LABEL = 'AIOS-STATE';

export function mountStateDisk(
  target: string,
  log: (line: string) => void,
  root: RootMount | null,
  byLabel = '/dev/disk/by-label',
): { line: string; mounted: string | null } {
  const link = `${byLabel}/${STATE_LABEL}`;
  const volatile = rootIsVolatile(root);
  if (!existsSync(link) && !volatile && root !== null)
    return {
      line: `state: ${target} is on the root filesystem (${root.source}, ${root.type}; it persists)`,
      mounted: null,
    };
  if (!existsSync(link) && existsSync('/usr/bin/udevadm')) {
    // A disk the initramfs did not see yet: give udev a moment to make its link.
    try {
      execFileSync('udevadm', ['settle', '--timeout=10'], { stdio: 'pipe', timeout: 15_000 });
    } catch {
      /* checked below */
    }
  }
  if (!existsSync(link))
    return {
      line: `state: ${target} is in memory (no disk labelled ${STATE_LABEL}; it is lost at reboot)`,
      mounted: null,
    };
  const device = realpathSync(link);
  try {
    // -p repairs what is safe to repair without asking; exit 1 means it did.
    execFileSync('e2fsck', ['-p', device], { stdio: 'pipe', timeout: 120_000 });
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status !== 1) log(`e2fsck ${device} exited ${status ?? '?'}; mounting it anyway`);
  }
  mkdirSync(target, { recursive: true, mode: 0o700 });
  execFileSync('mount', ['-o', 'nosuid,nodev', device, target], { stdio: 'pipe' });
  return { line: `state: ${device} (${STATE_LABEL}) mounted on ${target}`, mounted: target };
}
