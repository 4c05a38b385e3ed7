// What a person needs when an image test fails (an assertion, a wait that ran out, or the
// test's own timeout): the serial console's last lines and screen, every TUI screen the test
// had open, and from inside the VM, over SSH as the break-glass account: whether aiosd's socket
// answers (as that account and as root), aios-init's view of its services, the processes, load
// and disk, and the last lines of aiosd's, aios-init's and the services' logs (and systemd's
// journal for aios-init.service on the systemd image). Printed on stderr and kept in a file
// beside the image (failures/), since the VM and its work folder are gone after the run.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { imageOutDir } from '../../iso/image-paths.js';
import { shQuote } from '../../init/login/host-files.js';
import type { NodeVm } from './qemu-node.js';

export interface SshLogin {
  args: string[];
  env: NodeJS.ProcessEnv;
}

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** ssh without blocking the event loop: the serial console keeps being read meanwhile. */
export function sshRun(
  login: SshLogin,
  user: string,
  command: string,
  o: { input?: string; timeoutMs: number },
): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn('ssh', [...login.args, `${user}@127.0.0.1`, command], {
      env: login.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(o.input ?? '');
    child.once('error', (err) => {
      stderr += err.message;
    });
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, timedOut });
    });
  });
}

// Each probe is bounded by `timeout`: a stuck aiosd must show up as an answer, not as a hang here.
const AS_USER =
  'echo "== aios status --json as $(id -un) (20 s at most)"; timeout 20 aios status --json; echo "(exit $?)"';
const AS_ROOT = [
  'echo "== aios status --json as root (20 s at most)"; timeout 20 aios status --json; echo "(exit $?)"',
  'echo "== aios-init ctl list"; timeout 20 aios-init ctl list 2>&1',
  'echo "== sockets"; ls -l /run/aios/ 2>&1',
  'echo "== load, memory, state disk"; cat /proc/loadavg; free -m; df -h /var/lib/aios 2>&1',
  'echo "== processes (no kernel threads)"; ps -N -p 2 --ppid 2 -o pid,ppid,stat,wchan:16,etime,time,rss,args --sort=start_time | cut -c1-200',
  // Which processes hold a connection on a unix socket (a TUI without one to aiosd is not connected at all).
  'echo "== unix sockets of node processes"; ss -xp 2>&1 | grep -E "^Netid|node" | cut -c1-200',
  'for f in aiosd.log init.log services.log; do echo "== /var/log/aios/$f (last 60 lines)"; tail -n 60 /var/log/aios/$f 2>&1; done',
  'if [ -d /run/systemd/system ]; then echo "== journalctl -u aios-init (last 60)"; journalctl -u aios-init -n 60 --no-pager 2>&1; fi',
  'echo "== dmesg (last 20)"; dmesg 2>&1 | tail -n 20',
].join('; ');

export interface VmSnapshotSource {
  vm: NodeVm;
  /** The break-glass account's password login (it has a normal shell), and root's password for su. */
  login: SshLogin;
  user: string;
  rootPassword: string;
  /** Screens the test has open (TUIs over SSH, the virtio console): name → its text now. */
  screens?: ReadonlyMap<string, () => string>;
}

/** Everything about the VM now, as text; never throws, and bounded in time (a few minutes at worst). */
export async function snapshotVm(s: VmSnapshotSource): Promise<string> {
  const parts: string[] = [];
  const transcript = s.vm.serial.transcript().split('\n');
  parts.push(`== serial console: last 40 of ${transcript.length} lines\n${transcript.slice(-40).join('\n')}`);
  parts.push(`== serial console: the screen\n${s.vm.serial.screen()}`);
  for (const [name, read] of s.screens ?? []) {
    let text: string;
    try {
      text = read();
    } catch (err) {
      text = `(unreadable: ${(err as Error).message})`;
    }
    parts.push(`== screen: ${name}\n${text}`);
  }
  const exited = await Promise.race([
    s.vm.exited.then((code) => `QEMU exited (${code})`),
    new Promise<null>((r) => setTimeout(() => r(null), 10)),
  ]);
  if (exited !== null) {
    parts.push(`== inside the VM: nothing to ask, ${exited}`);
    return parts.join('\n\n');
  }
  const asUser = await sshRun(s.login, s.user, AS_USER, { timeoutMs: 90_000 });
  parts.push(ranText(`ssh ${s.user}`, asUser));
  // Only when ssh got in at all (255 is ssh's own failure): a dead sshd would cost the same timeout twice.
  if (asUser.status !== 255 && !asUser.timedOut) {
    const asRoot = await sshRun(s.login, s.user, `su -s /bin/sh -c ${shQuote(AS_ROOT)} root`, {
      input: `${s.rootPassword}\n`,
      timeoutMs: 120_000,
    });
    parts.push(ranText(`ssh ${s.user}, su root`, asRoot));
  }
  return parts.join('\n\n');
}

function ranText(what: string, r: Ran): string {
  const how = r.timedOut ? 'killed after its time ran out' : `exit ${r.status}`;
  return `${r.stdout.trimEnd()}\n(${what}: ${how}${r.stderr.trim() === '' ? '' : `; stderr: ${r.stderr.trim()}`})`;
}

export interface FailureWatch {
  /** A screen to show if the current test fails; forgotten when the test ends. */
  screen(name: string, read: () => string): void;
}

/**
 * Registers an afterEach that, when a test of this file fails, snapshots the VM `source()`
 * names (none: only the failure is said) and prints it. A test that timed out is still running
 * when this runs, so its TUIs and VM are still there to be read.
 */
export function diagnoseFailures(source: () => Omit<VmSnapshotSource, 'screens'> | null): FailureWatch {
  const screens = new Map<string, () => string>();
  afterEach(async (ctx) => {
    const open = new Map(screens);
    screens.clear();
    if (ctx.task.result?.state !== 'fail') return;
    const s = source();
    const body = s === null ? '(no VM running: nothing more to show)' : await snapshotVm({ ...s, screens: open });
    const title = `${ctx.task.file.name} > ${ctx.task.name}`;
    const errors = (ctx.task.result.errors ?? []).map((e) => e.message ?? String(e)).join('\n');
    const report = `######## image test failed: ${title}\n${errors}\n\n${body}\n######## end of ${title}\n`;
    process.stderr.write(report);
    try {
      const dir = join(imageOutDir(), 'failures');
      mkdirSync(dir, { recursive: true });
      const file = join(
        dir,
        `${new Date().toISOString().replace(/[:.]/g, '-')}-${ctx.task.name.replace(/[^\w-]+/g, '-').slice(0, 60)}.txt`,
      );
      writeFileSync(file, report);
      process.stderr.write(`(kept in ${file})\n`);
    } catch {
      /* the report is on stderr already */
    }
  });
  return {
    screen: (name, read) => {
      screens.set(name, read);
    },
  };
}
