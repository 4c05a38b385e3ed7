// aios-init as a whole, with the built bin/aios-init.js: a foreground boot with a real aiosd,
// the timeline through `aios boot` and `aios status`, the watchdog on a daemon whose event loop
// stops, an orderly stop on SIGTERM, and tini as the reaper and signal forwarder in front.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { daemonService } from '../../init/boot/daemon-service.js';
import { daemonStatus } from '../../init/daemon-probe.js';
import { Supervisor } from '../../init/supervisor/supervisor.js';
import { readTimeline } from '../../src/files/boot-timeline-file.js';
import { InitConfig } from '../../src/config/init-schema.js';
import { resolvePaths } from '../../src/config/paths.js';
import { aiosBin, repoRoot } from '../helpers/daemon.js';
import { eventually } from '../helpers/until.js';
import { alive } from '../helpers/process-alive.js';

const initBin = join(repoRoot, 'bin', 'aios-init.js');
let dir: string;
let env: NodeJS.ProcessEnv;
let proc: ChildProcess | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aios-init-'));
  env = {
    ...process.env,
    AIOS_MODE: 'user',
    AIOS_STATE_DIR: join(dir, 'state'),
    AIOS_CONFIG: join(dir, 'config.toml'),
    HOME: dir,
  };
});
afterEach(async () => {
  if (proc !== undefined && proc.exitCode === null && proc.signalCode === null) {
    const gone = new Promise((r) => proc?.once('exit', r));
    proc.kill('SIGKILL');
    await gone;
  }
  proc = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const until = <T>(check: () => T | null | undefined | false, what: string, ms = 20_000): Promise<T> =>
  eventually(what, check, ms);

function aios(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [aiosBin, ...args], { env, encoding: 'utf8' });
}

describe('aios-init run', () => {
  it('boots through the five phases, serves the timeline, and stops aiosd on SIGTERM', async () => {
    let output = '';
    proc = spawn(process.execPath, [initBin, 'run'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const stateDir = join(dir, 'state');
    const t = await until(() => {
      const tl = readTimeline(stateDir);
      return tl?.state === 'ready' ? tl : null;
    }, `a ready timeline; output:\n${output}`);
    expect(t.mode).toBe('foreground');
    expect(t.phases.map((p) => `${p.name} ${p.status}`)).toEqual([
      'hardware ok',
      'ai-runtime skipped',
      'core-services ok',
      'agent-spawn ok',
      'autonomy ok',
    ]);
    const daemon = t.services.find((s) => s.name === 'aiosd');
    expect(daemon?.state).toBe('running');

    const boot = aios(['boot']);
    expect(boot.status).toBe(0);
    expect(boot.stdout).toMatch(/^boot ready: [\d.]+ s \(aios-init\) to autonomy/);
    expect(boot.stdout).toMatch(/^core-services\s+[\d.]+ s\s+\|\s*#+/m);
    const verbose = aios(['boot', '--verbose']);
    expect(verbose.stdout).toMatch(/aiosd\s+running\s+pid \d+\s+starts 1/);
    const json = JSON.parse(aios(['boot', '--json']).stdout) as { timeline: { phases: unknown[] }; stale: boolean };
    expect(json.stale).toBe(false);
    expect(json.timeline.phases).toHaveLength(5);
    expect(aios(['status']).stdout).toMatch(/\nboot ready: /);
    const reboot = spawnSync(process.execPath, [initBin, 'reboot'], { env, encoding: 'utf8' });
    expect(reboot.status).toBe(1);
    expect(reboot.stderr).toMatch(/aios-init is not init on this node \(it runs as foreground\); use systemctl reboot/);

    const exited = new Promise<number | null>((r) => proc?.once('exit', (c) => r(c)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(alive(daemon?.pid ?? 0)).toBe(false);
    expect(output).toMatch(/SIGTERM: exit[\s\S]*stopping services/);
    expect(existsSync(join(stateDir, 'run', 'init.pid'))).toBe(false);
  });

  it('`aios boot` says so when aios-init did not start the node', async () => {
    proc = spawn(process.execPath, [aiosBin, 'daemon'], { env, stdio: 'ignore' });
    await until(() => aios(['status']).status === 0, 'aiosd');
    expect(aios(['boot']).stdout).toMatch(/no boot timeline: aios-init did not start this node/);
    expect(aios(['status']).stdout).toMatch(/boot: not started by aios-init/);
  });

  it('`aios-init boot` refuses to run anywhere but as init', () => {
    const r = spawnSync(process.execPath, [initBin, 'boot'], { env, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /aios-init boot is the init of the aiOS image .*use aios-init service \(systemd\) or aios-init run/,
    );
  });

  it('`aios-init reboot` without a running init says what to do instead', () => {
    const r = spawnSync(process.execPath, [initBin, 'reboot'], { env, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not running here \(no .*init\.pid\); on a systemd host use systemctl reboot/);
  });
});

describe('the watchdog on aiosd', () => {
  it('kills and restarts a daemon whose event loop stops answering status/get', async () => {
    const paths = resolvePaths({ env, uid: process.getuid?.() ?? 0, home: dir });
    const init = InitConfig.parse({ watchdog_interval_s: 1, watchdog_timeout_s: 2, ready_timeout_s: 20 });
    const logs: string[] = [];
    const sup = new Supervisor({ log: (l) => logs.push(l) });
    sup.add(daemonService({ paths, init, env, aiosEntry: aiosBin, output: 'ignore' }));
    try {
      expect(await sup.start('aiosd')).toBe('running');
      const first = sup.records()[0]?.pid ?? 0;
      // SIGSTOP freezes the process: the kernel still accepts connections, nobody answers.
      process.kill(first, 'SIGSTOP');
      const second = await until(
        () => {
          const r = sup.records()[0];
          return r?.state === 'running' && r.pid !== first ? r.pid : null;
        },
        'a new aiosd',
        30_000,
      );
      expect(alive(first)).toBe(false);
      expect(logs.join('\n')).toMatch(/aiosd: watchdog: .*; killing it \(SIGKILL\) to restart/);
      const s = await daemonStatus(paths.socketPath, AbortSignal.timeout(5000));
      expect(s.pid).toBe(second);
    } finally {
      await sup.stopAll();
    }
  });
});

/** The children of `pid` with their state letter (R, S, Z...), read from /proc. */
function childrenOf(pid: number): Array<{ pid: number; state: string; name: string }> {
  const found: Array<{ pid: number; state: string; name: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[1] === String(pid))
        found.push({
          pid: Number(entry),
          state: fields[0] ?? '?',
          name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
        });
    } catch {
      /* gone */
    }
  }
  return found;
}

const tini = ['/usr/bin/tini', '/sbin/tini'].find((p) => existsSync(p));

describe.skipIf(tini === undefined)('tini in front of aios-init (the image runs it as PID 1)', () => {
  it('reaps orphans that Node would leave as zombies', async () => {
    // -s makes tini a subreaper here, standing in for PID 1: orphans are reparented to it.
    const script = `require('child_process').spawn('sh', ['-c', 'sleep 1 & exit 0'], { stdio: 'ignore' }); setTimeout(() => {}, 4000)`;
    proc = spawn(tini ?? '', ['-s', '--', process.execPath, '-e', script], { stdio: 'ignore' });
    const tiniPid = proc.pid ?? 0;
    // Once its shell has exited, the sleep is an orphan and becomes tini's child...
    await until(() => childrenOf(tiniPid).some((c) => c.name === 'sleep'), 'the orphan to be reparented to tini');
    // ...and when it ends, tini waits for it: no zombie stays behind. Node could not do this:
    // libuv waits only for the pids it spawned.
    await until(() => !childrenOf(tiniPid).some((c) => c.name === 'sleep'), 'the orphan to be reaped', 5000);
    expect(childrenOf(tiniPid).filter((c) => c.state === 'Z')).toEqual([]);
  });

  it('forwards SIGINT (Ctrl-Alt-Del) to aios-init, which stops aiosd and exits', async () => {
    let output = '';
    proc = spawn(tini ?? '', ['-s', '--', process.execPath, initBin, 'run'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const t = await until(() => {
      const tl = readTimeline(join(dir, 'state'));
      return tl?.state === 'ready' ? tl : null;
    }, 'ready');
    const daemonPid = t.services.find((s) => s.name === 'aiosd')?.pid ?? 0;
    const exited = new Promise<number | null>((r) => proc?.once('exit', (c) => r(c)));
    proc.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toMatch(/SIGINT: exit/);
    expect(alive(daemonPid)).toBe(false);
  });
});

describe('install through the real command: aios-init --help', () => {
  it('lists every verb', () => {
    const out = execFileSync(process.execPath, [initBin, '--help'], { encoding: 'utf8' });
    for (const verb of ['boot', 'service', 'run', 'install', 'uninstall', 'reboot', 'poweroff'])
      expect(out).toContain(verb);
  });
});
