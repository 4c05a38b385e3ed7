// Boots the aiOS node image under QEMU: the ISO as a CD or the disk image, the state disk and
// any other disks (a seed volume, an install target) on virtio, user-mode
// networking with SSH forwarded to 127.0.0.1 only, the serial console on QEMU's stdio, and a
// monitor socket for keys such as Ctrl-Alt-Del. KVM is used when a short probe boots a kernel
// with it; on this project's machines it does not (an MSR assertion with -cpu host, a hang
// with the default CPU), so the boot falls back to TCG.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { createSerialConsole, type SerialConsole } from './serial-console.js';

export type Accel = 'kvm' | 'tcg';

export interface NodeVm {
  serial: SerialConsole;
  /** The virtio console (hvc0), when booted with `hvc: true`: open it to read and type. */
  hvc(): Promise<{ console: SerialConsole; type(keys: string): void; close(): void }>;
  accel: Accel;
  sshPort: number;
  /** Host time (ms) at which QEMU was started. */
  startedAt: number;
  type(keys: string): void;
  /** A QEMU monitor command, e.g. `sendkey ctrl-alt-delete`. */
  monitor(command: string): Promise<void>;
  exited: Promise<number | null>;
  kill(): void;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Boots the kernel alone with KVM and waits for it to reach the root mount; false on any failure. */
export function kvmWorks(kernel: string, timeoutS = 20): boolean {
  if (!existsSync('/dev/kvm')) return false;
  const r = spawnSync(
    'qemu-system-x86_64',
    [
      '-accel',
      'kvm',
      '-cpu',
      'host',
      '-m',
      '256',
      '-nodefaults',
      '-display',
      'none',
      '-serial',
      'stdio',
      '-monitor',
      'none',
      '-no-reboot',
      '-kernel',
      kernel,
      '-append',
      'console=ttyS0 panic=-1',
    ],
    { encoding: 'utf8', timeout: timeoutS * 1000 },
  );
  return /VFS: Unable to mount root|Kernel panic/.test(r.stdout ?? '');
}

export interface VmDisk {
  file: string;
  format: 'raw' | 'qcow2';
}

export interface BootOptions {
  /** The live ISO as a CD, booted first; without it the first disk boots. */
  iso?: string;
  stateDisk?: string;
  /** More virtio disks after the state disk (vda, vdb, … in this order). */
  disks?: VmDisk[];
  accel: Accel;
  workDir: string;
  uefi?: boolean;
  memoryMb?: number;
  name?: string;
  hvc?: boolean;
}

/**
 * The kernel's check of the emulated timer, a few milliseconds into the boot, fails now and
 * then when the host is too loaded to run the emulated CPU in time ("IO-APIC + timer doesn't
 * work!", a panic; QEMU exits since it runs with -no-reboot). Nothing of the node has run yet.
 */
const TIMER_CHECK_PANIC = /IO-APIC \+ timer doesn't work/;

/**
 * Boots and waits until the console shows `pattern`. A boot that ends in the timer check's panic
 * is booted again (twice at most); QEMU exiting otherwise fails at once rather than at the
 * timeout. `onBoot` gets each VM as it starts (for a failure report).
 */
export async function bootUntil(
  o: BootOptions,
  pattern: RegExp,
  timeoutMs: number,
  onBoot: (vm: NodeVm) => void = () => undefined,
): Promise<{ node: NodeVm; at: number; match: RegExpExecArray; end: number }> {
  for (let attempt = 1; ; attempt++) {
    const node = await bootNode(o);
    onBoot(node);
    const shown = node.serial.waitForOutput(pattern, timeoutMs);
    shown.catch(() => undefined); // when QEMU exits first, this wait runs out unobserved
    const r = await Promise.race([shown, node.exited.then((code) => ({ code }))]);
    if ('match' in r) return { node, ...r };
    const lines = node.serial.transcript().split('\n').slice(-25).join('\n');
    if (TIMER_CHECK_PANIC.test(node.serial.transcript()) && attempt < 3) {
      process.stderr.write(`${o.name ?? 'node'}: the kernel's timer check failed on the loaded host; booting again\n`);
      continue;
    }
    throw new Error(`QEMU exited (${r.code}) before the console showed ${pattern}; its last lines:\n${lines}`);
  }
}

export async function bootNode(o: BootOptions): Promise<NodeVm> {
  const sshPort = await freePort();
  const monitorPath = join(o.workDir, `monitor-${sshPort}.sock`);
  const hvcPath = join(o.workDir, `hvc-${sshPort}.sock`);
  const args = [
    // q35: the CD is on AHCI, several times faster to emulate than the i440fx's IDE, and
    // there is no floppy drive for live-boot to probe.
    '-machine',
    'q35',
    '-accel',
    o.accel,
    '-cpu',
    o.accel === 'kvm' ? 'host' : 'max',
    '-smp',
    '2',
    '-m',
    String(o.memoryMb ?? 2048),
    ...(o.uefi === true ? ['-bios', '/usr/share/ovmf/OVMF.fd'] : []),
    ...(o.iso === undefined ? ['-boot', 'c'] : ['-cdrom', o.iso, '-boot', 'd']),
    ...[...(o.stateDisk === undefined ? [] : [{ file: o.stateDisk, format: 'raw' }]), ...(o.disks ?? [])].flatMap(
      (d) => ['-drive', `file=${d.file},if=virtio,format=${d.format}`],
    ),
    '-netdev',
    `user,id=n0,hostfwd=tcp:127.0.0.1:${sshPort}-:22`,
    '-device',
    'virtio-net-pci,netdev=n0',
    // A virtio console, /dev/hvc0 in the guest (the console of most hypervisors' VMs).
    ...(o.hvc === true
      ? [
          '-device',
          'virtio-serial-pci',
          '-chardev',
          `socket,id=hvc0,path=${hvcPath},server=on,wait=off`,
          '-device',
          'virtconsole,chardev=hvc0',
        ]
      : []),
    '-display',
    'none',
    '-serial',
    'stdio',
    '-monitor',
    `unix:${monitorPath},server=on,wait=off`,
    '-no-reboot',
  ];
  const startedAt = Date.now();
  const proc: ChildProcess = spawn('qemu-system-x86_64', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const serial = createSerialConsole();
  const log = createWriteStream(join(o.workDir, `serial-${o.name ?? 'node'}.log`));
  proc.stdout?.on('data', (d: Buffer) => {
    serial.feed(d);
    log.write(d);
  });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => {
      log.end();
      resolve(code);
    }),
  );
  proc.once('error', (err) => {
    stderr += err.message;
  });
  return {
    serial,
    accel: o.accel,
    sshPort,
    startedAt,
    exited,
    type: (keys) => {
      proc.stdin?.write(keys);
    },
    monitor: (command) =>
      new Promise((resolve, reject) => {
        const s = connect(monitorPath, () => {
          s.end(`${command}\n`);
        });
        s.on('error', (e) => reject(new Error(`QEMU monitor: ${e.message}; qemu said: ${stderr}`)));
        s.on('close', () => resolve());
        s.resume();
      }),
    kill: () => {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    },
    hvc: () =>
      new Promise((resolve, reject) => {
        const s = connect(hvcPath, () => {
          const console = createSerialConsole();
          const hvcLog = createWriteStream(join(o.workDir, `hvc-${o.name ?? 'node'}.log`));
          s.on('data', (d: Buffer) => {
            console.feed(d);
            hvcLog.write(d);
          });
          s.on('close', () => hvcLog.end());
          resolve({
            console,
            type: (keys) => {
              s.write(keys);
            },
            close: () => {
              s.destroy();
            },
          });
        });
        s.once('error', (e) => reject(new Error(`QEMU virtio console: ${e.message}`)));
      }),
  };
}
