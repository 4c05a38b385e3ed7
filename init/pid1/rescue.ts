// Rescue mode (`aios.rescue` on the kernel command line, a GRUB menu entry): no aiosd, no
// logins, only sulogin on the console, which asks for root's password and then opens a
// normal shell. sulogin is never run with --force, so a locked root account gets no shell:
// there is no unauthenticated way in.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export function rescueRequested(cmdlineFile = '/proc/cmdline'): boolean {
  try {
    return readFileSync(cmdlineFile, 'utf8')
      .split(/\s+/)
      .some((w) => w === 'aios.rescue' || w === 'aios.rescue=1');
  } catch {
    return false;
  }
}

/** Runs sulogin again each time it is left, until `stop` aborts (the node is shutting down). */
export async function runRescue(log: (line: string) => void, stop: AbortSignal): Promise<void> {
  while (!stop.aborted) {
    log(
      "rescue mode: aiosd is not started; sulogin asks for root's password (exit the shell to be asked again; aios-init reboot to leave)",
    );
    // SUSHELL: root's login shell is aios-shell, and rescue must not depend on aiOS.
    const child = spawn('/usr/sbin/sulogin', ['/dev/console'], {
      stdio: 'inherit',
      env: {
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        SUSHELL: '/bin/bash',
        TERM: 'linux',
      },
    });
    const code = await new Promise<number>((resolve) => {
      child.once('exit', (c) => resolve(c ?? 1));
      child.once('error', (err) => {
        log(`cannot run sulogin: ${err.message}`);
        resolve(127);
      });
    });
    if (code === 127) await new Promise((r) => setTimeout(r, 5000));
  }
}
