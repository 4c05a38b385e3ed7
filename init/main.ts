// `aios-init`: boot as init of the aiOS image, run under systemd or in the foreground, install
// or uninstall the login integration on a Debian host, and ask a running init to reboot.
import { Argument, Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InitConfig } from '../src/config/init-schema.js';
import { resolvePaths } from '../src/config/paths.js';
import { INIT_SOCKET_ENV, INIT_SOCKET_NAME } from '../src/protocol/init-control.js';
import { AiosInitManager } from '../src/tools/aios-init-manager.js';
import { formatTable } from '../src/tools/format.js';
import type { ServiceAction } from '../src/tools/service-contract.js';
import { VERSION } from '../src/version.js';
import { loadSettings } from './boot/load-settings.js';
import { InstallError, installLogins } from './login/install.js';
import { uninstallLogins } from './login/uninstall.js';

export interface InitEntry {
  /** The directory of bin/aios-init.js: aiOS's bin/ (bin/aios.js runs aiosd). */
  binDir: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function signalInit(sig: NodeJS.Signals, what: string): number {
  const paths = resolvePaths({ env: process.env, uid: process.getuid?.() ?? 0, home: homedir() });
  const pidFile = join(paths.runtimeDir, 'init.pid');
  let pid: number;
  let mode: string | undefined;
  try {
    const fields = readFileSync(pidFile, 'utf8').trim().split(' ');
    pid = Number(fields[0]);
    mode = fields[1];
  } catch {
    process.stderr.write(`aios-init: not running here (no ${pidFile}); on a systemd host use systemctl ${what}\n`);
    return 1;
  }
  if (mode !== 'pid1') {
    process.stderr.write(
      `aios-init is not init on this node (it runs as ${mode ?? 'an unknown kind'}); use systemctl ${what}\n`,
    );
    return 1;
  }
  try {
    process.kill(pid, sig);
  } catch (err) {
    process.stderr.write(
      `aios-init: cannot signal pid ${pid}: ${(err as Error).message}${(err as NodeJS.ErrnoException).code === 'EPERM' ? ' (run it as root)' : ''}\n`,
    );
    return 1;
  }
  process.stderr.write(`aios-init: ${what} requested\n`);
  return 0;
}

const CTL_ACTIONS = ['list', 'status', 'start', 'stop', 'restart', 'enable', 'disable'] as const;

/** `aios-init ctl`: the control socket by hand, as aiosd's service.* tools use it. */
async function control(action: string, unit: string | undefined, socketOption: string | undefined): Promise<number> {
  const named = process.env[INIT_SOCKET_ENV];
  const socket =
    socketOption ??
    (named !== undefined && named !== ''
      ? named
      : join(
          resolvePaths({ env: process.env, uid: process.getuid?.() ?? 0, home: homedir() }).runtimeDir,
          INIT_SOCKET_NAME,
        ));
  const manager = new AiosInitManager(socket);
  const why = manager.unavailable();
  if (why !== null) {
    process.stderr.write(`aios-init ctl: ${why}\n`);
    return 1;
  }
  try {
    if (action === 'list') {
      const all = await manager.list();
      process.stdout.write(
        `${formatTable(
          ['UNIT', 'ACTIVE', 'BOOT', 'DESCRIPTION'],
          all.map((s) => [s.unit, s.active, s.enabled, s.description]),
        )}\n`,
      );
      return 0;
    }
    if (unit === undefined) {
      process.stderr.write(`aios-init ctl ${action} needs a service name\n`);
      return 2;
    }
    if (action === 'status') {
      process.stdout.write(`${await manager.detail(unit)}\n`);
      return 0;
    }
    const r = await manager.act(action as ServiceAction, unit);
    (r.ok ? process.stdout : process.stderr).write(`${r.ok ? '' : 'aios-init ctl: '}${r.output}\n`);
    return r.ok ? 0 : 1;
  } catch (err) {
    process.stderr.write(`aios-init ctl: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

export async function runInit(argv: string[], entry: InitEntry): Promise<number> {
  let code = 0;
  const aiosEntry = join(entry.binDir, 'aios.js');
  const boot = async (mode: 'pid1' | 'service' | 'foreground'): Promise<void> => {
    // On a running system `boot` would remount, rename and start a second udev: only as init.
    if (mode === 'pid1' && process.pid !== 1 && process.ppid !== 1) {
      process.stderr.write(
        'aios-init boot is the init of the aiOS image (PID 1, or the child of tini); on a running system use aios-init service (systemd) or aios-init run\n',
      );
      code = 2;
      return;
    }
    if (mode !== 'foreground' && process.getuid?.() !== 0) {
      process.stderr.write(
        `aios-init ${mode === 'pid1' ? 'boot' : 'service'} must run as root; use aios-init run to try it as yourself\n`,
      );
      code = 2;
      return;
    }
    const { runBoot } = await import('./boot/boot.js');
    code = await runBoot({ mode, env: process.env, aiosEntry });
  };
  const program = new Command('aios-init')
    .description('aiOS init: boot phases, supervision of aiosd, and logins that land in the aiOS TUI')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('boot')
    .description('run as init of the aiOS image (PID 1 behind tini): mounts, devices, aiosd, sshd, gettys')
    .action(() => boot('pid1'));
  program
    .command('service')
    .description('run under systemd (the aios-init.service unit): boot phases and supervision of aiosd')
    .action(() => boot('service'));
  program
    .command('run')
    .description('boot phases and a supervised aiosd in the foreground, as yourself (AIOS_* select the instance)')
    .action(() => boot('foreground'));

  program
    .command('install')
    .description("make the chosen accounts' console, serial and SSH logins land in aiOS")
    .option('--root <dir>', 'the system to change (a mounted image, or a test tree)', '/')
    .option('--user <name>', 'an account whose login shell becomes aios-shell (repeatable)', collect, [])
    .option('--all-users', 'root and every account with uid ≥ 1000 and a login shell')
    .option('--break-glass <name>', 'an account that keeps its normal shell (default: [init] break_glass_user)')
    .option('--prefix <dir>', 'where aiOS is installed', resolve(entry.binDir, '..'))
    .option('--bin-dir <dir>', 'where the aios, aios-shell and aios-init wrappers go', '/usr/local/bin')
    .option('--node <path>', 'the Node.js 20 binary the wrappers run', process.execPath)
    .addOption(
      new Option('--init <kind>', 'systemd: an existing host; pid1: the aiOS image')
        .choices(['systemd', 'pid1'])
        .default('systemd'),
    )
    .option(
      '--console <tty>',
      'a console whose getty gets the drop-in (repeatable; default tty1, ttyS0, hvc0)',
      collect,
      [],
    )
    .addOption(
      new Option('--role <role>', 'the aiOS role the accounts are granted (group aios-ROLE; root is always admin)')
        .choices(['admin', 'operator', 'viewer'])
        .default('operator'),
    )
    .action(
      (o: {
        root: string;
        user: string[];
        allUsers?: boolean;
        breakGlass?: string;
        prefix: string;
        binDir: string;
        node: string;
        init: 'systemd' | 'pid1';
        console: string[];
        role: 'admin' | 'operator' | 'viewer';
      }) => {
        if (o.root === '/' && process.getuid?.() !== 0) {
          process.stderr.write(
            'aios-init install changes /etc: run it as root (or pass --root DIR to change another tree)\n',
          );
          code = 2;
          return;
        }
        try {
          const { notes } = installLogins({
            root: resolve(o.root),
            users: o.user,
            allUsers: o.allUsers === true,
            breakGlass: o.breakGlass ?? breakGlassFromConfig(o.root),
            layout: { prefix: o.prefix, binDir: o.binDir, node: o.node },
            initSystem: o.init,
            consoles: o.console.length > 0 ? o.console : ['tty1', 'ttyS0', 'hvc0'],
            role: o.role,
          });
          for (const n of notes) process.stdout.write(`${n}\n`);
          if (o.root === '/' && o.init === 'systemd')
            process.stdout.write(
              'run `systemctl daemon-reload && systemctl reload ssh && systemctl start aios-init` (or reboot) to use it\n',
            );
        } catch (err) {
          process.stderr.write(`aios-init install: ${(err as Error).message}\n`);
          code = err instanceof InstallError ? 2 : 1;
        }
      },
    );
  program
    .command('uninstall')
    .description('put back every file install changed (from its manifest and backups)')
    .option('--root <dir>', 'the system to change', '/')
    .action((o: { root: string }) => {
      try {
        const r = uninstallLogins(resolve(o.root));
        for (const p of r.restored) process.stdout.write(`restored ${p}\n`);
        for (const p of r.removed) process.stdout.write(`removed ${p}\n`);
        for (const p of r.kept) process.stdout.write(`kept ${p}\n`);
        if (r.kept.length > 0)
          process.stdout.write(`the backups stay in ${join(o.root, '/var/lib/aios-init/backup')} for comparison\n`);
      } catch (err) {
        process.stderr.write(`aios-init uninstall: ${(err as Error).message}\n`);
        code = 1;
      }
    });
  program
    .command('ctl')
    .description(
      "list, inspect, start, stop, restart, enable or disable the services aios-init runs (root or aios-init's user)",
    )
    .addArgument(new Argument('<action>', 'what to do').choices(CTL_ACTIONS))
    .argument('[unit]', 'the service (all but list)')
    .option(
      '--socket <path>',
      `the control socket (default: $${INIT_SOCKET_ENV}, else ${INIT_SOCKET_NAME} in the runtime directory)`,
    )
    .action(async (action: string, unit: string | undefined, o: { socket?: string }) => {
      code = await control(action, unit, o.socket);
    });
  program
    .command('install-disk')
    .description('from the live ISO: erase a whole disk and install aiOS on it (asks you to type the disk name)')
    .argument('<device>', 'the whole disk, e.g. /dev/vdb or /dev/sdb')
    .option('--source <dir>', "the root filesystem to copy (default: the live ISO's)")
    .action(async (device: string, o: { source?: string }) => {
      code = await runInstallDisk(device, o.source);
    });
  program
    .command('reboot')
    .description('ask the running aios-init to stop everything in order and reboot')
    .action(() => {
      code = signalInit('SIGUSR1', 'reboot');
    });
  program
    .command('poweroff')
    .description('ask the running aios-init to stop everything in order and power off')
    .action(() => {
      code = signalInit('SIGUSR2', 'poweroff');
    });

  // As the kernel's init (no arguments, PID 1 or the child of tini) it boots.
  const args = argv.length === 0 && (process.pid === 1 || process.ppid === 1) ? ['boot'] : argv;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
  return code;
}

async function runInstallDisk(device: string, source: string | undefined): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('aios-init install-disk erases a disk: run it as root\n');
    return 2;
  }
  const { askStdin, installDisk, InstallDiskError, LIVE_ROOT, WRITE_DISK } = await import('./disk/install-disk.js');
  const { liveSystemView } = await import('./disk/target-disk.js');
  try {
    await installDisk({
      device,
      source: source ?? LIVE_ROOT,
      writer: WRITE_DISK,
      system: liveSystemView(),
      ask: askStdin,
      say: (l) => process.stdout.write(`${l}\n`),
    });
    return 0;
  } catch (err) {
    process.stderr.write(`aios-init install-disk: ${(err as Error).message}\n`);
    return err instanceof InstallDiskError ? 2 : 1;
  }
}

/** [init] break_glass_user from the target system's config.toml. */
function breakGlassFromConfig(root: string): string | null {
  const { config } = loadSettings({ systemConfigFile: join(root, '/etc/aios/config.toml'), userConfigFile: null }, {});
  return InitConfig.parse(config.init ?? {}).break_glass_user ?? null;
}

/** Entry for bin/aios-init.js. */
export function runInitMain(argv: string[], binUrl: string): void {
  const binDir = dirname(fileURLToPath(binUrl));
  runInit(argv, { binDir }).then(
    (c) => {
      process.exitCode = c;
    },
    (err: unknown) => {
      process.stderr.write(`aios-init: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
