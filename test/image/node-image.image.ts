// The proof that the image works: build it, boot it under QEMU, and use it the way a person
// would, through the serial console and SSH. Run with `npm run test:image` (root or
// passwordless sudo; see the README for what it needs and how long it takes).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BOOT_FIGURES } from '../../iso/image-paths.js';
import { BootTimeline } from '../../src/protocol/boot-timeline.js';
import { spawnInPty, type PtyScreen } from '../helpers/pty-screen.js';
import { TEST_ACCOUNTS, type TestImage } from './image-build.js';
import { bootNode, type NodeVm } from './qemu-node.js';
import { shQuote } from '../../init/login/host-files.js';
import { GoalView } from '../../src/protocol/model.js';
import { passwordLogin, runAsRoot, sshArgs, waitForSsh } from './ssh.js';
import { diagnoseFailures } from './vm-diagnostics.js';

const BOOT_TIMEOUT_MS = 10 * 60_000;
const testStarted = Date.now();
let image: TestImage;
let vm: NodeVm | undefined;
/** A second boot of the same image (rescue mode, UEFI) while its test runs. */
let sideVm: NodeVm | undefined;
let work: string;
const figures: Record<string, unknown> = {};
const failures = diagnoseFailures(() => {
  const node = vm ?? sideVm;
  return node === undefined
    ? null
    : {
        vm: node,
        login: passwordLogin(node.sshPort, TEST_ACCOUNTS.rescue, work),
        user: 'rescue',
        rootPassword: TEST_ACCOUNTS.root,
      };
});

/** A TUI over SSH; its screen is shown if the test fails (it stays readable after kill()). */
function sshTui(port: number, key: string, user: string, name: string): PtyScreen {
  const tui = spawnInPty('ssh', [...sshArgs(port, key), '-tt', `${user}@127.0.0.1`], {
    cols: 80,
    rows: 24,
    env: { ...process.env },
    term: 'xterm-256color',
  });
  failures.screen(name, tui.text);
  return tui;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'aios-image-test-'));
  image = inject('image'); // built by global-setup.ts
  figures['isoBytes'] = image.info?.isoBytes;
  figures['buildSeconds'] = image.builtInS;
  figures['accel'] = inject('accel');
});

afterAll(() => {
  vm?.kill();
  figures['testImageTotalS'] = (Date.now() - testStarted) / 1000;
  if (image !== undefined) writeFileSync(join(image.outDir, BOOT_FIGURES), JSON.stringify(figures, null, 2) + '\n');
  process.stderr.write(`image test figures: ${JSON.stringify(figures)}\n`);
  rmSync(work, { recursive: true, force: true });
});

describe('the aiOS node image under QEMU', () => {
  let kernelStartAt = 0;

  it(
    'boots through every phase to a ready node',
    async () => {
      vm = await bootNode({
        iso: image.iso,
        stateDisk: image.stateDisk,
        accel: figures['accel'] as 'kvm' | 'tcg',
        workDir: work,
        hvc: true,
      });
      const ready = await vm.serial.waitForOutput(
        /aiOS (ready|degraded) in ([\d.]+) s \(kernel start → autonomy ([\d.]+) s\)/,
        BOOT_TIMEOUT_MS,
      );
      const transcript = vm.serial.transcript();
      expect(transcript).toMatch(/phase hardware: ok — .*cpu: 2 × .*minimum requirements met/);
      expect(transcript).toMatch(/state: \/dev\/vd[a-z] \(AIOS-STATE\) mounted on \/var\/lib\/aios/);
      expect(transcript).toMatch(/phase ai-runtime: skipped — no model configured/);
      // warn: aiosd answers but reports a problem of its own (shown in the TUI's status bar).
      expect(transcript).toMatch(/phase core-services: (ok|warn) — aiosd [\d.]+ pid \d+, system mode, health/);
      expect(transcript).toMatch(/phase agent-spawn: ok — planners: reactive/);
      expect(transcript).toMatch(
        /phase autonomy: ok — .*logins: .*sshd running.*getty@ttyS0 running.*getty@hvc0 running/,
      );
      expect(ready.match[1]).toBe('ready');
      kernelStartAt = ready.at - Number(ready.match[3]) * 1000;
      figures['kernelToAutonomyS'] = Number(ready.match[3]);
      figures['initToAutonomyS'] = Number(ready.match[2]);
      figures['qemuToReadyS'] = (ready.at - vm.startedAt) / 1000;
    },
    BOOT_TIMEOUT_MS,
  );

  it(
    'a serial console login ends in the aiOS TUI',
    async () => {
      if (vm === undefined) throw new Error('no VM');
      const prompt = await vm.serial.waitForOutput(/aios-node login: /, 120_000);
      figures['kernelToLoginPromptS'] = (prompt.at - kernelStartAt) / 1000;
      vm.type('root\r');
      await vm.serial.waitForOutput(/Password: /, 60_000, prompt.end);
      const typedAt = Date.now();
      vm.type(`${TEST_ACCOUNTS.root}\r`);
      const tuiAt = await vm.serial.waitForScreen(/goal>/, 120_000);
      await vm.serial.waitForScreen(/aiosd ok.*root \(admin\)/, 60_000);
      figures['passwordToTuiS'] = (tuiAt - typedAt) / 1000;
      figures['kernelToTuiS'] = (tuiAt - kernelStartAt) / 1000;
      expect(vm.serial.screen()).not.toMatch(/root@aios-node|# $/m);
    },
    5 * 60_000,
  );

  it(
    'a goal typed there becomes a plan, is approved with a key, runs, and is rolled back',
    async () => {
      if (vm === undefined) throw new Error('no VM');
      const file = '/tmp/aios-image-proof.txt';
      vm.type(`create a file ${file} containing booted on aiOS`);
      await vm.serial.waitForScreen(/booted on aiOS/, 60_000);
      vm.type('\r');
      // The goal's own header, not its row in the list above it: the row can show the new state a
      // frame before the submit's answer brings the plan up (and, on a state disk used before,
      // older goals' rows say succeeded and rolled back already).
      // One frame can arrive over the serial line in several reads: wait for the step too.
      await vm.serial.waitForScreen(/^goal \[awaiting approval\] create a file[\s\S]*fs\.write/m, 120_000);
      // The key guard: a command key acts only when pressed alone, well after the plan appeared.
      await new Promise((r) => setTimeout(r, 1500));
      vm.type('a');
      await vm.serial.waitForScreen(/^goal \[succeeded\] create a file/m, 120_000);

      // A second person, over SSH, sees the file the goal wrote.
      const ada = sshTui(vm.sshPort, image.key, 'ada', 'ada over SSH, before the rollback');
      try {
        await ada.waitFor(/aiosd ok/, 120_000);
        ada.write(`show ${file}\r`);
        await ada.waitFor(/booted on aiOS/, 120_000);
      } finally {
        ada.kill();
      }

      vm.type('r');
      // r shows what the rollback would do and waits for Y, itself pressed alone.
      await vm.serial.waitForScreen(/press Y to roll back/, 120_000);
      await new Promise((r) => setTimeout(r, 1500));
      vm.type('Y');
      await vm.serial.waitForScreen(/^goal \[rolled back\] create a file/m, 120_000);
      const after = sshTui(vm.sshPort, image.key, 'ada', 'ada over SSH, after the rollback');
      try {
        await after.waitFor(/aiosd ok/, 120_000);
        after.write(`show ${file}\r`);
        await after.waitFor(/no such file|ENOENT|does not exist|not found/i, 120_000);
      } finally {
        after.kill();
      }
    },
    10 * 60_000,
  );

  it(
    'a login on the virtio console (hvc0) ends in the TUI too',
    async () => {
      if (vm === undefined) throw new Error('no VM');
      const hvc = await vm.hvc();
      failures.screen('the virtio console (hvc0)', hvc.console.screen);
      try {
        hvc.type('\r'); // agetty prints its prompt again on a new line
        const prompt = await hvc.console.waitForOutput(/aios-node login: /, 120_000);
        hvc.type('ada\r');
        await hvc.console.waitForOutput(/Password: /, 60_000, prompt.end);
        hvc.type(`${TEST_ACCOUNTS.ada}\r`);
        await hvc.console.waitForScreen(/goal>/, 120_000);
        await hvc.console.waitForScreen(/aiosd ok.*ada \(operator\)/, 60_000);
        expect(hvc.console.screen()).not.toMatch(/ada@aios-node/);
        hvc.type('\u001b');
        await new Promise((r) => setTimeout(r, 500));
        hvc.type('\u0004'); // leave, so the getty is back for the next person
        await hvc.console.waitForOutput(/aios-node login: /, 120_000, prompt.end);
      } finally {
        hvc.close();
      }
    },
    10 * 60_000,
  );

  it(
    'an SSH login ends in the TUI too, and `ssh node cmd` or scp runs nothing',
    async () => {
      if (vm === undefined) throw new Error('no VM');
      await waitForSsh(vm.sshPort, image.key);
      const s = sshTui(vm.sshPort, image.key, 'ada', 'ada over SSH');
      try {
        await s.waitFor(/goal>/, 120_000);
        await s.waitFor(/aiosd ok.*ada \(operator\)/, 60_000);
      } finally {
        s.kill();
      }
      const cmd = spawnSync('ssh', [...sshArgs(vm.sshPort, image.key), 'root@127.0.0.1', 'cat /etc/shadow'], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(cmd.status).toBe(1);
      expect(cmd.stdout).not.toMatch(/root:/);
      expect(cmd.stderr).toMatch(/aios-shell: this account logs in to aiOS; commands are not run through a shell/);
      const copy = join(work, 'shadow-copy');
      const scp = spawnSync(
        'scp',
        [...sshArgs(vm.sshPort, image.key).map((a) => (a === '-p' ? '-P' : a)), 'root@127.0.0.1:/etc/shadow', copy],
        { encoding: 'utf8', timeout: 120_000 },
      );
      expect(scp.status).not.toBe(0);
      expect(existsSync(copy)).toBe(false);
    },
    10 * 60_000,
  );

  // service.* where aios-init is init: through aiOS's CLI as root, against aios-init's own
  // supervisor over /run/aios/init.sock. Only sshd-keys (a oneshot that has nothing left to do
  // once the host key exists) is changed: stopping sshd or a getty would cut the test off.
  it(
    "service.* go through aios-init's supervisor: lists, refuses to stop aiosd, and a disable rolls back",
    async () => {
      if (vm === undefined) throw new Error('no VM');
      const login = passwordLogin(vm.sshPort, TEST_ACCOUNTS.rescue, work);
      // Run alone (vitest -t), this case may come before sshd answers.
      await waitForSsh(vm.sshPort, image.key, 'rescue', 300_000, login);
      const root = (command: string): { status: number | null; stdout: string; stderr: string } =>
        runAsRoot(login, 'rescue', TEST_ACCOUNTS.root, command);
      const goal = (command: string): GoalView => {
        const r = root(command);
        try {
          return GoalView.parse(JSON.parse(r.stdout));
        } catch (err) {
          throw new Error(
            `${command}: not a goal (${(err as Error).message}); exit ${r.status}: ${r.stdout}${r.stderr}`,
          );
        }
      };
      const tool = (name: string, args: Record<string, unknown>): GoalView =>
        goal(`aios tool ${name} --args ${shQuote(JSON.stringify(args))} --yes --confirm --json`);
      const list = tool('service.list', {});
      expect(list.state).toBe('succeeded');
      expect(list.plan?.steps[0]?.preview.summary).toBe('list services (aios-init)');
      expect(list.plan?.steps[0]?.output).toMatch(/^aiosd +active/m);
      expect(list.plan?.steps[0]?.output).toMatch(/^sshd +active/m);
      expect(list.plan?.steps[0]?.output).toMatch(/^getty@ttyS0 +active/m);
      const stop = tool('service.stop', { unit: 'aiosd' });
      expect(stop.state).toBe('failed');
      expect(stop.plan?.steps[0]?.error).toMatch(/refusing to stop aiosd: aiosd must keep running/);
      const getty = tool('service.disable', { unit: 'getty@ttyS0' });
      expect(getty.plan?.steps[0]?.error).toMatch(/refusing to disable getty@ttyS0: the login prompt on ttyS0/);
      const socket = root('stat -c %a:%U /run/aios/init.sock');
      expect(socket.stdout.trim()).toBe('600:root');

      const disable = tool('service.disable', { unit: 'sshd-keys' });
      expect(disable.state, disable.message ?? '').toBe('succeeded');
      expect(root('aios-init ctl status sshd-keys').stdout).toMatch(
        /disabled at boot through the control channel \(uid 0\)/,
      );
      expect(JSON.parse(root('cat /var/lib/aios/init-services.json').stdout)).toEqual({
        version: 1,
        services: { 'sshd-keys': false },
      });
      const back = goal(`aios rollback ${disable.id} --yes --json`);
      expect(back.state, back.message ?? '').toBe('rolled_back');
      expect(back.message).toMatch(/restored services: enable sshd-keys/);
      expect(root('aios-init ctl list').stdout).toMatch(/^sshd-keys +inactive +enabled/m);
    },
    10 * 60_000,
  );

  it(
    'leaving the TUI gives the login prompt back, and the break-glass account gets a normal shell',
    async () => {
      if (vm === undefined) throw new Error('no VM');
      const from = vm.serial.transcript().length;
      vm.type('\u001b'); // Esc: back to the input line, whatever has the focus
      await new Promise((r) => setTimeout(r, 500));
      vm.type('\u0004'); // Ctrl-D on an empty line leaves
      const prompt = await vm.serial.waitForOutput(/aios-node login: /, 120_000, from);
      vm.type('rescue\r');
      await vm.serial.waitForOutput(/Password: /, 60_000, prompt.end);
      vm.type(`${TEST_ACCOUNTS.rescue}\r`);
      const shell = await vm.serial.waitForOutput(/rescue@aios-node:~\$ /, 120_000, prompt.end);
      vm.type('echo "shell of $(id -un): $0"\r');
      await vm.serial.waitForOutput(/shell of rescue: -bash/, 60_000, shell.end);
      vm.type('exit\r');
      await vm.serial.waitForOutput(/aios-node login: /, 120_000, shell.end);
    },
    10 * 60_000,
  );

  it(
    'Ctrl-Alt-Del stops the node in order and reboots it; the timeline is on the state disk',
    async () => {
      if (vm === undefined) throw new Error('no VM');
      const from = vm.serial.transcript().length;
      await vm.monitor('sendkey ctrl-alt-delete');
      // The TUI owns the console now, so the shutdown is read from aios-init's own lines.
      await vm.serial.waitForOutput(/SIGINT: reboot/, 120_000, from);
      await vm.serial.waitForOutput(/reboot now/, 180_000, from);
      expect(await vm.exited).toBe(0); // -no-reboot: QEMU exits when the guest reboots
      vm = undefined;
      const r = spawnSync('debugfs', ['-R', 'cat /boot-timeline.json', image.stateDisk], { encoding: 'utf8' });
      const timeline = BootTimeline.parse(JSON.parse(r.stdout));
      expect(timeline.mode).toBe('pid1');
      expect(timeline.phases.map((p) => `${p.name} ${p.status}`).join(', ')).toMatch(
        /^hardware ok, ai-runtime skipped, core-services (ok|warn), agent-spawn ok, autonomy ok$/,
      );
      expect(timeline.state).toBe('stopping');
      figures['phases'] = timeline.phases.map((p) => ({ name: p.name, s: (p.endS ?? 0) - (p.startS ?? 0) }));
    },
    10 * 60_000,
  );

  it(
    "rescue mode asks for root's password before it opens a shell, and powers off on request",
    async () => {
      const rescue = await bootNode({
        iso: image.iso,
        stateDisk: image.stateDisk,
        accel: figures['accel'] as 'kvm' | 'tcg',
        workDir: work,
        name: 'rescue',
      });
      sideVm = rescue;
      try {
        const menu = await rescue.serial.waitForOutput(/Use the \^ and v keys/, 180_000);
        // Editing an entry (to add init=/bin/sh) needs GRUB's superuser; a wrong password gets the menu back.
        rescue.type('e');
        const user = await rescue.serial.waitForOutput(/Enter username:/, 60_000, menu.end);
        rescue.type('root\r');
        const pass = await rescue.serial.waitForOutput(/Enter password:/, 60_000, user.end);
        rescue.type('not-the-grub-password\r');
        const denied = await rescue.serial.waitForOutput(/access denied/i, 60_000, pass.end);
        const back = await rescue.serial.waitForOutput(/Use the \^ and v keys|Press any key/, 60_000, denied.end);
        if (back.match[0] === 'Press any key') {
          rescue.type(' ');
          await rescue.serial.waitForOutput(/Use the \^ and v keys/, 60_000, back.end);
        }
        expect(rescue.serial.transcript().slice(menu.end)).not.toMatch(/setparams|linux\s+\/live\/vmlinuz/);
        rescue.type('\u000e'); // Ctrl-N: the next menu entry, "aiOS rescue"
        rescue.type('\r');
        const ask = await rescue.serial.waitForOutput(/Give root password for maintenance/, BOOT_TIMEOUT_MS);
        expect(rescue.serial.transcript()).toMatch(/rescue mode: aiosd is not started/);
        rescue.type('\u0004'); // Ctrl-D, "continue": no boot goes on, sulogin asks again
        const again = await rescue.serial.waitForOutput(/Give root password for maintenance/, 120_000, ask.end);
        rescue.type('not-the-password\r');
        const wrong = await rescue.serial.waitForOutput(/Login incorrect/, 120_000, again.end);
        const prompt = await rescue.serial.waitForOutput(/Give root password for maintenance/, 120_000, wrong.end);
        expect(rescue.serial.transcript().slice(again.end, prompt.end)).not.toMatch(/root@aios-node/);
        rescue.type(`${TEST_ACCOUNTS.root}\r`);
        const shell = await rescue.serial.waitForOutput(/root@aios-node:~# /, 120_000, prompt.end);
        rescue.type('echo "rescue shell: $0"; aios-init poweroff\r');
        await rescue.serial.waitForOutput(/rescue shell: -?(\/bin\/)?bash/, 60_000, shell.end);
        await rescue.serial.waitForOutput(/poweroff now/, 120_000, shell.end);
        expect(await rescue.exited).toBe(0);
      } finally {
        rescue.kill();
      }
    },
    BOOT_TIMEOUT_MS,
  );

  it(
    'boots under UEFI firmware as well, and the ACPI power button powers it off in order',
    async () => {
      const uefi = await bootNode({
        iso: image.iso,
        stateDisk: image.stateDisk,
        accel: figures['accel'] as 'kvm' | 'tcg',
        workDir: work,
        uefi: true,
        name: 'uefi',
      });
      sideVm = uefi;
      try {
        const ready = await uefi.serial.waitForOutput(
          /aiOS (ready|degraded) in [\d.]+ s \(kernel start → autonomy ([\d.]+) s\)/,
          BOOT_TIMEOUT_MS,
        );
        expect(ready.match[1]).toBe('ready');
        figures['uefiQemuToReadyS'] = (ready.at - uefi.startedAt) / 1000;
        // aios-init opens the button once udev has loaded its drivers, shortly after ready; a press
        // before that is lost, as it would be on a real machine, so the test presses again.
        let pressed: Awaited<ReturnType<typeof uefi.serial.waitForOutput>> | null = null;
        for (let i = 0; i < 12 && pressed === null; i++) {
          await uefi.monitor('system_powerdown');
          pressed = await uefi.serial.waitForOutput(/power button: poweroff/, 15_000, ready.end).catch(() => null);
        }
        if (pressed === null)
          throw new Error(`aios-init never saw the power button:\n${uefi.serial.transcript().slice(ready.end)}`);
        await uefi.serial.waitForOutput(/stopping services/, 120_000, pressed.end);
        await uefi.serial.waitForOutput(/poweroff now/, 180_000, pressed.end);
        expect(await uefi.exited).toBe(0);
      } finally {
        uefi.kill();
      }
    },
    BOOT_TIMEOUT_MS,
  );
});
