// The mesh: one AgentWorker per specialised agent, a supervisor that restarts a faulted
// agent with backoff, routing of steps to agents by tool family, and status for
// `aios agents` and the TUI's panes.
import type { DaemonEvent } from '../../protocol/events.js';
import type { Capability } from '../../tools/tool.js';
import { AgentWorker, type AgentSnapshot } from './agent-worker.js';

export interface AgentSpec {
  name: string;
  domain: string;
  capabilities: readonly Capability[];
  concurrency: number;
}

export interface MeshOptions {
  agents: readonly AgentSpec[];
  emit: (event: DaemonEvent) => void;
  log: (line: string) => void;
  /** First restart delay; doubles per consecutive fault up to maxBackoffMs. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  heartbeatMs?: number;
}

/** Which agent owns which tool family, when the planner's choice cannot serve. */
const FAMILY_OWNER: Readonly<Record<string, string>> = {
  fs: 'storage',
  disk: 'storage',
  process: 'system',
  shell: 'system',
  service: 'system',
  memory: 'monitor',
  monitor: 'monitor',
  hw: 'monitor',
  net: 'network',
  pkg: 'package',
  sec: 'security',
  clean: 'maintenance',
};

export interface Route {
  agent: string;
  reason: string;
}

export class AgentMesh {
  private readonly workers = new Map<string, AgentWorker>();
  private readonly specs = new Map<string, AgentSpec>();
  private readonly faults = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(private readonly opts: MeshOptions) {
    for (const spec of opts.agents) {
      this.specs.set(spec.name, spec);
      this.workers.set(
        spec.name,
        new AgentWorker({
          name: spec.name,
          domain: spec.domain,
          concurrency: spec.concurrency,
          onFault: (agent, reason) => this.supervise(agent, reason),
          onChange: (agent) => this.publish(agent),
        }),
      );
    }
    this.heartbeat = setInterval(() => {
      for (const w of this.workers.values()) if (w.snapshot().state === 'idle') w.beat();
    }, opts.heartbeatMs ?? 5000);
    this.heartbeat.unref();
  }

  get(name: string): AgentWorker | undefined {
    return this.workers.get(name);
  }

  capabilities(name: string): readonly Capability[] | undefined {
    return this.specs.get(name)?.capabilities;
  }

  /**
   * Keeps the planner's agent when it holds every capability the tool needs; otherwise
   * picks the family's owner. The reason goes to the decision log.
   */
  route(step: { agent: string; tool: string }, needs: readonly Capability[]): Route {
    const holds = (agent: string): boolean =>
      needs.every((c) => this.specs.get(agent)?.capabilities.includes(c) ?? false);
    if (holds(step.agent))
      return {
        agent: step.agent,
        reason: `planner chose ${step.agent}, which holds ${needs.join(', ') || 'no special capability'}`,
      };
    const family = step.tool.split('.')[0] ?? '';
    const owner = FAMILY_OWNER[family];
    if (owner !== undefined && holds(owner))
      return { agent: owner, reason: `${step.agent} lacks ${needs.join(', ')}; ${owner} owns ${family}.*` };
    return { agent: step.agent, reason: `no agent holds ${needs.join(', ')} for ${step.tool}; it will be refused` };
  }

  list(): AgentSnapshot[] {
    return [...this.workers.values()].map((w) => w.snapshot());
  }

  stop(): void {
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    for (const t of this.timers) clearTimeout(t);
    for (const w of this.workers.values()) w.stop();
  }

  private supervise(agent: AgentWorker, reason: string): void {
    const n = (this.faults.get(agent.name) ?? 0) + 1;
    this.faults.set(agent.name, n);
    const delay = Math.min((this.opts.baseBackoffMs ?? 250) * 2 ** (n - 1), this.opts.maxBackoffMs ?? 30_000);
    this.opts.log(`agent ${agent.name} faulted (${reason}); restarting in ${delay} ms`);
    this.opts.emit({
      type: 'alert',
      level: 'warning',
      message: `agent ${agent.name} faulted and restarts in ${Math.round(delay)} ms: ${reason}`,
    });
    const t = setTimeout(() => {
      this.timers.delete(t);
      agent.restart();
      // A clean stretch after the restart forgives earlier faults.
      const forgive = setTimeout(() => {
        this.timers.delete(forgive);
        if (agent.snapshot().state !== 'restarting') this.faults.set(agent.name, 0);
      }, delay * 4);
      forgive.unref();
      this.timers.add(forgive);
    }, delay);
    t.unref();
    this.timers.add(t);
  }

  private publish(agent: AgentWorker): void {
    const s = agent.snapshot();
    this.opts.emit({
      type: 'agent.status',
      agent: s.name,
      status: s.state === 'busy' ? 'busy' : 'idle',
      task: s.currentTasks[0] ?? null,
    });
  }
}
