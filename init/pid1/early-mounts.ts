// PID 1's first job: the kernel filesystems. The initramfs usually hands some over already
// mounted (it moves /dev, /run, /proc and /sys into the new root), so each is mounted only
// when /proc/self/mountinfo does not list it. Node cannot call mount(2); util-linux's mount does.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';

export interface MountSpec {
  source: string;
  target: string;
  type: string;
  options: string;
}

export const EARLY_MOUNTS: readonly MountSpec[] = [
  { source: 'proc', target: '/proc', type: 'proc', options: 'nosuid,nodev,noexec' },
  { source: 'sysfs', target: '/sys', type: 'sysfs', options: 'nosuid,nodev,noexec' },
  { source: 'devtmpfs', target: '/dev', type: 'devtmpfs', options: 'mode=0755,nosuid' },
  { source: 'devpts', target: '/dev/pts', type: 'devpts', options: 'gid=5,mode=620,ptmxmode=000,nosuid,noexec' },
  { source: 'tmpfs', target: '/dev/shm', type: 'tmpfs', options: 'mode=1777,nosuid,nodev' },
  { source: 'tmpfs', target: '/run', type: 'tmpfs', options: 'mode=0755,nosuid,nodev,size=20%' },
  { source: 'tmpfs', target: '/tmp', type: 'tmpfs', options: 'mode=1777,nosuid,nodev' },
];

/** Mount points listed in a mountinfo text (field 5, with octal escapes undone). */
export function mountPoints(mountinfo: string): Set<string> {
  const points = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const field = line.split(' ')[4];
    if (field !== undefined)
      points.add(field.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return points;
}

/** The specs whose target is not mounted yet, in order. */
export function missingMounts(mountinfo: string, specs: readonly MountSpec[] = EARLY_MOUNTS): MountSpec[] {
  const mounted = mountPoints(mountinfo);
  return specs.filter((s) => !mounted.has(s.target));
}

function readMountinfo(): string {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return ''; // /proc itself is not mounted yet
  }
}

/** Mounts what is missing; a mount that fails is logged and the boot goes on. */
export function mountEarly(log: (line: string) => void): void {
  // One at a time: /dev/pts needs /dev, and the list of what is mounted needs /proc.
  for (const spec of EARLY_MOUNTS) {
    if (missingMounts(readMountinfo(), [spec]).length === 0) continue;
    try {
      mkdirSync(spec.target, { recursive: true });
      execFileSync('mount', ['-t', spec.type, '-o', spec.options, spec.source, spec.target], { stdio: 'pipe' });
    } catch (err) {
      log(`cannot mount ${spec.target}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  // What systemd-tmpfiles would create: bash's process substitution needs /dev/fd.
  for (const [link, target] of [
    ['/dev/fd', '/proc/self/fd'],
    ['/dev/stdin', '/proc/self/fd/0'],
    ['/dev/stdout', '/proc/self/fd/1'],
    ['/dev/stderr', '/proc/self/fd/2'],
  ] as const) {
    if (!existsSync(link))
      try {
        symlinkSync(target, link);
      } catch {
        /* devtmpfs read-only or already there */
      }
  }
}

/** Kernel settings PID 1 owns: the hostname, and Ctrl-Alt-Del as a signal instead of a hard reset. */
export function kernelSettings(log: (line: string) => void, etc = '/etc'): string {
  let hostname = 'aios';
  try {
    hostname = readFileSync(`${etc}/hostname`, 'utf8').trim() || hostname;
  } catch {
    /* keep the default */
  }
  const writes: Array<[string, string]> = [
    ['/proc/sys/kernel/hostname', hostname],
    // 0: the kernel sends SIGINT to PID 1 (tini forwards it to aios-init) instead of rebooting
    // at once without syncing; this is what reboot(RB_DISABLE_CAD) sets.
    ['/proc/sys/kernel/ctrl-alt-del', '0'],
  ];
  for (const [file, value] of writes) {
    try {
      writeFileSync(file, value);
    } catch (err) {
      log(`cannot set ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return hostname;
}
