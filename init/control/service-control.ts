// What the control channel can do to aios-init's services: list and inspect them, start, stop
// and restart them now, and enable or disable them at boot. A service marked critical (aiosd,
// the login prompts) refuses stop, restart and disable here, with the reason: aiosd stopping
// aiosd would end the caller mid-step and leave the node with nothing to start it again.
import type { InitControlRequest, InitControlResponse, InitServiceInfo } from '../../src/protocol/init-control.js';
import type { BootEnablement } from '../supervisor/boot-enablement.js';
import type { ServiceState } from '../supervisor/service-spec.js';
import type { SupervisedService, Supervisor } from '../supervisor/supervisor.js';

const ACTIVE: Record<ServiceState, InitServiceInfo['active']> = {
  running: 'active',
  // A oneshot that finished is inactive, as systemd says of one without RemainAfterExit.
  done: 'inactive',
  inactive: 'inactive',
  stopped: 'inactive',
  waiting: 'activating',
  starting: 'activating',
  backoff: 'activating',
  stopping: 'deactivating',
  failed: 'failed',
};

type Answer = Omit<Extract<InitControlResponse, { ok: true }>, 'id' | 'ok'>;

/** A request that cannot be done, with the reason to send back. */
export class ControlRefusal extends Error {
  override readonly name = 'ControlRefusal';
}

export class ServiceControl {
  constructor(
    private readonly supervisor: Supervisor,
    private readonly enablement: BootEnablement,
  ) {}

  async handle(req: InitControlRequest, caller: { uid: number }): Promise<Answer> {
    if (req.op === 'list') return { services: this.supervisor.services().map((s) => this.info(s)) };
    if (req.op === 'update' || req.op === 'rollback' || req.op === 'answered')
      throw new ControlRefusal(`${req.op} is not a service action: aios-init's update carrier answers it`);
    const name = this.resolve(req.unit ?? '');
    const s = this.supervisor.service(name);
    const by = `through the control channel (uid ${caller.uid})`;
    switch (req.op) {
      case 'state':
        return { service: this.info(s) };
      case 'detail':
        return { service: this.info(s), log: s.recent };
      case 'start': {
        this.supervisor.note(name, `start requested ${by}`);
        const state = await this.supervisor.start(name, { again: true });
        if (state !== 'running' && state !== 'done')
          throw new ControlRefusal(`${name} did not start: it is ${state}${this.lastExit(name)}`);
        return this.after(name, `started ${name}`);
      }
      case 'stop':
        this.refuseIfCritical(s, 'stop');
        this.supervisor.note(name, `stop requested ${by}`);
        await this.supervisor.stop(name);
        return this.after(name, `stopped ${name}`);
      case 'restart': {
        this.refuseIfCritical(s, 'restart');
        this.supervisor.note(name, `restart requested ${by}`);
        const state = await this.supervisor.restart(name);
        if (state !== 'running' && state !== 'done')
          throw new ControlRefusal(`${name} did not start again: it is ${state}${this.lastExit(name)}`);
        return this.after(name, `restarted ${name}`);
      }
      case 'enable':
      case 'disable': {
        if (req.op === 'disable') this.refuseIfCritical(s, 'disable');
        this.enablement.set(name, req.op === 'enable');
        this.supervisor.note(name, `${req.op}d at boot ${by}`);
        return this.after(name, `${name} ${req.op === 'enable' ? 'starts' : 'does not start'} at boot`);
      }
    }
  }

  /** "sshd" and "sshd.service" name the same service, as they do for systemctl. */
  private resolve(unit: string): string {
    if (this.supervisor.has(unit)) return unit;
    const bare = unit.replace(/\.service$/, '');
    if (this.supervisor.has(bare)) return bare;
    const known = this.supervisor.services().map((s) => s.spec.name);
    throw new ControlRefusal(
      `no service named "${unit}" is supervised by aios-init (it runs: ${known.join(', ') || 'nothing'})`,
    );
  }

  private refuseIfCritical(s: SupervisedService, action: string): void {
    if (s.spec.critical !== undefined)
      throw new ControlRefusal(`refusing to ${action} ${s.spec.name}: ${s.spec.critical}`);
  }

  private lastExit(name: string): string {
    const last = this.supervisor.service(name).record.lastExit;
    return last === null ? '' : ` (${last})`;
  }

  private after(name: string, message: string): Answer {
    return { service: this.info(this.supervisor.service(name)), message };
  }

  private info(s: SupervisedService): InitServiceInfo {
    const state = s.record.state as ServiceState;
    return {
      unit: s.spec.name,
      description: s.spec.description ?? '',
      state,
      active: ACTIVE[state],
      enabled: this.enablement.enabled(s.spec.name) ? 'enabled' : 'disabled',
      pid: s.record.pid,
      starts: s.record.starts,
      lastExit: s.record.lastExit,
      critical: s.spec.critical ?? null,
    };
  }
}
