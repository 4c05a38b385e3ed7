// The services aios-init runs itself when it is init of the aiOS image (there is no systemd):
// udev for devices, DHCP, sshd and a getty per console. Each is a plain argv.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { InitConfig } from '../../src/config/init-schema.js';
import type { ServiceSpec } from '../supervisor/service-spec.js';

export interface NodeServices {
  devices: ServiceSpec[];
  background: ServiceSpec[];
  logins: ServiceSpec[];
}

const UDEVD = '/usr/lib/systemd/systemd-udevd';
const HOST_KEY = '/etc/ssh/ssh_host_ed25519_key';

async function waitForFile(path: string, signal: AbortSignal): Promise<void> {
  while (!existsSync(path)) {
    signal.throwIfAborted();
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Network interfaces other than loopback, as the kernel names them after udev renamed them. */
function interfaces(sysRoot: string): string[] {
  try {
    return readdirSync(join(sysRoot, 'class/net'))
      .filter((n) => n !== 'lo')
      .sort();
  } catch {
    return [];
  }
}

// ssh-keygen writes its files plainly, and ext4 writes a new file's data back up to 30 s later:
// a node powered off just after its first login prompt came back with empty host keys, which
// sshd never loads (and a file that exists is never made again). So the key is made under a
// temporary name, synced, and renamed; an empty key left that way by an earlier aiOS is made
// again, and a lost public half is derived from the private key, which is kept.
const HOST_KEY_SCRIPT = `k=$1
if [ -s "$k" ] && [ -s "$k.pub" ]; then exit 0; fi
if [ -s "$k" ]; then
  ssh-keygen -y -f "$k" > "$k.pub.new" && sync "$k.pub.new" && mv -f "$k.pub.new" "$k.pub" && sync "$(dirname "$k")"
  exit
fi
rm -f "$k.new" "$k.new.pub"
ssh-keygen -q -t ed25519 -N '' -f "$k.new" || exit 1
sync "$k.new" "$k.new.pub" && mv -f "$k.new.pub" "$k.pub" && mv -f "$k.new" "$k" && sync "$(dirname "$k")"`;

/** The sshd-keys oneshot: the host key `file` (and `file`.pub) made once, durably; ed25519 only. */
export function hostKeyArgv(file: string): [string, ...string[]] {
  return ['/bin/sh', '-c', HOST_KEY_SCRIPT, 'sshd-keys', file];
}

/** Serial consoles get agetty's local-line mode at the usual speeds; VTs get TERM=linux. */
export function gettyArgv(tty: string): [string, ...string[]] {
  if (/^tty\d+$/.test(tty)) return ['/usr/sbin/agetty', '--noclear', tty, 'linux'];
  return ['/usr/sbin/agetty', '--local-line', '--keep-baud', '115200,57600,38400,9600', tty, 'vt220'];
}

export function nodeServices(
  init: InitConfig,
  opts: { env: NodeJS.ProcessEnv; output: number | 'ignore'; sysRoot?: string; devRoot?: string },
): NodeServices {
  const sys = opts.sysRoot ?? '/sys';
  const dev = opts.devRoot ?? '/dev';
  const base = { env: opts.env, output: opts.output };
  const devices: ServiceSpec[] = [];
  const background: ServiceSpec[] = [];
  if (existsSync(UDEVD)) {
    // The initramfs's udev already loaded the drivers for the boot devices and made the
    // /dev/disk links, so the boot waits only for udevd itself; replaying the kernel's events
    // for everything else runs beside the boot (it takes seconds on an emulated CPU).
    devices.push({
      ...base,
      name: 'udevd',
      description: 'device manager (systemd-udevd)',
      kind: 'daemon',
      // Enablement lives on the state disk, which udev has to find first: it cannot be disabled.
      critical: 'the boot needs udev to find its disks (the state disk among them)',
      argv: [UDEVD],
      ready: (s) => waitForFile('/run/udev/control', s),
      policy: { restart: 'always' },
    });
    background.push(
      {
        ...base,
        name: 'udev-trigger',
        description: 'replay device events for the devices present at boot',
        kind: 'oneshot',
        requires: ['udevd'],
        argv: ['/usr/bin/udevadm', 'trigger', '--action=add'],
        policy: { restart: 'never' },
      },
      {
        ...base,
        name: 'udev-settle',
        description: 'wait for device events to be handled',
        kind: 'oneshot',
        requires: ['udev-trigger'],
        argv: ['/usr/bin/udevadm', 'settle', '--timeout=60'],
        policy: { restart: 'never' },
      },
    );
  }
  const nics = interfaces(sys);
  if (nics.length > 0 && existsSync('/usr/sbin/dhclient')) {
    // -1: try once and give up rather than retry forever in the foreground; on a lease it
    // forks into the background and keeps renewing it.
    background.push({
      ...base,
      name: 'network',
      description: `DHCP on ${nics.join(', ')} (dhclient)`,
      kind: 'oneshot',
      argv: ['/usr/sbin/dhclient', '-4', '-1', ...nics],
      policy: { restart: 'on-failure', startLimit: { burst: 3, intervalMs: 120_000 } },
    });
  }

  const logins: ServiceSpec[] = [];
  if (init.ssh && existsSync('/usr/sbin/sshd')) {
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    // Host keys are made on the node's first boot, never baked into the image; ed25519 only,
    // because an RSA key takes seconds to generate on an emulated CPU.
    logins.push(
      {
        ...base,
        name: 'sshd-keys',
        description: 'make the SSH host key on the first boot',
        kind: 'oneshot',
        argv: hostKeyArgv(HOST_KEY),
        policy: { restart: 'never' },
      },
      {
        ...base,
        name: 'sshd',
        description: 'OpenSSH server',
        kind: 'daemon',
        requires: ['sshd-keys'],
        argv: ['/usr/sbin/sshd', '-D', '-e'],
        policy: { restart: 'always' },
      },
    );
  }
  for (const tty of init.gettys) {
    if (!existsSync(join(dev, tty)) || (!/^tty\d+$/.test(tty) && !existsSync(join(sys, 'class/tty', tty)))) continue;
    // A getty exits at every logout and is started again at once; a console that cannot be
    // opened fails quickly and hits the start limit instead of spinning.
    logins.push({
      ...base,
      output: 'ignore',
      name: `getty@${tty}`,
      description: `login prompt on ${tty}`,
      kind: 'daemon',
      critical: `the login prompt on ${tty} is how a person reaches this node when the network does not; aios-init keeps it running`,
      argv: gettyArgv(tty),
      policy: { restart: 'always', stableAfterMs: 5000, startLimit: { burst: 10, intervalMs: 30_000 } },
    });
  }
  return { devices, background, logins };
}
