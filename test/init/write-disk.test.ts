// iso/write-disk.sh on an image file: the GPT layout, the filesystems at their offsets with the
// root's owners and modes, GRUB for both firmwares, and grubenv's boot-once slot, which GRUB
// itself clears before it boots (QEMU, BIOS and UEFI, when qemu-system-x86_64 is installed).
import { spawnSync } from 'node:child_process';
import { chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/daemon.js';

const SCRIPT = join(repoRoot, 'iso/write-disk.sh');
const ROOT_OFFSET = (4096 + 131072) * 512;
const ESP_OFFSET = 4096 * 512;
const hasQemu =
  spawnSync('sh', ['-c', 'command -v qemu-system-x86_64']).status === 0 && existsSync('/usr/share/ovmf/OVMF.fd');
let dir: string;
let root: string;
let image: string;

// The disk's own grub.cfg up to its menu (serial console, password, the slot chosen from
// grubenv), then a line that shows what GRUB chose and stops the machine instead of a kernel.
const DISK_CFG = readFileSync(join(repoRoot, 'iso/grub-disk.cfg'), 'utf8');
const PROBE_CFG = `${DISK_CFG.slice(0, DISK_CFG.indexOf('menuentry'))}echo "probe: slot=$slot root=$rootuuid"\nhalt\n`;

function run(argv: string[]): { status: number | null; out: string } {
  const r = spawnSync(argv[0] ?? 'false', argv.slice(1), { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function bootGrub(uefi: boolean): string {
  const r = spawnSync(
    'qemu-system-x86_64',
    [
      '-machine',
      'q35',
      '-m',
      '256',
      '-nodefaults',
      '-display',
      'none',
      '-serial',
      'stdio',
      '-no-reboot',
      ...(uefi ? ['-bios', '/usr/share/ovmf/OVMF.fd'] : []),
      '-drive',
      `file=${image},if=virtio,format=raw`,
    ],
    { encoding: 'utf8', timeout: 240_000 },
  );
  return r.stdout;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aios-write-disk-'));
  root = join(dir, 'root');
  image = join(dir, 'disk.img');
  mkdirSync(join(root, 'boot/grub'), { recursive: true });
  for (const platform of ['i386-pc', 'x86_64-efi'])
    cpSync(`/usr/lib/grub/${platform}`, join(root, 'boot/grub', platform), { recursive: true });
  const hash = /is (grub\.pbkdf2\.\S+)/.exec(
    spawnSync('grub-mkpasswd-pbkdf2', [], { input: 'pw\npw\n', encoding: 'utf8' }).stdout,
  )?.[1];
  expect(hash).toBeDefined();
  writeFileSync(join(root, 'boot/grub/grub.cfg'), PROBE_CFG.replace('@GRUB_PASSWORD_HASH@', hash ?? ''));
  expect(run(['grub-editenv', join(root, 'boot/grub/grubenv'), 'create']).status).toBe(0);
  expect(run(['grub-editenv', join(root, 'boot/grub/grubenv'), 'set', 'aios_active=a', 'aios_next=b']).status).toBe(0);
  mkdirSync(join(root, 'opt/aios/slots/a/bin'), { recursive: true });
  writeFileSync(join(root, 'opt/aios/slots/a/bin/aios-init.js'), '// slot a\n', { mode: 0o750 });
  chownSync(join(root, 'opt/aios/slots/a/bin/aios-init.js'), 1234, 5678);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('iso/write-disk.sh', () => {
  it('writes a GPT with the BIOS boot partition, the ESP and the ext4 root holding the tree as it was', () => {
    const w = run([SCRIPT, root, image, '320M']);
    expect(w.out).toMatch(
      /^write-disk: .*disk\.img: BIOS boot, ESP \(AIOS-ESP\), root ext4 aios-root [0-9a-f-]{36} \(\d+ MiB\)$/m,
    );
    expect(w.status).toBe(0);
    const table = JSON.parse(run(['sfdisk', '--json', image]).out) as {
      partitiontable: { label: string; partitions: { start: number; size: number; type: string; name: string }[] };
    };
    expect(table.partitiontable.label).toBe('gpt');
    expect(table.partitiontable.partitions.map((p) => [p.start, p.type, p.name])).toEqual([
      [2048, '21686148-6449-6E6F-744E-656564454649', 'bios-boot'],
      [4096, 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', 'AIOS-ESP'],
      [135168, '0FC63DAF-8483-4772-8E79-3D69D8477DE4', 'aios-root'],
    ]);
    expect(run(['blkid', '-p', '-O', String(ROOT_OFFSET), image]).out).toMatch(/LABEL="aios-root".*TYPE="ext4"/);
    expect(run(['blkid', '-p', '-O', String(ESP_OFFSET), image]).out).toMatch(/LABEL="AIOS-ESP".*TYPE="vfat"/);
    const stat = run([
      'debugfs',
      '-R',
      'stat /opt/aios/slots/a/bin/aios-init.js',
      `${image}?offset=${ROOT_OFFSET}`,
    ]).out;
    expect(stat).toMatch(/User:\s+1234\s+Group:\s+5678/);
    expect(stat).toMatch(/Mode:\s+0750/);
    expect(run(['mdir', '-b', '-i', `${image}@@${ESP_OFFSET}`, '::/EFI/BOOT']).out).toMatch(/BOOTX64\.EFI/);
    // The protective MBR carries GRUB's boot code and still the 0x55AA signature.
    const mbr = spawnSync('dd', [`if=${image}`, 'bs=512', 'count=1', 'status=none']).stdout;
    expect(mbr.subarray(0x1fe, 0x200).toString('hex')).toBe('55aa');
    expect(mbr.subarray(0x5c, 0x64).readBigUInt64LE()).toBe(2048n);
  });

  it.skipIf(!hasQemu)(
    'boots GRUB under BIOS, which boots aios_next once and clears it, then under UEFI the active slot',
    () => {
      const uuid = /LABEL="aios-root" UUID="([0-9a-f-]+)"/.exec(
        run(['blkid', '-p', '-O', String(ROOT_OFFSET), image]).out,
      )?.[1];
      expect(bootGrub(false)).toMatch(new RegExp(`probe: slot=b root=${uuid}`));
      expect(bootGrub(true)).toMatch(new RegExp(`probe: slot=a root=${uuid}`));
      expect(run(['debugfs', '-R', 'cat /boot/grub/grubenv', `${image}?offset=${ROOT_OFFSET}`]).out).toMatch(
        /^aios_active=a\naios_next=\n/m,
      );
    },
    600_000,
  );

  it('refuses a root that was not prepared for it, and writes nothing', () => {
    const bare = join(dir, 'bare');
    mkdirSync(bare);
    const w = run([SCRIPT, bare, join(dir, 'other.img'), '320M']);
    expect(w.status).toBe(2);
    expect(w.out).toMatch(
      /bare\/boot\/grub\/grub\.cfg is missing: ROOTDIR must be a root built by iso\/build-image\.sh/,
    );
    expect(existsSync(join(dir, 'other.img'))).toBe(false);
  });
});
