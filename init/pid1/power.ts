// The end of a boot when aios-init is init: every process asked to stop, then killed, the
// disks synced and remounted read-only, and the kernel told to reboot or power off. Node has
// no reboot(2); the kernel's sysrq trigger does the same from a file write (writes to
// /proc/sysrq-trigger are allowed whatever kernel.sysrq says, which gates only the keyboard).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { rootIsVolatile, rootMount } from './root-fs.js';
import { rootWriters } from './root-writers.js';

export type PowerAction = 'reboot' | 'poweroff';

const SYSRQ: Record<PowerAction, string> = { reboot: 'b', poweroff: 'o' };

/** Runs a command; true when it succeeded, else false with what it said in the log. */
function run(argv: [string, ...string[]], log: (line: string) => void): boolean {
  try {
    execFileSync(argv[0], argv.slice(1), { stdio: 'pipe', timeout: 10_000 });
    return true;
  } catch (err) {
    const said = (err as { stderr?: Buffer }).stderr?.toString().trim();
    log(`${argv.join(' ')}: ${said || (err instanceof Error ? err.message.split('\n')[0] : String(err))}`);
    return false;
  }
}

/**
 * The root read-only, so the next boot finds it cleanly unmounted (no journal to replay). A
 * process killed a moment ago may still be closing its files under an emulated CPU: tried again
 * for a few seconds, then the writers still there are named.
 */
async function remountRootReadOnly(log: (line: string) => void): Promise<void> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const quiet = attempt < 5 ? (): void => {} : log;
    if (run(['mount', '-o', 'remount,ro', '/'], quiet)) return;
    await sleep(1000);
  }
  const writers = rootWriters();
  log(
    `the root stays writable: ${writers.length === 0 ? 'no process holds a file of it open for writing' : `open for writing: ${writers.join('; ')}`}`,
  );
}

/** Signals every process but PID 1 (tini) and this one; false when none was left. */
function killAll(sig: NodeJS.Signals): boolean {
  try {
    process.kill(-1, sig);
    return true;
  } catch {
    return false; // ESRCH: nothing left to signal
  }
}

/** Stops everything that is left and hands the machine to the kernel; does not return. */
export async function powerDown(
  action: PowerAction,
  log: (line: string) => void,
  stateMount: string | null,
): Promise<never> {
  log(`${action}: stopping every remaining process`);
  killAll('SIGTERM');
  await sleep(2000);
  killAll('SIGKILL');
  await sleep(200);
  run(['sync'], log);
  if (stateMount !== null) run(['umount', stateMount], log);
  // A live image's root is an overlay on a RAM disk: nothing on it outlives the boot. The disk
  // image's is remounted read-only, so the next boot finds it clean.
  if (!rootIsVolatile(rootMount())) await remountRootReadOnly(log);
  run(['sync'], log);
  log(`${action} now`);
  // write() to the console returns once the line is in the tty's buffer; the serial port
  // sends it later, and the kernel resets or powers off without waiting for it.
  await sleep(1000);
  writeFileSync('/proc/sysrq-trigger', SYSRQ[action]);
  // The kernel acts at once; this is only reached if sysrq is compiled out.
  for (;;) await sleep(60_000);
}
