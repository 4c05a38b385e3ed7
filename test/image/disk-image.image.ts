// The persistent disk image under QEMU, the way a hypervisor runs a cloud image: a
// copy-on-write overlay of aios-node.qcow2 and a NoCloud-style seed volume (label cidata).
// What approved goals change (a package from the image's offline apt repository, a file in
// /etc, a service enabled) is still there after a reboot, the SSH host key stays the same, and
// the goals roll back after the reboot. The live ISO's installer writes the same layout to a
// blank disk, which then boots on its own.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawnInPty, type PtyScreen } from '../helpers/pty-screen.js';
import { DISK_FIGURES, imageOutDir } from '../../iso/image-paths.js';
import { BOOT_TIMEOUT_MS, DiskNode, READY, run } from './disk-node.js';
import { buildPlainDebian, PROBE_SERVICE, TEST_ACCOUNTS, type TestImage } from './image-build.js';
import { bootNode } from './qemu-node.js';
import { passwordLogin, sshArgs, waitForSsh } from './ssh.js';
import { diagnoseFailures } from './vm-diagnostics.js';

const SEED_HOSTNAME = 'seeded-node';
const SEED_INSTANCE = 'iid-aios-disk-test-1';
const ETC_FILE = '/etc/aios-persist-proof.conf';

let image: TestImage;
let work: string;
let rig: DiskNode;
let overlay: string;
let seed: string;
let graceKey: string;
const goals: Record<'pkg' | 'etc' | 'service', string> = { pkg: '', etc: '', service: '' };
let hostKeyBefore = '';
const figures: Record<string, unknown> = {};

const failures = diagnoseFailures(() => rig?.diagnosis() ?? null);

/** The host key as an SSH client sees it: ssh-keyscan's key, fingerprinted by ssh-keygen. */
function hostKeyFingerprint(port: number): string {
  const scan = run(['ssh-keyscan', '-T', '60', '-t', 'ed25519', '-p', String(port), '127.0.0.1']);
  const r = spawnSync('ssh-keygen', ['-l', '-f', '-'], { input: scan, encoding: 'utf8' });
  const fp = /SHA256:\S+/.exec(r.stdout)?.[0];
  if (fp === undefined) throw new Error(`no fingerprint in ${scan}`);
  return fp;
}

function sshTui(port: number, key: string, user: string): PtyScreen {
  const tui = spawnInPty('ssh', [...sshArgs(port, key), '-tt', `${user}@127.0.0.1`], {
    cols: 80,
    rows: 24,
    env: { ...process.env },
    term: 'xterm-256color',
  });
  failures.screen(`${user} over SSH`, tui.text);
  return tui;
}

beforeAll(() => {
  image = inject('image');
  work = mkdtempSync(join(tmpdir(), 'aios-disk-test-'));
  rig = new DiskNode(work, inject('accel'));
  overlay = join(work, 'node.qcow2');
  run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', image.disk, overlay]);
  graceKey = join(work, 'grace-key');
  run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'grace@seed', '-f', graceKey]);
  // The seed: NoCloud's meta-data and aiOS's aios.toml on a small vfat volume labelled cidata.
  const dir = join(work, 'seed');
  run(['mkdir', dir]);
  writeFileSync(join(dir, 'meta-data'), `instance-id: ${SEED_INSTANCE}\nlocal-hostname: ${SEED_HOSTNAME}\n`);
  const pub = readFileSync(`${graceKey}.pub`, 'utf8').trim();
  writeFileSync(
    join(dir, 'aios.toml'),
    `[[users]]\nname = "grace"\nrole = "operator"\nssh_authorized_keys = ["${pub}"]\n`,
  );
  seed = join(work, 'seed.img');
  run(['mkfs.fat', '-n', 'cidata', '-C', seed, '2048']);
  run(['mcopy', '-i', seed, join(dir, 'meta-data'), join(dir, 'aios.toml'), '::/']);
});

afterAll(() => {
  rig?.kill();
  figures['accel'] = rig?.accel;
  if (image !== undefined) writeFileSync(join(imageOutDir(), DISK_FIGURES), JSON.stringify(figures, null, 2) + '\n');
  process.stderr.write(`disk image figures: ${JSON.stringify(figures)}\n`);
  rmSync(work, { recursive: true, force: true });
});

describe('the aiOS disk image under QEMU', () => {
  it(
    "boots from its seed: the host name is set, and the seed's SSH key logs in and lands in the TUI",
    async () => {
      const { node, promptS } = await rig.boot('disk-first', [
        { file: overlay, format: 'qcow2' },
        { file: seed, format: 'raw' },
      ]);
      figures['firstBootGrubToLoginPromptS'] = promptS;
      const t = node.serial.transcript();
      expect(t).toMatch(/state: \/var\/lib\/aios is on the root filesystem \(\/dev\/vda3, ext4; it persists\)/);
      expect(t).toMatch(
        new RegExp(
          `seed: /dev/vdb, instance ${SEED_INSTANCE}: host name ${SEED_HOSTNAME}; created grace \\(operator, 1 SSH key\\)`,
        ),
      );
      expect(t).toMatch(new RegExp(`${SEED_HOSTNAME} login: `));
      await waitForSsh(node.sshPort, graceKey, 'grace', 300_000);
      const tui = sshTui(node.sshPort, graceKey, 'grace');
      try {
        await tui.waitFor(/goal>/, 180_000);
        await tui.waitFor(/aiosd ok.*grace \(operator\)/, 60_000);
      } finally {
        tui.kill();
      }
    },
    BOOT_TIMEOUT_MS + 10 * 60_000,
  );

  it(
    'approved goals install a package from the offline repository, write a file in /etc and enable a service',
    async () => {
      if (rig.vm === undefined) throw new Error('no VM');
      hostKeyBefore = hostKeyFingerprint(rig.vm.sshPort);
      const pkg = await rig.tool('pkg.install', { packages: ['aios-hello'] });
      expect(pkg.state, pkg.message ?? '').toBe('succeeded');
      const etc = await rig.tool('fs.write', { path: ETC_FILE, content: 'written by a goal before the reboot\n' });
      expect(etc.state, etc.message ?? '').toBe('succeeded');
      const service = await rig.tool('service.enable', { unit: PROBE_SERVICE });
      expect(service.state, service.message ?? '').toBe('succeeded');
      Object.assign(goals, { pkg: pkg.id, etc: etc.id, service: service.id });
      expect((await rig.asRoot("dpkg-query -W -f '${db:Status-Status}' aios-hello")).stdout).toBe('installed');
    },
    15 * 60_000,
  );

  it(
    'after a reboot the package, the /etc edit and the enabled service are all there',
    async () => {
      await rig.rebootAndWait();
      // The seed volume is still attached: it is not applied a second time.
      const booted = await rig.boot('disk-second', [
        { file: overlay, format: 'qcow2' },
        { file: seed, format: 'raw' },
      ]);
      const { node } = booted;
      figures['grubToLoginPromptS'] = booted.promptS;
      figures['grubToTuiS'] = await rig.serialTui(booted);
      expect(node.serial.transcript()).toMatch(
        new RegExp(`seed: applied at the first boot \\([^,]+, instance ${SEED_INSTANCE}\\); not read again`),
      );
      await waitForSsh(
        node.sshPort,
        image.key,
        'rescue',
        300_000,
        passwordLogin(node.sshPort, TEST_ACCOUNTS.rescue, work),
      );
      await rig.expectCleanRoot();
      expect((await rig.asRoot("dpkg-query -W -f '${db:Status-Status}' aios-hello")).stdout).toBe('installed');
      expect((await rig.asRoot('cat /usr/share/aios-hello/VERSION')).stdout).toMatch(/^1\.\d\n$/);
      expect((await rig.asRoot(`cat ${ETC_FILE}`)).stdout).toBe('written by a goal before the reboot\n');
      expect((await rig.asRoot('aios-init ctl list')).out).toMatch(
        new RegExp(`^${PROBE_SERVICE} +active +enabled`, 'm'),
      );
    },
    BOOT_TIMEOUT_MS + 10 * 60_000,
  );

  it(
    'the SSH host key fingerprint is unchanged across the reboot',
    () => {
      if (rig.vm === undefined) throw new Error('no VM');
      expect(hostKeyBefore).toMatch(/^SHA256:/);
      expect(hostKeyFingerprint(rig.vm.sshPort)).toBe(hostKeyBefore);
    },
    5 * 60_000,
  );

  it(
    'rolling the goals back after the reboot restores the state before them',
    async () => {
      for (const id of [goals.service, goals.etc, goals.pkg]) {
        expect(id).not.toBe('');
        const back = await rig.goal(`aios rollback ${id} --yes --json`);
        expect(back.state, back.message ?? '').toBe('rolled_back');
      }
      const status = await rig.asRoot("dpkg-query -W -f '${db:Status-Status}' aios-hello");
      expect(status.stdout).not.toMatch(/^installed$/);
      expect((await rig.asRoot(`test -e ${ETC_FILE}; echo $?`)).stdout.trim()).toBe('1');
      expect((await rig.asRoot('aios-init ctl list')).out).toMatch(
        // Enabling is a boot-time setting, and so is its rollback: the next boot leaves it off.
        new RegExp(`^${PROBE_SERVICE} +\\S+ +disabled`, 'm'),
      );
    },
    15 * 60_000,
  );

  it(
    "the live ISO's installer writes the layout to a blank disk, which then boots on its own into the TUI, and again after a reboot",
    async () => {
      rig.kill();
      const target = join(work, 'target.qcow2');
      run(['qemu-img', 'create', '-q', '-f', 'qcow2', target, '4G']);
      const live = await bootNode({
        iso: image.iso,
        disks: [{ file: target, format: 'qcow2' }],
        accel: rig.accel,
        workDir: work,
        name: 'installer',
      });
      rig.vm = live;
      await live.serial.waitForOutput(READY, BOOT_TIMEOUT_MS);
      await waitForSsh(live.sshPort, image.key, 'rescue', 300_000, rig.login());
      const refused = await rig.asRoot('echo vda | aios-init install-disk /dev/vda');
      expect(refused.status).toBe(2);
      expect(refused.out).toMatch(/not confirmed \(the answer was not \/dev\/vda\); nothing was written/);
      const installed = await rig.asRoot('echo /dev/vda | aios-init install-disk /dev/vda', 15 * 60_000);
      expect(installed.status, `install-disk said:\n${installed.out}`).toBe(0);
      expect(installed.out).toMatch(/aiOS is installed on \/dev\/vda/);
      const from = live.serial.transcript().length;
      await rig.asRoot('aios-init poweroff');
      await rig.restarted(/poweroff now/, 300_000, from);

      const first = await rig.boot('installed', [{ file: target, format: 'qcow2' }]);
      const t = first.node.serial.transcript();
      expect(t).toMatch(/state: \/var\/lib\/aios is on the root filesystem \(\/dev\/vda3, ext4; it persists\)/);
      expect(t).toMatch(/seed: none at the first boot/);
      expect(t).toMatch(/aiOS ready/);
      // A login on the installed disk's serial console lands in the TUI.
      await rig.serialTui(first);
      // It survives a reboot: the same disk boots again, and the first boot's record is kept.
      await waitForSsh(first.node.sshPort, image.key, 'rescue', 300_000, rig.login());
      await rig.rebootAndWait();
      const again = await rig.boot('installed-again', [{ file: target, format: 'qcow2' }]);
      const t2 = again.node.serial.transcript();
      expect(t2).toMatch(/state: \/var\/lib\/aios is on the root filesystem \(\/dev\/vda3, ext4; it persists\)/);
      expect(t2).toMatch(/seed: .*not read again/);
      expect(t2).toMatch(/aiOS ready/);
      await rig.serialTui(again);
      await waitForSsh(again.node.sshPort, image.key, 'rescue', 300_000, rig.login());
      await rig.expectCleanRoot();
      rig.kill();
    },
    3 * BOOT_TIMEOUT_MS + 20 * 60_000,
  );

  it(
    'boot time: plain Debian with systemd, built the same way, booted in the same run for the ratio',
    async () => {
      rig.kill();
      const debian = buildPlainDebian();
      const plain = join(work, 'debian.qcow2');
      run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', debian.disk, plain]);
      const { promptS } = await rig.boot('debian', [{ file: plain, format: 'qcow2' }], {
        prompt: /debian login: /,
        ready: false,
      });
      figures['debianGrubToLoginPromptS'] = promptS;
      rig.kill();
      expect(figures['grubToLoginPromptS']).toBeGreaterThan(0);
    },
    BOOT_TIMEOUT_MS + 40 * 60_000,
  );
});
