// The disk image under QEMU for the image tests that boot it (disk-image.image.ts,
// disk-update.image.ts): boots from the first disk and times GRUB's hand-over to the login
// prompt, commands as root (SSH as the break-glass account, then su, since root's own shell
// refuses commands), goals through the CLI, a file copied in, and a reboot asked of aios-init.
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { expect } from 'vitest';
import { shQuote } from '../../init/login/host-files.js';
import { GoalView } from '../../src/protocol/model.js';
import { TEST_ACCOUNTS } from './image-build.js';
import { bootUntil, type Accel, type NodeVm, type VmDisk } from './qemu-node.js';
import { passwordLogin } from './ssh.js';
import { sshRun, type VmSnapshotSource } from './vm-diagnostics.js';

export const BOOT_TIMEOUT_MS = 12 * 60_000;
export const READY = /aiOS (ready|degraded) in ([\d.]+) s \(kernel start → autonomy ([\d.]+) s\)/;

export function run(argv: string[]): string {
  const r = spawnSync(argv[0] ?? 'false', argv.slice(1), { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

export interface Booted {
  node: NodeVm;
  /** Host time of GRUB's "loading the kernel". */
  grubAt: number;
  /** Seconds from GRUB's hand-over to the login prompt. */
  promptS: number;
  promptEnd: number;
}

/** One disk-image node at a time: the VM now running (undefined between boots) and what acts on it. */
export class DiskNode {
  vm: NodeVm | undefined;

  constructor(
    readonly work: string,
    readonly accel: Accel,
  ) {}

  private running(): NodeVm {
    if (this.vm === undefined) throw new Error('no VM');
    return this.vm;
  }

  login(): { args: string[]; env: NodeJS.ProcessEnv } {
    return passwordLogin(this.running().sshPort, TEST_ACCOUNTS.rescue, this.work);
  }

  /**
   * Boots from the first disk and waits for the login prompt, timed from the moment GRUB hands
   * over to the kernel ("loading the kernel", the same grub.cfg for aiOS and plain Debian); with
   * `ready`, for aios-init's ready line as well.
   */
  async boot(
    name: string,
    disks: VmDisk[],
    o: { prompt: RegExp; ready?: boolean } = { prompt: /\S+ login: /, ready: true },
  ): Promise<Booted> {
    const { node } = await bootUntil(
      { disks, accel: this.accel, workDir: this.work, name },
      o.ready === false ? o.prompt : READY,
      BOOT_TIMEOUT_MS,
      (vm) => {
        this.vm = vm;
      },
    );
    const grub = await node.serial.waitForOutput(/loading the kernel/, BOOT_TIMEOUT_MS);
    const prompt = await node.serial.waitForOutput(o.prompt, BOOT_TIMEOUT_MS, grub.end);
    return { node, grubAt: grub.at, promptS: (prompt.at - grub.at) / 1000, promptEnd: prompt.end };
  }

  /** What a failed case's report reads from the VM now running (diagnoseFailures), or null. */
  diagnosis(): Omit<VmSnapshotSource, 'screens'> | null {
    return this.vm === undefined
      ? null
      : { vm: this.vm, login: this.login(), user: 'rescue', rootPassword: TEST_ACCOUNTS.root };
  }

  /** A command as root: SSH as the break-glass account, then su (root's own shell refuses commands). */
  async asRoot(command: string, timeoutMs = 300_000): Promise<{ status: number | null; out: string; stdout: string }> {
    const r = await sshRun(this.login(), 'rescue', `su -s /bin/sh -c ${shQuote(command)} root`, {
      input: `${TEST_ACCOUNTS.root}\n`,
      timeoutMs,
    });
    // su's "Password:" prompt goes to stderr.
    return { status: r.status, out: `${r.stdout}${r.stderr.replace(/^Password: ?/, '')}`, stdout: r.stdout };
  }

  async goal(command: string): Promise<GoalView> {
    const r = await this.asRoot(command);
    try {
      return GoalView.parse(JSON.parse(r.stdout));
    } catch (err) {
      throw new Error(`${command}: not a goal (${(err as Error).message}); exit ${r.status}: ${r.out}`);
    }
  }

  tool(name: string, args: Record<string, unknown>): Promise<GoalView> {
    return this.goal(`aios tool ${name} --args ${shQuote(JSON.stringify(args))} --yes --confirm --json`);
  }

  /** Copies a host file into the break-glass account's home over SSH; its path in the node. */
  copyIn(file: string, name: string, timeoutMs = 600_000): Promise<string> {
    const login = this.login();
    return new Promise((resolve, reject) => {
      const child = spawn('ssh', [...login.args, 'rescue@127.0.0.1', `cat > ${shQuote(name)}`], {
        env: login.env,
        stdio: ['pipe', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      createReadStream(file).pipe(child.stdin);
      child.once('close', (status) => {
        clearTimeout(timer);
        if (status === 0) resolve(`/home/rescue/${name}`);
        else reject(new Error(`copying ${file} into the node failed (${status}): ${stderr}`));
      });
    });
  }

  /** Logs in as root on the serial console; seconds from GRUB's hand-over to the TUI's first frame. */
  async serialTui(b: Booted): Promise<number> {
    b.node.type('root\r');
    await b.node.serial.waitForOutput(/Password: /, 120_000, b.promptEnd);
    b.node.type(`${TEST_ACCOUNTS.root}\r`);
    const tuiAt = await b.node.serial.waitForScreen(/goal>/, 180_000);
    await b.node.serial.waitForScreen(/aiosd ok.*root \(admin\)/, 60_000);
    return (tuiAt - b.grubAt) / 1000;
  }

  /** Waits for the node to restart on its own (QEMU runs with -no-reboot, so it exits). */
  async restarted(from: RegExp, timeoutMs: number, since = 0): Promise<void> {
    const vm = this.running();
    await vm.serial.waitForOutput(from, timeoutMs, since);
    expect(await vm.exited).toBe(0);
    this.vm = undefined;
    // aios-init's shutdown remounted the root read-only (a failure is on the console).
    expect(vm.serial.transcript().slice(since)).not.toMatch(/remount,ro \/:|the root stays writable/);
  }

  /**
   * The root filesystem was cleanly unmounted at the last shutdown: this boot replayed no
   * journal, neither the kernel's ext4 (dmesg) nor the initramfs's fsck (its log).
   */
  async expectCleanRoot(): Promise<void> {
    const r = await this.asRoot('dmesg; cat /run/initramfs/fsck.log 2>/dev/null; true');
    expect(r.stdout, 'the kernel mounted the root').toMatch(/EXT4-fs \(vda\d\): mounted filesystem/);
    expect(r.stdout).not.toMatch(/EXT4-fs \(vda\d\): (recovery complete|orphan cleanup)|recovering journal/);
  }

  async rebootAndWait(): Promise<void> {
    const from = this.running().serial.transcript().length;
    const r = await this.asRoot('aios-init reboot');
    expect(r.out).toMatch(/reboot requested/);
    await this.restarted(/reboot now/, 300_000, from);
  }

  kill(): void {
    this.vm?.kill();
    this.vm = undefined;
  }
}
