// `aios-init install-disk /dev/vdX`, from the live ISO: writes the disk layout of the aiOS
// disk image (iso/write-disk.sh, installed as /usr/local/sbin/aios-write-disk) onto a disk,
// from the live system's own root filesystem as the ISO holds it (not the running system's
// RAM overlay, so nothing of this boot is copied: no host key, no log, no state).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { checkTargetDisk, InstallDiskError, type SystemView, type TargetDisk } from './target-disk.js';

/** Where live-boot mounts the ISO's squashfs (the lower layer of the root). */
export const LIVE_ROOT = '/run/live/rootfs/filesystem.squashfs';
export const WRITE_DISK = '/usr/local/sbin/aios-write-disk';

export interface InstallDiskOptions {
  device: string;
  source: string;
  writer: string;
  system: SystemView;
  /** One line typed by the person at the console (null at end of input). */
  ask: (prompt: string) => Promise<string | null>;
  say: (line: string) => void;
}

export function describeDisk(d: TargetDisk): string {
  return `${d.device} (${(d.bytes / 1024 ** 3).toFixed(1)} GiB${d.model === null ? '' : `, ${d.model}`})`;
}

/** Checks, asks, writes; throws InstallDiskError when it wrote nothing. */
export async function installDisk(o: InstallDiskOptions): Promise<void> {
  if (!existsSync(o.source))
    throw new InstallDiskError(
      `${o.source} does not exist: install-disk runs from the aiOS live ISO (or name a root with --source)`,
    );
  if (!existsSync(o.writer)) throw new InstallDiskError(`${o.writer} is missing from this system`);
  const disk = checkTargetDisk(o.device, o.system);
  const answer = await o.ask(
    `This erases everything on ${describeDisk(disk)} and installs aiOS there.\nType the disk's name, ${disk.device}, to go on: `,
  );
  if (answer?.trim() !== disk.device)
    throw new InstallDiskError(`not confirmed (the answer was not ${disk.device}); nothing was written`);
  // Checked again: the disk could have been mounted while the question waited.
  checkTargetDisk(o.device, o.system);
  o.say(`writing aiOS to ${disk.device} …`);
  const r = spawnSync(o.writer, [o.source, disk.device], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0)
    throw new Error(
      `${o.writer} exited with ${r.status ?? r.signal ?? '?'}; the disk is not bootable, run install-disk again`,
    );
  o.say(
    `aiOS is installed on ${disk.device}: power off (aios-init poweroff), take the ISO out, and boot from the disk.`,
  );
  o.say(
    'A seed volume (label cidata) attached at its first boot sets its host name and accounts; see docs/init-and-image.md.',
  );
}

/** One line from stdin, for the typed confirmation. */
export function askStdin(prompt: string): Promise<string | null> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY });
    let answered = false;
    rl.question(prompt, (a) => {
      answered = true;
      rl.close();
      resolve(a);
    });
    rl.once('close', () => {
      if (!answered) resolve(null);
    });
  });
}

export { InstallDiskError };
