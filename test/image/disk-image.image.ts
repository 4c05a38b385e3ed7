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
import { shQuote } from '../../init/login/host-files.js';
import { GoalView } from '../../src/protocol/model.js';
import { spawnInPty, type PtyScreen } from '../helpers/pty-screen.js';
import { DISK_FIGURES, imageOutDir } from '../../iso/image-paths.js';
import { buildPlainDebian, PROBE_SERVICE, TEST_ACCOUNTS, type TestImage } from './image-build.js';
import { bootNode, type NodeVm } from './qemu-node.js';
import { passwordLogin, sshArgs, waitForSsh } from './ssh.js';
import { diagnoseFailures, sshRun } from './vm-diagnostics.js';

const BOOT_TIMEOUT_MS = 12 * 60_000;
const READY = /aiOS (ready|degraded) in ([\d.]+) s \(kernel start → autonomy ([\d.]+) s\)/;
const SEED_HOSTNAME = 'seeded-node';
const SEED_INSTANCE = 'iid-aios-disk-test-1';
const ETC_FILE = '/etc/aios-persist-proof.conf';

let image: TestImage;
let accel: 'kvm' | 'tcg';
let work: string;
let vm: NodeVm | undefined;
let overlay: string;
let seed: string;
let graceKey: string;
const goals: Record<'pkg' | 'etc' | 'service', string> = { pkg: '', etc: '', service: '' };
let hostKeyBefore = '';
const figures: Record<string, unknown> = {};

const failures = diagnoseFailures(() =>
  vm === undefined
    ? null
    : {
        vm,
        login: passwordLogin(vm.sshPort, TEST_ACCOUNTS.rescue, work),
        user: 'rescue',
        rootPassword: TEST_ACCOUNTS.root,
      },
);

function run(argv: string[]): string {
  const r = spawnSync(argv[0] ?? 'false', argv.slice(1), { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** A command as root: SSH as the break-glass account, then su (root's own shell refuses commands). */
async function asRoot(
  command: string,
  timeoutMs = 300_000,
): Promise<{ status: number | null; out: string; stdout: string }> {
  if (vm === undefined) throw new Error('no VM');
  const login = passwordLogin(vm.sshPort, TEST_ACCOUNTS.rescue, work);
  const r = await sshRun(login, 'rescue', `su -s /bin/sh -c ${shQuote(command)} root`, {
    input: `${TEST_ACCOUNTS.root}\n`,
    timeoutMs,
  });
  // su's "Password:" prompt goes to stderr.
  return { status: r.status, out: `${r.stdout}${r.stderr.replace(/^Password: ?/, '')}`, stdout: r.stdout };
}

async function goal(command: string): Promise<GoalView> {
  const r = await asRoot(command);
  try {
    return GoalView.parse(JSON.parse(r.stdout));
  } catch (err) {
    throw new Error(`${command}: not a goal (${(err as Error).message}); exit ${r.status}: ${r.out}`);
  }
}

const tool = (name: string, args: Record<string, unknown>): Promise<GoalView> =>
  goal(`aios tool ${name} --args ${shQuote(JSON.stringify(args))} --yes --confirm --json`);

/** The host key as an SSH client sees it: ssh-keyscan's key, fingerprinted by ssh-keygen. */
function hostKeyFingerprint(port: number): string {
  const scan = run(['ssh-keyscan', '-T', '60', '-t', 'ed25519', '-p', String(port), '127.0.0.1']);
  const r = spawnSync('ssh-keygen', ['-l', '-f', '-'], { input: scan, encoding: 'utf8' });
  const fp = /SHA256:\S+/.exec(r.stdout)?.[0];
  if (fp === undefined) throw new Error(`no fingerprint in ${scan}`);
  return fp;
}

/**
 * Boots from the first disk and waits for the login prompt (`host login: `), timed from the
 * moment GRUB hands over to the kernel ("loading the kernel", the same grub.cfg for aiOS and
 * plain Debian); with `ready`, for aios-init's ready line as well.
 */
async function bootDisk(
  name: string,
  disks: { file: string; format: 'raw' | 'qcow2' }[],
  o: { prompt: RegExp; ready?: boolean } = { prompt: /\S+ login: /, ready: true },
): Promise<{ node: NodeVm; grubAt: number; promptS: number; promptEnd: number }> {
  const node = await bootNode({ disks, accel, workDir: work, name });
  vm = node;
  const grub = await node.serial.waitForOutput(/loading the kernel/, BOOT_TIMEOUT_MS);
  if (o.ready !== false) await node.serial.waitForOutput(READY, BOOT_TIMEOUT_MS, grub.end);
  const prompt = await node.serial.waitForOutput(o.prompt, BOOT_TIMEOUT_MS, grub.end);
  return { node, grubAt: grub.at, promptS: (prompt.at - grub.at) / 1000, promptEnd: prompt.end };
}

/** Logs in as root on the serial console; seconds from GRUB's hand-over to the TUI's first frame. */
async function serialTui(node: NodeVm, grubAt: number, promptEnd: number): Promise<number> {
  node.type('root\r');
  await node.serial.waitForOutput(/Password: /, 120_000, promptEnd);
  node.type(`${TEST_ACCOUNTS.root}\r`);
  const tuiAt = await node.serial.waitForScreen(/goal>/, 180_000);
  await node.serial.waitForScreen(/aiosd ok.*root \(admin\)/, 60_000);
  return (tuiAt - grubAt) / 1000;
}

async function rebootAndWait(): Promise<void> {
  if (vm === undefined) throw new Error('no VM');
  const from = vm.serial.transcript().length;
  const r = await asRoot('aios-init reboot');
  expect(r.out).toMatch(/reboot requested/);
  await vm.serial.waitForOutput(/reboot now/, 300_000, from);
  expect(await vm.exited).toBe(0); // -no-reboot: QEMU exits when the guest reboots
  vm = undefined;
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
  accel = inject('accel');
  work = mkdtempSync(join(tmpdir(), 'aios-disk-test-'));
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
  vm?.kill();
  figures['accel'] = accel;
  if (image !== undefined) writeFileSync(join(imageOutDir(), DISK_FIGURES), JSON.stringify(figures, null, 2) + '\n');
  process.stderr.write(`disk image figures: ${JSON.stringify(figures)}\n`);
  rmSync(work, { recursive: true, force: true });
});

describe('the aiOS disk image under QEMU', () => {
  it(
    "boots from its seed: the host name is set, and the seed's SSH key logs in and lands in the TUI",
    async () => {
      const { node, promptS } = await bootDisk('disk-first', [
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
      if (vm === undefined) throw new Error('no VM');
      hostKeyBefore = hostKeyFingerprint(vm.sshPort);
      const pkg = await tool('pkg.install', { packages: ['aios-hello'] });
      expect(pkg.state, pkg.message ?? '').toBe('succeeded');
      const etc = await tool('fs.write', { path: ETC_FILE, content: 'written by a goal before the reboot\n' });
      expect(etc.state, etc.message ?? '').toBe('succeeded');
      const service = await tool('service.enable', { unit: PROBE_SERVICE });
      expect(service.state, service.message ?? '').toBe('succeeded');
      Object.assign(goals, { pkg: pkg.id, etc: etc.id, service: service.id });
      expect((await asRoot("dpkg-query -W -f '${db:Status-Status}' aios-hello")).stdout).toBe('installed');
    },
    15 * 60_000,
  );

  it(
    'after a reboot the package, the /etc edit and the enabled service are all there',
    async () => {
      await rebootAndWait();
      // The seed volume is still attached: it is not applied a second time.
      const { node, grubAt, promptS, promptEnd } = await bootDisk('disk-second', [
        { file: overlay, format: 'qcow2' },
        { file: seed, format: 'raw' },
      ]);
      figures['grubToLoginPromptS'] = promptS;
      figures['grubToTuiS'] = await serialTui(node, grubAt, promptEnd);
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
      expect((await asRoot("dpkg-query -W -f '${db:Status-Status}' aios-hello")).stdout).toBe('installed');
      expect((await asRoot('cat /usr/share/aios-hello/VERSION')).stdout).toMatch(/^1\.\d\n$/);
      expect((await asRoot(`cat ${ETC_FILE}`)).stdout).toBe('written by a goal before the reboot\n');
      expect((await asRoot('aios-init ctl list')).out).toMatch(new RegExp(`^${PROBE_SERVICE} +active +enabled`, 'm'));
    },
    BOOT_TIMEOUT_MS + 10 * 60_000,
  );

  it(
    'the SSH host key fingerprint is unchanged across the reboot',
    () => {
      if (vm === undefined) throw new Error('no VM');
      expect(hostKeyBefore).toMatch(/^SHA256:/);
      expect(hostKeyFingerprint(vm.sshPort)).toBe(hostKeyBefore);
    },
    5 * 60_000,
  );

  it(
    'rolling the goals back after the reboot restores the state before them',
    async () => {
      for (const id of [goals.service, goals.etc, goals.pkg]) {
        expect(id).not.toBe('');
        const back = await goal(`aios rollback ${id} --yes --json`);
        expect(back.state, back.message ?? '').toBe('rolled_back');
      }
      const status = await asRoot("dpkg-query -W -f '${db:Status-Status}' aios-hello");
      expect(status.stdout).not.toMatch(/^installed$/);
      expect((await asRoot(`test -e ${ETC_FILE}; echo $?`)).stdout.trim()).toBe('1');
      expect((await asRoot('aios-init ctl list')).out).toMatch(
        // Enabling is a boot-time setting, and so is its rollback: the next boot leaves it off.
        new RegExp(`^${PROBE_SERVICE} +\\S+ +disabled`, 'm'),
      );
    },
    15 * 60_000,
  );

  it(
    "the live ISO's installer writes the layout to a blank disk, which then boots on its own",
    async () => {
      if (vm !== undefined) {
        vm.kill();
        vm = undefined;
      }
      const target = join(work, 'target.qcow2');
      run(['qemu-img', 'create', '-q', '-f', 'qcow2', target, '4G']);
      vm = await bootNode({
        iso: image.iso,
        disks: [{ file: target, format: 'qcow2' }],
        accel,
        workDir: work,
        name: 'installer',
      });
      await vm.serial.waitForOutput(READY, BOOT_TIMEOUT_MS);
      const login = passwordLogin(vm.sshPort, TEST_ACCOUNTS.rescue, work);
      await waitForSsh(vm.sshPort, image.key, 'rescue', 300_000, login);
      const refused = await asRoot('echo vda | aios-init install-disk /dev/vda');
      expect(refused.status).toBe(2);
      expect(refused.out).toMatch(/not confirmed \(the answer was not \/dev\/vda\); nothing was written/);
      const installed = await asRoot('echo /dev/vda | aios-init install-disk /dev/vda', 15 * 60_000);
      expect(installed.out).toMatch(/aiOS is installed on \/dev\/vda/);
      expect(installed.status).toBe(0);
      const from = vm.serial.transcript().length;
      await asRoot('aios-init poweroff');
      await vm.serial.waitForOutput(/poweroff now/, 300_000, from);
      expect(await vm.exited).toBe(0);
      vm = undefined;
      const { node } = await bootDisk('installed', [{ file: target, format: 'qcow2' }]);
      const t = node.serial.transcript();
      expect(t).toMatch(/state: \/var\/lib\/aios is on the root filesystem \(\/dev\/vda3, ext4; it persists\)/);
      expect(t).toMatch(/seed: none at the first boot/);
      expect(t).toMatch(/aiOS ready/);
    },
    2 * BOOT_TIMEOUT_MS + 20 * 60_000,
  );

  it(
    'boot time: plain Debian with systemd, built the same way, booted in the same run for the ratio',
    async () => {
      if (vm !== undefined) {
        vm.kill();
        vm = undefined;
      }
      const debian = buildPlainDebian();
      const plain = join(work, 'debian.qcow2');
      run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', debian.disk, plain]);
      const { node, promptS } = await bootDisk('debian', [{ file: plain, format: 'qcow2' }], {
        prompt: /debian login: /,
        ready: false,
      });
      figures['debianGrubToLoginPromptS'] = promptS;
      node.kill();
      vm = undefined;
      expect(figures['grubToLoginPromptS']).toBeGreaterThan(0);
    },
    BOOT_TIMEOUT_MS + 40 * 60_000,
  );
});
