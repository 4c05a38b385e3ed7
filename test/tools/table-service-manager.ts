// A service manager as aios-init's supervisor plugs in: services in a table, for tests that
// need service state to change where systemd does not run.
import type { ServiceAction, ServiceManager, ServiceState } from '../../src/tools/service-manager.js';

export class TableServiceManager implements ServiceManager {
  readonly name = 'table';
  readonly table = new Map<string, { active: boolean; enabled: boolean }>([['web', { active: true, enabled: true }]]);

  unavailable(): null {
    return null;
  }
  list(): Promise<ServiceState[]> {
    return Promise.all([...this.table.keys()].map((u) => this.state(u)));
  }
  state(unit: string): Promise<ServiceState> {
    const s = this.table.get(unit);
    if (s === undefined) return Promise.reject(new Error(`no service ${unit}`));
    return Promise.resolve({
      unit,
      active: s.active ? 'active' : 'inactive',
      enabled: s.enabled ? 'enabled' : 'disabled',
      description: '',
    });
  }
  detail(unit: string): Promise<string> {
    return Promise.resolve(unit);
  }
  argvFor(action: ServiceAction, unit: string): string[] {
    return ['supervisor', action, unit];
  }
  act(action: ServiceAction, unit: string): Promise<{ ok: boolean; output: string }> {
    const s = this.table.get(unit);
    if (s === undefined) return Promise.resolve({ ok: false, output: 'no such unit' });
    if (action === 'start' || action === 'stop') s.active = action === 'start';
    if (action === 'enable' || action === 'disable') s.enabled = action === 'enable';
    return Promise.resolve({ ok: true, output: '' });
  }
}
