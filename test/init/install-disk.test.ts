// aios-init install-disk's checks and its typed confirmation, against a /sys/class/block tree
// made here (the kernel's own would offer only this machine's disks, in use).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installDisk } from '../../init/disk/install-disk.js';
import { checkTargetDisk, InstallDiskError, type SystemView } from '../../init/disk/target-disk.js';

let dir: string;
let sys: SystemView;

function disk(name: string, gib: number, parts: string[] = []): void {
  const d = join(dir, 'block', name);
  mkdirSync(join(d, 'holders'), { recursive: true });
  mkdirSync(join(d, 'device'), { recursive: true });
  writeFileSync(join(d, 'size'), String((gib * 1024 ** 3) / 512));
  writeFileSync(join(d, 'dev'), `253:${name.charCodeAt(2) * 16}`);
  writeFileSync(join(d, 'ro'), '0');
  writeFileSync(join(d, 'device', 'model'), 'QEMU HARDDISK\n');
  parts.forEach((p, i) => {
    mkdirSync(join(d, p, 'holders'), { recursive: true });
    writeFileSync(join(d, p, 'partition'), String(i + 1));
    writeFileSync(join(d, p, 'dev'), `253:${name.charCodeAt(2) * 16 + i + 1}`);
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aios-install-disk-'));
  disk('vda', 8, ['vda1', 'vda2']);
  disk('vdb', 4);
  disk('vdc', 1);
  // vda's partitions as the kernel links them from /sys/class/block too.
  mkdirSync(join(dir, 'block', 'vda1'));
  writeFileSync(join(dir, 'block', 'vda1', 'partition'), '1');
  sys = {
    sysBlock: join(dir, 'block'),
    mountinfo: `22 1 ${'253:'}${'a'.charCodeAt(0) * 16 + 2} / / rw,relatime - ext4 /dev/vda2 rw\n`,
    swaps: 'Filename\tType\tSize\tUsed\tPriority\n',
    isBlockDevice: (p) => /^\/dev\/vd[a-c]1?$/.test(p),
    exclusiveOpen: () => true,
  };
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('aios-init install-disk', () => {
  it('takes a whole, unused disk and reports its size and model', () => {
    expect(checkTargetDisk('/dev/vdb', sys)).toEqual({
      device: '/dev/vdb',
      name: 'vdb',
      bytes: 4 * 1024 ** 3,
      model: 'QEMU HARDDISK',
    });
  });

  it('refuses a disk with a mounted partition, a partition, a small disk, swap, a holder, a busy disk and a non-disk', () => {
    const refused = (device: string, view: SystemView = sys): string => {
      try {
        checkTargetDisk(device, view);
      } catch (err) {
        expect(err).toBeInstanceOf(InstallDiskError);
        return (err as Error).message;
      }
      throw new Error(`${device} was not refused`);
    };
    expect(refused('/dev/vda')).toBe(
      '/dev/vda is in use: /dev/vda2 is mounted on / (unmount it first, or choose another disk)',
    );
    expect(refused('/dev/vda1')).toMatch(/is a partition; name the whole disk/);
    expect(refused('/dev/vdc')).toBe('/dev/vdc holds 1.0 GiB; aiOS needs at least 2 GiB');
    expect(refused('/etc/passwd')).toMatch(/is not a disk: name a whole disk such as \/dev\/vdb/);
    expect(refused('/dev/vdb', { ...sys, swaps: 'Filename\tType\n/dev/vdb\tpartition\t1\t0\t-2\n' })).toMatch(
      /\/dev\/vdb is swap/,
    );
    mkdirSync(join(dir, 'block', 'vdb', 'holders', 'dm-0'));
    expect(refused('/dev/vdb')).toBe('/dev/vdb is in use: /dev/vdb is held by dm-0');
    rmSync(join(dir, 'block', 'vdb', 'holders', 'dm-0'), { recursive: true });
    expect(refused('/dev/vdb', { ...sys, exclusiveOpen: () => false })).toMatch(/refuses an exclusive open/);
  });

  it('writes nothing unless the disk name is typed back exactly', async () => {
    const source = mkdtempSync(join(dir, 'root-'));
    const writer = join(dir, 'writer.sh');
    const wrote = join(dir, 'wrote');
    writeFileSync(writer, `#!/bin/sh\necho "$1 $2" > ${wrote}\n`, { mode: 0o755 });
    const said: string[] = [];
    const run = (answer: string | null): Promise<void> =>
      installDisk({
        device: '/dev/vdb',
        source,
        writer,
        system: sys,
        ask: () => Promise.resolve(answer),
        say: (l) => said.push(l),
      });
    for (const answer of [null, '', 'yes', 'vdb', '/dev/vda'])
      await expect(run(answer)).rejects.toThrow('not confirmed (the answer was not /dev/vdb); nothing was written');
    expect(existsSync(wrote)).toBe(false);
    await run('/dev/vdb\n');
    expect(readFileSync(wrote, 'utf8')).toBe(`${source} /dev/vdb\n`);
    expect(said.at(-2)).toMatch(/aiOS is installed on \/dev\/vdb/);
  });
});
