// The other way aiOS runs: on a Debian host whose init is systemd, with aios-init as the
// aios-init.service unit that `aios-init install --init systemd` wrote (the image variant that
// `iso/build-image.sh --init systemd` builds). systemd runs the gettys and sshd; a serial
// login must still land in the aiOS TUI, and aios-init must have booted in service mode.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { BootTimeline } from '../../src/protocol/boot-timeline.js';
import { buildTestImage, TEST_ACCOUNTS, type TestImage } from './image-build.js';
import { bootNode, type NodeVm } from './qemu-node.js';
import { passwordLogin, sshArgs, waitForSsh } from './ssh.js';

const BOOT_TIMEOUT_MS = 12 * 60_000;
let image: TestImage;
let vm: NodeVm | undefined;
let work: string;
const figures: Record<string, unknown> = {};

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'aios-systemd-image-'));
  image = buildTestImage({ init: 'systemd' });
  figures['isoBytes'] = image.info?.isoBytes;
  figures['buildSeconds'] = image.builtInS;
}, 30 * 60_000);

afterAll(() => {
  vm?.kill();
  if (image !== undefined) writeFileSync(join(image.outDir, 'systemd-figures.json'), JSON.stringify(figures, null, 2) + '\n');
  process.stderr.write(`systemd image figures: ${JSON.stringify(figures)}\n`);
  rmSync(work, { recursive: true, force: true });
});

describe('aiOS under systemd (aios-init.service), booted under QEMU', () => {
  it('a serial login lands in the TUI, and aios-init booted as a systemd service', async () => {
    vm = await bootNode({ iso: image.iso, stateDisk: image.stateDisk, accel: inject('accel'), workDir: work, name: 'systemd' });
    const prompt = await vm.serial.waitForOutput(/aios-node login: /, BOOT_TIMEOUT_MS);
    figures['qemuToLoginPromptS'] = (prompt.at - vm.startedAt) / 1000;
    vm.type('root\r');
    await vm.serial.waitForOutput(/Password: /, 60_000, prompt.end);
    vm.type(`${TEST_ACCOUNTS.root}\r`);
    await vm.serial.waitForScreen(/goal>/, 180_000);
    // aiosd may still be starting when the getty opens: the TUI says so and retries.
    await vm.serial.waitForScreen(/aiosd ok.*root \(admin\)/, 300_000);
    expect(vm.serial.screen()).not.toMatch(/root@aios-node/);

    const rescue = passwordLogin(vm.sshPort, TEST_ACCOUNTS.rescue, work);
    await waitForSsh(vm.sshPort, image.key, 'rescue', 300_000, rescue);
    // systemctl needs D-Bus for a user other than root, and the image has none: the process's
    // cgroup names its unit just as well.
    const boot = spawnSync('ssh', [...rescue.args, 'rescue@127.0.0.1',
      "aios boot --json; cat /proc/1/comm; for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null | grep -q 'aios-init[.]js service' && cat $p/cgroup; done | head -1; findmnt -no SOURCE,TARGET /var/lib/aios"], { encoding: 'utf8', timeout: 120_000, env: rescue.env });
    const [json = '', pid1, cgroup, mount] = boot.stdout.trim().split('\n');
    const r = z.object({ timeline: BootTimeline, stale: z.boolean() }).parse(JSON.parse(json));
    expect(r.stale).toBe(false);
    const timeline = r.timeline;
    expect(timeline.mode).toBe('service');
    expect(timeline.phases.map((p) => `${p.name} ${p.status}`).join(', ')).toMatch(/^hardware ok, ai-runtime skipped, core-services (ok|warn), agent-spawn ok, autonomy ok$/);
    expect(pid1).toBe('systemd');
    expect(cgroup).toMatch(/\/system\.slice\/aios-init\.service$/);
    expect(mount).toMatch(/^\/dev\/vd[a-z] \/var\/lib\/aios$/);

    const cmd = spawnSync('ssh', [...sshArgs(vm.sshPort, image.key), 'root@127.0.0.1', 'cat /etc/shadow'], { encoding: 'utf8', timeout: 120_000 });
    expect(cmd.status).toBe(1);
    expect(cmd.stdout).not.toMatch(/root:/);
  }, BOOT_TIMEOUT_MS + 15 * 60_000);
});
