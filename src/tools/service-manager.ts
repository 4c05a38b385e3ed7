// Services through whichever supervisor runs them: systemd where it is PID 1's manager,
// aios-init's own supervisor (over its control socket) where aios-init runs the node, and a
// plain "no service manager" otherwise.
import { existsSync } from 'node:fs';
import { INIT_SOCKET_ENV } from '../protocol/init-control.js';
import { AiosInitManager } from './aios-init-manager.js';
import { runProgram } from './run-program.js';
import type { StateProvider, StateRestoreReport } from '../recovery/state-provider.js';
import type { ServiceAction, ServiceManager, ServiceState } from './service-contract.js';

export type { ServiceAction, ServiceManager, ServiceState } from './service-contract.js';

const RUN = { timeoutMs: 60_000, outputCapBytes: 256 * 1024 };

export class SystemdManager implements ServiceManager {
  readonly name = 'systemd';

  unavailable(): string | null {
    return null;
  }

  async list(): Promise<ServiceState[]> {
    const r = await runProgram(
      ['systemctl', 'list-units', '--type=service', '--all', '--no-pager', '--no-legend', '--plain'],
      RUN,
    );
    if (!r.started) throw new Error(r.error);
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [unit = '', , active = '', , ...desc] = line.trim().split(/\s+/);
        return { unit, active, enabled: '', description: desc.join(' ') };
      });
  }

  async state(unit: string): Promise<ServiceState> {
    const r = await runProgram(
      [
        'systemctl',
        'show',
        unit,
        '-p',
        'Id',
        '-p',
        'ActiveState',
        '-p',
        'UnitFileState',
        '-p',
        'Description',
        '-p',
        'LoadState',
      ],
      RUN,
    );
    if (!r.started) throw new Error(r.error);
    const kv = new Map(
      r.stdout.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
    );
    if (kv.get('LoadState') === 'not-found') throw new Error(`no service "${unit}" is known to systemd`);
    return {
      unit: kv.get('Id') ?? unit,
      active: kv.get('ActiveState') ?? 'unknown',
      enabled: kv.get('UnitFileState') ?? '',
      description: kv.get('Description') ?? '',
    };
  }

  async detail(unit: string): Promise<string> {
    const r = await runProgram(['systemctl', 'status', '--no-pager', '--lines=20', unit], RUN);
    return r.started ? (r.stdout + r.stderr).trimEnd() : r.error;
  }

  argvFor(action: ServiceAction, unit: string): string[] {
    return ['systemctl', action, unit];
  }

  async act(action: ServiceAction, unit: string): Promise<{ ok: boolean; output: string }> {
    const r = await runProgram(this.argvFor(action, unit), RUN);
    if (!r.started) return { ok: false, output: r.error };
    return {
      ok: r.exitCode === 0,
      output: (r.stdout + r.stderr).trim() || `systemctl ${action} ${unit}: exit ${r.exitCode ?? '?'}`,
    };
  }
}

/** Where nothing supervises services: every call says so, and what would fix it. */
export class NoServiceManager implements ServiceManager {
  readonly name = 'none';

  constructor(private readonly why: string) {}

  unavailable(): string {
    return this.why;
  }
  list(): Promise<ServiceState[]> {
    return Promise.reject(new Error(this.why));
  }
  state(): Promise<ServiceState> {
    return Promise.reject(new Error(this.why));
  }
  detail(): Promise<string> {
    return Promise.resolve(this.why);
  }
  argvFor(action: ServiceAction, unit: string): string[] {
    return ['(no service manager)', action, unit];
  }
  act(): Promise<{ ok: boolean; output: string }> {
    return Promise.resolve({ ok: false, output: this.why });
  }
}

export interface DetectOptions {
  /** AIOS_SERVICE_MANAGER (systemd, aios-init or none; unset: decide) and AIOS_INIT_SOCKET. */
  env?: NodeJS.ProcessEnv;
  /** Exists while systemd manages this boot. */
  systemdDir?: string;
  /** Where aios-init's control socket is when AIOS_INIT_SOCKET does not say (the runtime dir's init.sock). */
  initSocket?: string;
}

/**
 * systemd when it manages this boot; otherwise aios-init's supervisor when aios-init named its
 * socket (it does so for the aiosd it starts) or the socket is where it would be; otherwise none.
 * AIOS_SERVICE_MANAGER picks one outright.
 */
export function detectServiceManager(opts: DetectOptions = {}): ServiceManager {
  const env = opts.env ?? process.env;
  const systemdDir = opts.systemdDir ?? '/run/systemd/system';
  const named = env[INIT_SOCKET_ENV] ?? '';
  const initSocket = named !== '' ? named : (opts.initSocket ?? null);
  const choice = env['AIOS_SERVICE_MANAGER'] ?? '';
  const noInit = `aios-init's supervisor is not reachable (${initSocket === null ? `${INIT_SOCKET_ENV} is not set` : `${initSocket} does not exist`})`;
  switch (choice) {
    case 'systemd':
      return new SystemdManager();
    case 'aios-init':
      return initSocket === null
        ? new NoServiceManager(`AIOS_SERVICE_MANAGER=aios-init, but ${noInit}`)
        : new AiosInitManager(initSocket);
    case 'none':
      return new NoServiceManager('no service manager: AIOS_SERVICE_MANAGER=none');
    case '':
      break;
    default:
      return new NoServiceManager(
        `AIOS_SERVICE_MANAGER=${JSON.stringify(choice)} is not one of systemd, aios-init, none`,
      );
  }
  if (existsSync(systemdDir)) return new SystemdManager();
  if (initSocket !== null && (named !== '' || existsSync(initSocket))) return new AiosInitManager(initSocket);
  return new NoServiceManager(
    `no service manager is available on this node: systemd is not running (${systemdDir} does not exist) and ${noInit}`,
  );
}

interface SavedService {
  unit: string;
  active: string;
  enabled: string;
}

/** Service state for snapshots: whether each unit ran and was enabled, put back by start/stop/enable/disable. */
export class ServiceStateProvider implements StateProvider {
  readonly kind = 'services' as const;

  constructor(private readonly manager: ServiceManager) {}

  async preview(saved: unknown): Promise<string[]> {
    return (saved as SavedService[]).map((s) => `${s.unit} back to ${s.active}, ${s.enabled}`);
  }

  async capture(keys: readonly string[]): Promise<SavedService[]> {
    if (this.manager.unavailable() !== null) return [];
    const out: SavedService[] = [];
    for (const unit of keys) {
      const s = await this.manager.state(unit).catch(() => null);
      if (s !== null) out.push({ unit: s.unit, active: s.active, enabled: s.enabled });
    }
    return out;
  }

  async restore(saved: unknown): Promise<StateRestoreReport> {
    const report: StateRestoreReport = { ok: true, actions: [], problems: [] };
    for (const want of saved as SavedService[]) {
      const now = await this.manager.state(want.unit).catch((err: unknown) => err as Error);
      if (now instanceof Error) {
        report.problems.push(`${want.unit}: ${now.message}`);
        continue;
      }
      const steps: ServiceAction[] = [];
      if (want.enabled !== now.enabled && (want.enabled === 'enabled' || want.enabled === 'disabled'))
        steps.push(want.enabled === 'enabled' ? 'enable' : 'disable');
      const wasUp = want.active === 'active';
      if (wasUp !== (now.active === 'active')) steps.push(wasUp ? 'start' : 'stop');
      for (const action of steps) {
        const r = await this.manager.act(action, want.unit);
        if (r.ok) report.actions.push(`${action} ${want.unit}`);
        else report.problems.push(`could not ${action} ${want.unit}: ${r.output}`);
      }
    }
    report.ok = report.problems.length === 0;
    return report;
  }
}
