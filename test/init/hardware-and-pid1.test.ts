// The hardware phase's inventory and minimums from a fixture /proc and /sys; what PID 1
// mounts; which consoles get a getty; the model file probe; rescue mode's switch.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeInventory, readInventory, unmetMinimums } from '../../init/phases/hardware-inventory.js';
import { ModelFileProbe, operationalModel } from '../../init/phases/model-runtime.js';
import { EARLY_MOUNTS, missingMounts, mountPoints } from '../../init/pid1/early-mounts.js';
import { gettyArgv, nodeServices } from '../../init/pid1/node-services.js';
import { rescueRequested } from '../../init/pid1/rescue.js';
import { InitConfig } from '../../src/config/init-schema.js';
import { ModelsConfig } from '../../src/config/models-schema.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'aios-hw-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function put(path: string, content: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), content);
}

function machine(): void {
  put(
    'proc/cpuinfo',
    'processor\t: 0\nmodel name\t: QEMU Virtual CPU version 2.5+\n\nprocessor\t: 1\nmodel name\t: QEMU Virtual CPU version 2.5+\n',
  );
  put('proc/meminfo', 'MemTotal:        2030000 kB\nMemFree:          1500000 kB\nMemAvailable:     1800000 kB\n');
  put('sys/block/vda/size', '1048576\n');
  put('sys/block/vda/removable', '0\n');
  put('sys/block/sr0/size', '700000\n');
  put('sys/block/sr0/removable', '1\n');
  put('sys/block/loop0/size', '0\n');
  put('sys/class/drm/card0/device/vendor', '0x1234\n');
  put('sys/class/net/lo/operstate', 'unknown\n');
  put('sys/class/net/enp0s3/operstate', 'up\n');
  put('sys/class/net/enp0s3/address', '52:54:00:12:34:56\n');
}

describe('hardware inventory', () => {
  it('reads CPUs, memory, disks, GPUs and network interfaces', () => {
    machine();
    const inv = readInventory(root, root);
    expect(inv).toMatchObject({
      cpus: 2,
      cpuModel: 'QEMU Virtual CPU version 2.5+',
      memTotalMb: 1982,
      memAvailableMb: 1758,
      disks: [
        { name: 'sr0', sizeMb: 342, removable: true },
        { name: 'vda', sizeMb: 512, removable: false },
      ],
      gpus: [{ card: 'card0', vendor: 'QEMU' }],
      nics: [{ name: 'enp0s3', state: 'up', mac: '52:54:00:12:34:56' }],
    });
    expect(inv.stateFreeMb).toBeGreaterThan(0);
    expect(describeInventory(inv)).toEqual([
      'cpu: 2 × QEMU Virtual CPU version 2.5+',
      'memory: 1.9 GiB (1.7 GiB available)',
      `disks: sr0 342 MiB (removable), vda 512 MiB; ${inv.stateFreeMb! >= 1024 ? `${(inv.stateFreeMb! / 1024).toFixed(1)} GiB` : `${inv.stateFreeMb} MiB`} free for state`,
      'gpu: card0 QEMU',
      'network: enp0s3 up',
    ]);
  });

  it('names each unmet minimum and the setting that sets it', () => {
    machine();
    const inv = readInventory(root, root);
    expect(unmetMinimums(inv, { cpus: 1, memoryMb: 512, stateFreeMb: 0 })).toEqual([]);
    expect(unmetMinimums(inv, { cpus: 4, memoryMb: 4096, stateFreeMb: 0 })).toEqual([
      '2 CPU(s), below the minimum of 4 ([init] min_cpus)',
      '1982 MiB of memory, below the minimum of 4096 MiB ([init] min_memory_mb)',
    ]);
  });

  it('reads an empty machine as nothing found rather than failing', () => {
    const inv = readInventory(join(root, 'nothing'), join(root, 'nothing'));
    expect(inv).toMatchObject({ cpus: 0, memTotalMb: 0, disks: [], gpus: [], nics: [] });
  });
});

describe('PID 1 mounts', () => {
  it('reads the mount points of this process, escapes undone', () => {
    const points = mountPoints(readFileSync('/proc/self/mountinfo', 'utf8'));
    expect(points.has('/')).toBe(true);
    expect(points.has('/proc')).toBe(true);
    expect(mountPoints('36 35 98:0 / /mnt/a\\040b rw - ext3 /dev/root rw\n').has('/mnt/a b')).toBe(true);
  });

  it('mounts only what is missing, in order', () => {
    const info = [
      '22 1 0:21 / /proc rw - proc proc rw',
      '23 1 0:22 / /sys rw - sysfs sysfs rw',
      '24 1 0:5 / /dev rw - devtmpfs udev rw',
    ].join('\n');
    expect(missingMounts(info).map((m) => m.target)).toEqual(['/dev/pts', '/dev/shm', '/run', '/tmp']);
    expect(missingMounts('').map((m) => m.target)).toEqual(EARLY_MOUNTS.map((m) => m.target));
  });
});

describe('PID 1 services', () => {
  it('gives a getty to each configured console that exists, with TERM by kind', () => {
    put('dev/ttyS0', '');
    put('dev/tty1', '');
    put('sys/class/tty/ttyS0/dev', '4:64\n');
    const init = InitConfig.parse({ ssh: false });
    const s = nodeServices(init, { env: {}, output: 'ignore', sysRoot: join(root, 'sys'), devRoot: join(root, 'dev') });
    expect(s.logins.map((l) => l.name)).toEqual(['getty@tty1', 'getty@ttyS0']);
    expect(gettyArgv('ttyS0')).toEqual([
      '/usr/sbin/agetty',
      '--local-line',
      '--keep-baud',
      '115200,57600,38400,9600',
      'ttyS0',
      'vt220',
    ]);
    expect(gettyArgv('tty1')).toEqual(['/usr/sbin/agetty', '--noclear', 'tty1', 'linux']);
  });

  it('enters rescue mode only when the kernel command line asks', () => {
    put('cmdline-a', 'boot=live quiet aios.rescue\n');
    put('cmdline-b', 'boot=live quiet aios.rescued=0\n');
    expect(rescueRequested(join(root, 'cmdline-a'))).toBe(true);
    expect(rescueRequested(join(root, 'cmdline-b'))).toBe(false);
  });
});

describe('the AI runtime phase', () => {
  const stories = join(import.meta.dirname, '..', '..', '..', 'shared', 'models', 'stories260K.gguf');

  it('says so when no model is configured', async () => {
    const r = await new ModelFileProbe('/var/lib/aios/models').probe(ModelsConfig.parse({}), 1000);
    expect(r).toEqual({ status: 'skipped', details: [expect.stringMatching(/^no model configured/)] });
  });

  it('finds the operational model by name under model_dir, or by path', () => {
    expect(operationalModel(ModelsConfig.parse({ model_dir: '/m', operational: { name: 'a.gguf' } }), '/d')).toEqual({
      name: 'a.gguf',
      file: '/m/a.gguf',
    });
    expect(operationalModel(ModelsConfig.parse({ operational: { name: 'x', path: 'sub/b.gguf' } }), '/d')).toEqual({
      name: 'x',
      file: '/d/sub/b.gguf',
    });
  });

  it.skipIf(!existsSync(stories))(
    'accepts a real GGUF file and refuses one that is not (needs ../shared/models)',
    async () => {
      const probe = new ModelFileProbe(root);
      const ok = await probe.probe(ModelsConfig.parse({ operational: { name: 'stories', path: stories } }), 1000);
      expect(ok.status).toBe('ok');
      expect(ok.details[0]).toMatch(/stories260K\.gguf \(\d+ MiB, GGUF\)/);
      put('fake.gguf', 'not a model');
      const bad = await probe.probe(ModelsConfig.parse({ operational: { name: 'fake.gguf' } }), 1000);
      expect(bad).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/fake\.gguf is not a GGUF model file/),
      });
      const missing = await probe.probe(ModelsConfig.parse({ operational: { name: 'gone.gguf' } }), 1000);
      expect(missing.error).toMatch(/gone\.gguf does not exist; fix \[models\.operational\]/);
    },
  );
});
