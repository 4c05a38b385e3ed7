// Runs services in dependency order, restarts them by their policy, kills the ones whose
// watchdog probe stops answering, and stops everything in reverse order. Each service is a
// process group of its own, so a stop reaches its children too.
import type { ServiceRecord } from '../../src/protocol/boot-timeline.js';
import { DEFAULT_POLICY, type RestartPolicy } from './restart-policy.js';
import { ServiceRunner } from './service-runner.js';
import type { ServiceSpec, ServiceState } from './service-spec.js';

export interface SupervisorOptions {
  log: (line: string) => void;
  onChange?: (record: ServiceRecord) => void;
  defaultPolicy?: RestartPolicy;
}

/** A service that was asked for but is not known, or a requirement cycle. */
export class SupervisorError extends Error {
  override readonly name = 'SupervisorError';
}

export class Supervisor {
  private readonly runners = new Map<string, ServiceRunner>();
  /** Order in which services were started: stopAll walks it backwards. */
  private readonly startOrder: string[] = [];
  private shuttingDown = false;

  constructor(private readonly options: SupervisorOptions) {}

  add(spec: ServiceSpec): void {
    if (this.runners.has(spec.name)) throw new SupervisorError(`service ${spec.name} is defined twice`);
    const policy = { ...(this.options.defaultPolicy ?? DEFAULT_POLICY), ...spec.policy };
    this.runners.set(spec.name, new ServiceRunner(spec, policy, {
      log: this.options.log,
      changed: (r) => this.options.onChange?.(r.record()),
    }));
  }

  has(name: string): boolean {
    return this.runners.has(name);
  }

  /** Starts a service after what it requires; resolves with the state it settled in. */
  async start(name: string, chain: string[] = []): Promise<ServiceState> {
    const runner = this.runner(name);
    if (chain.includes(name)) throw new SupervisorError(`requirement cycle: ${[...chain, name].join(' → ')}`);
    if (this.shuttingDown) return runner.state;
    if (runner.state !== 'inactive' && runner.state !== 'stopped') return runner.settled();
    runner.setState('waiting');
    for (const dep of runner.spec.requires ?? []) {
      const depState = await this.start(dep, [...chain, name]);
      if (depState !== 'running' && depState !== 'done') {
        runner.fail(`requirement ${dep} is ${depState}`);
        return runner.state;
      }
    }
    if (!this.startOrder.includes(name)) this.startOrder.push(name);
    return runner.launch();
  }

  stop(name: string): Promise<void> {
    return this.runner(name).stop();
  }

  /** Stops every service, dependents before what they require. */
  async stopAll(): Promise<void> {
    this.shuttingDown = true;
    for (const name of [...this.startOrder].reverse()) await this.runner(name).stop();
  }

  state(name: string): ServiceState {
    return this.runner(name).state;
  }

  records(): ServiceRecord[] {
    return [...this.runners.values()].map((r) => r.record());
  }

  private runner(name: string): ServiceRunner {
    const r = this.runners.get(name);
    if (r === undefined) throw new SupervisorError(`no service named ${name}`);
    return r;
  }
}
