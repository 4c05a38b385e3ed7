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

export interface SupervisedService {
  spec: ServiceSpec;
  record: ServiceRecord;
  recent: string[];
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
    this.runners.set(
      spec.name,
      new ServiceRunner(spec, policy, {
        log: this.options.log,
        changed: (r) => this.options.onChange?.(r.record()),
      }),
    );
  }

  has(name: string): boolean {
    return this.runners.has(name);
  }

  /**
   * Starts a service after what it requires; resolves with the state it settled in. The boot
   * starts each service once; `again` (a person's start) also starts one that failed or, a
   * oneshot, finished, and what it requires likewise.
   */
  start(name: string, opts: { again?: boolean } = {}): Promise<ServiceState> {
    return this.startAfterRequirements(name, opts.again === true, []);
  }

  /** Stops a service and starts it again. */
  async restart(name: string): Promise<ServiceState> {
    await this.stop(name);
    return this.start(name, { again: true });
  }

  private async startAfterRequirements(name: string, again: boolean, chain: string[]): Promise<ServiceState> {
    const runner = this.runner(name);
    if (chain.includes(name)) throw new SupervisorError(`requirement cycle: ${[...chain, name].join(' → ')}`);
    if (this.shuttingDown) return runner.state;
    const startable =
      runner.state === 'inactive' ||
      runner.state === 'stopped' ||
      (again && (runner.state === 'failed' || runner.state === 'done'));
    if (!startable) return runner.settled();
    runner.setState('waiting');
    for (const dep of runner.spec.requires ?? []) {
      const depState = await this.startAfterRequirements(dep, again, [...chain, name]);
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

  /** A line about one service, to the log and its recent lines (who asked for a stop, say). */
  note(name: string, text: string): void {
    this.runner(name).note(text);
  }

  /** One service's spec, record and recent lines. */
  service(name: string): SupervisedService {
    const r = this.runner(name);
    return { spec: r.spec, record: r.record(), recent: r.recent.all() };
  }

  /** Every service, in the order they were added. */
  services(): SupervisedService[] {
    return [...this.runners.keys()].map((n) => this.service(n));
  }

  private runner(name: string): ServiceRunner {
    const r = this.runners.get(name);
    if (r === undefined) throw new SupervisorError(`no service named ${name}`);
    return r;
  }
}
