// The composition root of aios-init: the paths, the settings, the supervisor with its
// services, the timeline, the phases, and what a signal means in each way of running.
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { InitConfig } from '../../src/config/init-schema.js';
import { resolvePaths } from '../../src/config/paths.js';
import type { BootTimeline } from '../../src/protocol/boot-timeline.js';
import { INIT_SOCKET_ENV, INIT_SOCKET_NAME } from '../../src/protocol/init-control.js';
import { ControlServer } from '../control/control-server.js';
import { ServiceControl } from '../control/service-control.js';
import { BootEnablement } from '../supervisor/boot-enablement.js';
import { mountEarly, kernelSettings } from '../pid1/early-mounts.js';
import { nodeServices } from '../pid1/node-services.js';
import { powerDown, type PowerAction } from '../pid1/power.js';
import { watchPowerButton } from '../pid1/power-button.js';
import { rescueRequested, runRescue } from '../pid1/rescue.js';
import { rootMount } from '../pid1/root-fs.js';
import { mountStateDisk } from '../pid1/state-disk.js';
import { ModelFileProbe } from '../phases/model-runtime.js';
import { firstBootSeed } from '../seed/first-boot-seed.js';
import { findSeedVolume, readSeedVolume } from '../seed/seed-volume.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { TimelineRecorder } from '../timeline/timeline-recorder.js';
import { currentBootId, kernelUptimeS } from '../../src/files/boot-timeline-file.js';
import type { BootContext } from './boot-context.js';
import { BOOT_PHASES } from './boot-phases.js';
import { createInitLog } from './init-log.js';
import { loadSettings } from './load-settings.js';
import { runPhases } from './phase-runner.js';
import { configuredServices } from './configured-services.js';
import { daemonService } from './daemon-service.js';
import { UPDATE_RESTART_EXIT, UpdateCarrier } from '../update/update-carrier.js';

export interface BootOptions {
  mode: BootTimeline['mode'];
  env: NodeJS.ProcessEnv;
  /** bin/aios.js, which runs aiosd as `aios daemon`. */
  aiosEntry: string;
}

const PID1_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Boots, then supervises until a signal asks to stop; resolves with the exit code. */
export async function runBoot(opts: BootOptions): Promise<number> {
  const pid1 = opts.mode === 'pid1';
  const env: NodeJS.ProcessEnv = pid1
    ? { PATH: PID1_PATH, HOME: '/root', LANG: 'C.UTF-8', TERM: 'linux', ...opts.env, AIOS_MODE: 'system' }
    : { ...opts.env };
  const early: string[] = [];
  if (pid1) {
    mountEarly((l) => early.push(l));
    kernelSettings((l) => early.push(l));
  }
  const uptimeAtStart = kernelUptimeS();
  const perfAtStart = performance.now();
  const clock = (): number => uptimeAtStart + (performance.now() - perfAtStart) / 1000;

  const paths = resolvePaths({ env, uid: process.getuid?.() ?? 0, home: env['HOME'] ?? homedir() });
  const logDir = opts.mode === 'foreground' ? paths.stateDir : '/var/log/aios';
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  mkdirSync(logDir, { recursive: true, mode: 0o750 });
  const log = createInitLog({ file: join(logDir, 'init.log'), console: true, clock });
  log.line(`aios-init ${opts.mode}: Node took ${(process.uptime() * 1000).toFixed(0)} ms to start`);
  for (const l of early) log.line(l);
  // PID 1 must not die (the kernel panics when it does): an exception is logged and supervision goes on.
  if (pid1)
    process.on('uncaughtException', (err) => {
      log.line(`uncaught: ${err.stack ?? err.message}`);
    });
  let requestStop: (why: string, action: PowerAction | 'exit') => void = () => undefined;
  let restartRequested = false;
  const stopped = new Promise<PowerAction | 'exit'>((resolve) => {
    requestStop = (why, action) => {
      // A shutdown is shown on the console again, over whatever the TUI drew there.
      log.unquietConsole();
      log.line(`${why}: ${action}`);
      resolve(action);
    };
    const on = (sig: NodeJS.Signals, action: PowerAction | 'exit'): void => {
      process.on(sig, () => requestStop(sig, action));
    };
    if (pid1) {
      on('SIGINT', 'reboot'); // Ctrl-Alt-Del, forwarded by tini
      on('SIGUSR1', 'reboot');
      on('SIGTERM', 'poweroff');
      on('SIGUSR2', 'poweroff');
      on('SIGPWR', 'poweroff');
    } else {
      on('SIGTERM', 'exit');
      on('SIGINT', 'exit');
      // Not init here: a stray reboot request must not end the process (their default action).
      for (const sig of ['SIGUSR1', 'SIGUSR2'] as const)
        process.on(sig, () => log.line(`${sig} ignored: aios-init is not init here; use systemctl reboot or poweroff`));
    }
  });

  mkdirSync(paths.runtimeDir, { recursive: true, mode: pid1 || opts.mode === 'service' ? 0o755 : 0o700 });
  const pidFile = join(paths.runtimeDir, 'init.pid');
  // The mode tells `aios-init reboot` whether this process is init (it is not under systemd).
  writeFileSync(pidFile, `${process.pid} ${opts.mode}\n`);

  if (pid1 && rescueRequested()) {
    const leaving = new AbortController();
    void runRescue((l) => log.line(l), leaving.signal);
    const action = await stopped;
    leaving.abort();
    return powerDown(action === 'exit' ? 'poweroff' : action, (l) => log.line(l), null);
  }

  // A/B updates (init/update): how the last switch went is settled before anything starts.
  const updates = new UpdateCarrier({
    env,
    codeDir: dirname(opts.aiosEntry),
    daemonSocket: paths.socketPath,
    log: (l) => log.line(l),
    restart: () => {
      restartRequested = true;
      requestStop('update', pid1 ? 'reboot' : 'exit');
    },
  });
  if (opts.mode !== 'service') updates.atBoot();

  const { config, problem } = loadSettings(paths);
  if (problem !== null) log.line(`${problem}; booting with the default settings`);
  const init = InitConfig.parse(config.init ?? {});

  let recorder: TimelineRecorder | null = null;
  const supervisor = new Supervisor({ log: (l) => log.line(l), onChange: (r) => recorder?.service(r) });
  // Under systemd, systemd runs the node's services; as init or by hand, aios-init does, and
  // aiosd's service.* tools reach its supervisor through the control socket.
  const supervisesNode = opts.mode !== 'service';
  const controlSocket = join(paths.runtimeDir, INIT_SOCKET_NAME);
  const daemonEnv = supervisesNode ? { ...env, [INIT_SOCKET_ENV]: controlSocket } : env;
  // Under systemd, aiosd's log goes where aios-init's goes, to the journal (aiosd sees JOURNAL_STREAM
  // name its stderr, and says so); elsewhere to aiosd.log, which aiosd rotates ([system] log_max_bytes).
  const daemonLog =
    opts.mode === 'service' && env['JOURNAL_STREAM'] !== undefined
      ? ('inherit' as const)
      : openSync(join(logDir, 'aiosd.log'), 'a', 0o600);
  supervisor.add(daemonService({ paths, init, env: daemonEnv, aiosEntry: opts.aiosEntry, output: daemonLog }));
  const servicesLog = supervisesNode ? openSync(join(logDir, 'services.log'), 'a', 0o600) : 'ignore';
  const node = pid1 ? nodeServices(init, { env, output: servicesLog }) : { devices: [], background: [], logins: [] };
  for (const spec of [...node.devices, ...node.background, ...node.logins]) supervisor.add(spec);
  if (!supervisesNode && init.services.length > 0)
    log.line('[[init.services]] are not run under systemd: make them systemd units');
  const configured = supervisesNode
    ? configuredServices(init, {
        env,
        output: servicesLog,
        taken: new Set(supervisor.records().map((r) => r.name)),
        log: (l) => log.line(l),
      })
    : [];
  for (const spec of configured) supervisor.add(spec);
  const enabledByDefault = new Map(init.services.map((c) => [c.name, c.enabled]));
  const enablement = new BootEnablement(
    join(paths.stateDir, 'init-services.json'),
    (name) => enabledByDefault.get(name) ?? true,
    (l) => log.line(l),
  );
  const control = supervisesNode
    ? new ControlServer({
        socketPath: controlSocket,
        control: new ServiceControl(supervisor, enablement),
        log: (l) => log.line(l),
        updates,
      })
    : null;
  try {
    await control?.listen();
  } catch (err) {
    log.line(
      `control socket ${controlSocket}: ${err instanceof Error ? err.message : String(err)}; service.* in aiosd cannot reach the supervisor`,
    );
  }

  let stateMount: string | null = null;
  const ctx: BootContext = {
    mode: opts.mode,
    root: '/',
    paths,
    config,
    init,
    supervisor,
    enablement,
    log: (l) => log.line(l),
    models: new ModelFileProbe(join(paths.stateDir, 'models')),
    services: {
      devices: node.devices.map((s) => s.name),
      background: node.background.map((s) => s.name),
      daemon: 'aiosd',
      logins: node.logins.map((s) => s.name),
      configured: configured.map((s) => s.name),
    },
    mountState: () => {
      if (!pid1) return null;
      try {
        const r = mountStateDisk(paths.stateDir, (l) => log.line(l), rootMount());
        stateMount = r.mounted;
        return r.line;
      } catch (err) {
        return `state: cannot mount the state disk: ${err instanceof Error ? err.message : String(err)}`;
      }
    },
    seed: () =>
      pid1
        ? firstBootSeed({
            root: '/',
            find: () => findSeedVolume(),
            read: (device) => readSeedVolume(device, join(paths.runtimeDir, 'seed')),
            setKernelHostname: (name) => writeFileSync('/proc/sys/kernel/hostname', name),
          })
        : [],
    agentsDir: '/etc/aios/agents',
  };

  // The timeline starts in the state dir as it is; when the hardware phase mounts the state
  // disk over it, the next write lands on the disk.
  recorder = new TimelineRecorder(
    {
      stateDir: paths.stateDir,
      clock,
      bootId: currentBootId(),
      mode: opts.mode,
      node: hostname(),
      log: (l) => log.line(l),
    },
    BOOT_PHASES,
  );
  // On a trial boot after an update, the health check runs beside the phases, against its deadline.
  if (supervisesNode)
    void updates.watchTrial().catch((err: unknown) => log.line(`update health check: ${String(err)}`));
  const outcome = await Promise.race([
    runPhases(BOOT_PHASES, ctx, recorder, {
      log: (l) => log.line(l),
      phaseTimeoutMs: (init.ready_timeout_s + 60) * 1000,
    }),
    stopped,
  ]);
  const buttonWatch = new AbortController();
  if (pid1)
    void watchPowerButton({
      onPress: () => requestStop('power button', 'poweroff'),
      log: (l) => log.line(l),
      signal: buttonWatch.signal,
    });
  if (outcome === 'ready' || outcome === 'degraded') {
    const t = recorder.snapshot();
    const since = pid1 ? ` (kernel start → autonomy ${(t.readyS ?? 0).toFixed(1)} s)` : '';
    log.line(`aiOS ${outcome} in ${((t.readyS ?? 0) - t.initStartS).toFixed(1)} s${since}`);
    // From here the consoles belong to the login prompts and the TUI.
    if (pid1) log.quietConsole();
  }
  const action = await stopped;
  buttonWatch.abort();
  recorder.finish('stopping');
  log.line('stopping services');
  await supervisor.stopAll();
  await control?.close();
  // Open for writing, these logs would keep the root busy: its remount read-only would fail.
  for (const fd of [daemonLog, servicesLog]) if (typeof fd === 'number') closeSync(fd);
  rmSync(pidFile, { force: true });
  if (action === 'exit') return restartRequested ? UPDATE_RESTART_EXIT : 0;
  return powerDown(action, (l) => log.line(l), stateMount);
}
