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
import { shQuote } from '../../init/login/host-files.js';
import { BootTimeline } from '../../src/protocol/boot-timeline.js';
import { GoalView } from '../../src/protocol/model.js';
import { buildTestImage, TEST_ACCOUNTS, type TestImage } from './image-build.js';
import { bootNode, type NodeVm } from './qemu-node.js';
import { passwordLogin, runAsRoot, sshArgs, waitForSsh } from './ssh.js';
import { diagnoseFailures } from './vm-diagnostics.js';

const BOOT_TIMEOUT_MS = 12 * 60_000;
let image: TestImage;
let vm: NodeVm | undefined;
/** The break-glass account's SSH login, once sshd answers. */
let rescue: ReturnType<typeof passwordLogin> | undefined;
let work: string;
const figures: Record<string, unknown> = {};
diagnoseFailures(() =>
  vm === undefined
    ? null
    : {
        vm,
        login: rescue ?? passwordLogin(vm.sshPort, TEST_ACCOUNTS.rescue, work),
        user: 'rescue',
        rootPassword: TEST_ACCOUNTS.root,
      },
);

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'aios-systemd-image-'));
  image = buildTestImage({ init: 'systemd' });
  figures['isoBytes'] = image.info?.isoBytes;
  figures['buildSeconds'] = image.builtInS;
}, 30 * 60_000);

afterAll(() => {
  vm?.kill();
  if (image !== undefined)
    writeFileSync(join(image.outDir, 'systemd-figures.json'), JSON.stringify(figures, null, 2) + '\n');
  process.stderr.write(`systemd image figures: ${JSON.stringify(figures)}\n`);
  rmSync(work, { recursive: true, force: true });
});

describe('aiOS under systemd (aios-init.service), booted under QEMU', () => {
  it(
    'a serial login lands in the TUI, and aios-init booted as a systemd service',
    async () => {
      vm = await bootNode({
        iso: image.iso,
        stateDisk: image.stateDisk,
        accel: inject('accel'),
        workDir: work,
        name: 'systemd',
      });
      const prompt = await vm.serial.waitForOutput(/aios-node login: /, BOOT_TIMEOUT_MS);
      figures['qemuToLoginPromptS'] = (prompt.at - vm.startedAt) / 1000;
      vm.type('root\r');
      await vm.serial.waitForOutput(/Password: /, 60_000, prompt.end);
      vm.type(`${TEST_ACCOUNTS.root}\r`);
      await vm.serial.waitForScreen(/goal>/, 180_000);
      // aiosd may still be starting when the getty opens: the TUI says so and retries.
      await vm.serial.waitForScreen(/aiosd ok.*root \(admin\)/, 300_000);
      expect(vm.serial.screen()).not.toMatch(/root@aios-node/);

      rescue = passwordLogin(vm.sshPort, TEST_ACCOUNTS.rescue, work);
      await waitForSsh(vm.sshPort, image.key, 'rescue', 300_000, rescue);
      // systemctl needs D-Bus for a user other than root, and the image has none: the process's
      // cgroup names its unit just as well.
      const boot = spawnSync(
        'ssh',
        [
          ...rescue.args,
          'rescue@127.0.0.1',
          "aios boot --json; cat /proc/1/comm; for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null | grep -q 'aios-init[.]js service' && cat $p/cgroup; done | head -1; findmnt -no SOURCE,TARGET /var/lib/aios",
        ],
        { encoding: 'utf8', timeout: 120_000, env: rescue.env },
      );
      const [json = '', pid1, cgroup, mount] = boot.stdout.trim().split('\n');
      const r = z.object({ timeline: BootTimeline, stale: z.boolean() }).parse(JSON.parse(json));
      expect(r.stale).toBe(false);
      const timeline = r.timeline;
      expect(timeline.mode).toBe('service');
      expect(timeline.phases.map((p) => `${p.name} ${p.status}`).join(', ')).toMatch(
        /^hardware ok, ai-runtime skipped, core-services (ok|warn), agent-spawn ok, autonomy ok$/,
      );
      expect(pid1).toBe('systemd');
      expect(cgroup).toMatch(/\/system\.slice\/aios-init\.service$/);
      expect(mount).toMatch(/^\/dev\/vd[a-z] \/var\/lib\/aios$/);

      const cmd = spawnSync('ssh', [...sshArgs(vm.sshPort, image.key), 'root@127.0.0.1', 'cat /etc/shadow'], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(cmd.status).toBe(1);
      expect(cmd.stdout).not.toMatch(/root:/);
    },
    BOOT_TIMEOUT_MS + 15 * 60_000,
  );

  // The service tools against the real thing: a throwaway unit, changed only through aiOS's CLI
  // (policy, approval with confirmation, snapshot, audit), checked with systemctl itself, and
  // each change rolled back to the very state systemd reported before it.
  it(
    'service.* through `aios tool` change a real unit, and `aios rollback` puts systemd back as it was',
    () => {
      const login = rescue;
      if (vm === undefined || login === undefined) throw new Error('the node did not boot (see the test above)');
      const started = Date.now();
      const root = (command: string): string => {
        const r = runAsRoot(login, 'rescue', TEST_ACCOUNTS.root, command);
        if (r.status !== 0) throw new Error(`as root: ${command}\nexit ${r.status}: ${r.stdout}${r.stderr}`);
        return r.stdout;
      };
      const unit = 'aios-probe.service';
      const goal = (stdout: string, why: string): GoalView => {
        try {
          return GoalView.parse(JSON.parse(stdout));
        } catch (err) {
          throw new Error(`not a goal (${(err as Error).message}): ${stdout}${why}`);
        }
      };
      const tool = (name: string, args: Record<string, unknown>): GoalView => {
        const r = runAsRoot(
          login,
          'rescue',
          TEST_ACCOUNTS.root,
          `aios tool ${name} --args ${shQuote(JSON.stringify(args))} --yes --confirm --json`,
        );
        const g = goal(r.stdout, r.stderr);
        expect(g.state, `${name}: ${g.message ?? ''} ${g.plan?.steps[0]?.error ?? ''}`).toBe('succeeded');
        return g;
      };
      const rollback = (g: GoalView): GoalView => {
        const back = goal(root(`aios rollback ${g.id} --yes --json`), '');
        expect(back.state, back.message ?? '').toBe('rolled_back');
        expect(back.message).not.toMatch(/NOT brought back/);
        return back;
      };
      // What systemd says of the unit; MainPID apart, a rollback must give all of it back.
      const show = (): Record<string, string> =>
        Object.fromEntries(
          root(`systemctl show ${unit} -p LoadState -p ActiveState -p SubState -p UnitFileState -p MainPID`)
            .trim()
            .split('\n')
            .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
        );
      const durable = ({ MainPID: _pid, ...rest }: Record<string, string>): Record<string, string> => rest;
      const isActive = (): string => root(`systemctl is-active ${unit} || true`).trim();
      const isEnabled = (): string => root(`systemctl is-enabled ${unit} || true`).trim();

      root(
        `printf '%s\\n' '[Unit]' 'Description=aiOS probe (service tools image test)' '[Service]' 'ExecStart=/bin/sleep infinity' '[Install]' 'WantedBy=multi-user.target' > /etc/systemd/system/${unit} && systemctl daemon-reload`,
      );
      try {
        const initial = show();
        expect(durable(initial)).toEqual({
          LoadState: 'loaded',
          ActiveState: 'inactive',
          SubState: 'dead',
          UnitFileState: 'disabled',
        });

        const status = tool('service.status', { unit: 'aios-probe' });
        expect(status.plan?.steps[0]?.output).toMatch(
          /^aios-probe\.service: inactive, disabled\n[\s\S]*Loaded: loaded \(\/etc\/systemd\/system\/aios-probe\.service; disabled/,
        );

        // start, and its rollback: inactive again.
        const start = tool('service.start', { unit: 'aios-probe' });
        expect(isActive()).toBe('active');
        expect(show()['MainPID']).not.toBe('0');
        const list = tool('service.list', { state: 'active' });
        expect(list.plan?.steps[0]?.output).toMatch(/^aios-probe\.service +active +aiOS probe/m);
        const back = rollback(start);
        expect(back.message).toMatch(/restored services: stop aios-probe/);
        expect(isActive()).toBe('inactive');
        expect(show()).toEqual(initial);

        // enable, and its rollback: disabled again (and still not running: enable does not start it).
        const enable = tool('service.enable', { unit: 'aios-probe' });
        expect(isEnabled()).toBe('enabled');
        expect(isActive()).toBe('inactive');
        rollback(enable);
        expect(isEnabled()).toBe('disabled');
        expect(show()).toEqual(initial);

        // restart: a new process (it cannot be undone, and is labelled so).
        tool('service.start', { unit: 'aios-probe' });
        const running = show();
        const restart = tool('service.restart', { unit: 'aios-probe' });
        expect(restart.plan?.steps[0]?.preview.summary).toMatch(
          /^restart aios-probe\.service \(now active, disabled\)/,
        );
        const restarted = show();
        expect(restarted['MainPID']).not.toBe(running['MainPID']);
        expect(durable(restarted)).toEqual(durable(running));

        // stop, and its rollback: running again (a new process, the same state).
        const stop = tool('service.stop', { unit: 'aios-probe' });
        expect(isActive()).toBe('inactive');
        rollback(stop);
        expect(isActive()).toBe('active');
        expect(durable(show())).toEqual(durable(running));
        figures['serviceToolsS'] = (Date.now() - started) / 1000;
      } finally {
        // Once failed under load with "Failed to stop aios-probe.service: Transport endpoint is not
        // connected". As root, systemctl talks to PID 1 over its private socket
        // (/run/systemd/private), and ENOTCONN there means PID 1 closed that connection before it
        // answered: it drops its private-bus clients while it reloads or re-executes
        // (systemd/systemd#25542), and a reload can still be under way when the systemctl that asked
        // for it has returned, on a guest slowed to a crawl by a loaded host. (Not reproduced here:
        // read from systemd's behaviour and the one failure.) The old line also hid which command
        // failed: `a; b; c` exits with c's status. So each command is retried until PID 1 answers,
        // one at a time, the unit is removed whatever happened, and a unit still loaded afterwards
        // or still running is the failure reported.
        root(
          [
            `for i in 1 2 3 4 5 6; do systemctl stop ${unit} && break; sleep 2; done`,
            `rm -f /etc/systemd/system/${unit}`,
            'for i in 1 2 3 4 5 6; do systemctl daemon-reload && break; sleep 2; done',
            `test "$(systemctl is-active ${unit})" = inactive`,
            `test "$(systemctl show ${unit} -p LoadState --value)" = not-found`,
          ].join('; '),
        );
      }
    },
    20 * 60_000,
  );
});
