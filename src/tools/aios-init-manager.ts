// Services through aios-init's own supervisor, where aios-init is init of the node (no systemd):
// every call is one request over its control socket. aios-init refuses to stop or disable what
// it must keep running (aiosd itself, the login prompts) and says why; that reason comes back
// as the tool's error.
import { existsSync } from 'node:fs';
import type { InitServiceInfo } from '../protocol/init-control.js';
import { askInit } from './init-control-client.js';
import type { ServiceAction, ServiceManager, ServiceState } from './service-contract.js';

function toState(s: InitServiceInfo): ServiceState {
  return {
    unit: s.unit,
    active: s.active,
    enabled: s.enabled,
    description: s.description,
    ...(s.critical === null ? {} : { keptRunning: s.critical }),
  };
}

export class AiosInitManager implements ServiceManager {
  readonly name = 'aios-init';

  constructor(readonly socketPath: string) {}

  unavailable(): string | null {
    return existsSync(this.socketPath)
      ? null
      : `aios-init's control socket ${this.socketPath} does not exist: aios-init is not running this node's services`;
  }

  async list(): Promise<ServiceState[]> {
    return ((await askInit(this.socketPath, { op: 'list' })).services ?? []).map(toState);
  }

  async state(unit: string): Promise<ServiceState> {
    const s = (await askInit(this.socketPath, { op: 'state', unit })).service;
    if (s === undefined) throw new Error(`aios-init did not say how ${unit} is`);
    return toState(s);
  }

  async detail(unit: string): Promise<string> {
    const a = await askInit(this.socketPath, { op: 'detail', unit });
    const s = a.service;
    if (s === undefined) return `aios-init did not say how ${unit} is`;
    const lines = [
      `${s.description === '' ? s.unit : `${s.unit} - ${s.description}`}`,
      `state: ${s.state}${s.pid === null ? '' : ` (pid ${s.pid})`}; started ${s.starts} time(s)${s.lastExit === null ? '' : `; last exit: ${s.lastExit}`}`,
      ...(s.critical === null ? [] : [`kept running by aios-init: ${s.critical}`]),
      ...(a.log ?? []),
    ];
    return lines.join('\n');
  }

  /** The `aios-init ctl` command that does the same by hand. */
  argvFor(action: ServiceAction, unit: string): string[] {
    return ['aios-init', 'ctl', action, unit];
  }

  async act(action: ServiceAction, unit: string): Promise<{ ok: boolean; output: string }> {
    try {
      const a = await askInit(this.socketPath, { op: action, unit });
      return { ok: true, output: a.message ?? `${action} ${unit}: done` };
    } catch (err) {
      return { ok: false, output: err instanceof Error ? err.message : String(err) };
    }
  }
}
