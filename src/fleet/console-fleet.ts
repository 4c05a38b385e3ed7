// Fleet goals started at this node's console (the TUI's fleet view): aiosd runs the initiator's
// rollout (rollout.ts) with the console's own person creds and key, and waits for a person's
// decision on each plan group; the shell only shows the groups and sends the decisions
// (fleet/decide, admins only). Each decision binds to the group's normalised plan hash, and every
// node still checks that hash against its own plan before it runs anything. Kept in memory: a
// restart of aiosd forgets them (their reports stay in AIOS_OUT for aios fleet goal show).
import { ulid } from 'ulid';
import type { FleetGoalView } from '../protocol/fleet.js';
import { TERMINAL } from './messages.js';
import { refusedNodes } from './node-listing.js';
import { selectNodes } from './node-select.js';
import type { PersonBus } from './person-bus.js';
import { runRollout, type NodeOutcome, type PlanGroup, type RolloutOptions } from './rollout.js';

export interface ConsoleStart {
  text: string;
  nodes: string;
  canary: number;
  batch: number;
  maxFailures: number;
  timeoutS: number;
}

type Decision = 'approve' | 'approve-confirmed' | 'reject';

interface Tracked {
  view: FleetGoalView;
  /** The decision made on a group hash, and whoever waits for it. */
  decided: Map<string, Decision>;
  waiting: Map<string, (d: Decision) => void>;
}

const KEEP = 50;

export class ConsoleFleet {
  private readonly goals = new Map<string, Tracked>();

  /** `bus`: the console's person bus, or why there is none (no console creds, the hub away). */
  constructor(private readonly bus: () => Promise<PersonBus>) {}

  /** Selects the nodes and starts the rollout; answers once the goal is sent (plans come later). */
  async start(o: ConsoleStart, startedBy: string): Promise<FleetGoalView> {
    const bus = await this.bus();
    const selected = selectNodes(await bus.nodes(), o.nodes);
    const refused = refusedNodes(selected);
    const nodes = selected.filter((n) => !refused.some((r) => r.node === n.node));
    if (nodes.length === 0)
      throw new Error(
        refused.length > 0
          ? `every node --nodes ${o.nodes} selects is refused: ${refused.map((r) => `${r.node}: ${r.why}`).join('; ')}`
          : `no node matches ${o.nodes} (the fleet view lists them)`,
      );
    const fleetGoal = ulid();
    const t: Tracked = {
      view: {
        fleetGoal,
        text: o.text,
        startedBy,
        startedAt: Date.now(),
        state: 'planning',
        groups: [],
        nodes: [
          ...nodes.map((n) => ({ node: n.node, phase: 'planning', canary: false, state: null, message: null })),
          ...refused.map((r) => ({ node: r.node, phase: 'refused', canary: false, state: null, message: r.why })),
        ],
        failures: refused.length,
        stopped: false,
        error: null,
      },
      decided: new Map(),
      waiting: new Map(),
    };
    this.keep(t);
    const options: RolloutOptions = {
      text: o.text,
      nodes,
      canary: o.canary,
      batch: o.batch,
      maxFailures: o.maxFailures,
      timeoutMs: o.timeoutS * 1000,
      confirm: false,
      fleetGoal,
      decide: (g) => this.awaitDecision(t, g),
      onEvent: (e) => {
        const row = (node: string) => t.view.nodes.find((n) => n.node === node);
        if (e.type === 'planned') {
          t.view.groups = e.groups.map((g) => ({
            hash: g.hash,
            nodes: g.nodes,
            steps: g.steps,
            decision: 'pending',
            decidedBy: null,
          }));
          t.view.state = e.groups.length > 0 ? 'deciding' : 'running';
          for (const n of t.view.nodes) if (n.phase === 'planning') n.phase = 'planned';
          for (const node of e.unreachable) setPhase(row(node), 'unreachable');
        } else if (e.type === 'wave') {
          t.view.state = 'running';
          for (const node of e.nodes) {
            setPhase(row(node), 'running');
            const r = row(node);
            if (r !== undefined) r.canary = e.canary;
          }
        } else if (e.type === 'stopped') t.view.stopped = true;
        else if (e.type === 'node') {
          const r = row(e.node);
          if (r === undefined) return;
          r.state = e.report.state;
          r.message = e.report.message;
          if (TERMINAL.has(e.report.state) && r.phase !== 'planning') r.phase = 'done';
        }
      },
    };
    runRollout(bus, options).then(
      (r) => {
        this.nodeRows(t, r.nodes);
        t.view.failures = r.failures + refused.length;
        t.view.stopped = r.stopped;
        t.view.state = t.view.failures > 0 || r.stopped ? 'failed' : 'done';
      },
      (err: unknown) => {
        t.view.state = 'failed';
        t.view.error = err instanceof Error ? err.message : String(err);
      },
    );
    return structuredClone(t.view);
  }

  /** A person's decision on one group of a fleet goal started here, for exactly the hash they reviewed. */
  decide(
    fleetGoal: string,
    planHash: string,
    decision: 'approve' | 'reject',
    confirm: boolean,
    by: string,
  ): FleetGoalView {
    const t = this.goals.get(fleetGoal);
    if (t === undefined)
      throw new Error(`no fleet goal ${fleetGoal} was started at this console (since aiosd started)`);
    const group = t.view.groups.find((g) => g.hash === planHash);
    if (group === undefined)
      throw new Error(`fleet goal ${fleetGoal} has no plan group ${planHash.slice(0, 12)}: reload and review again`);
    if (group.decision !== 'pending')
      throw new Error(
        `plan group ${planHash.slice(0, 12)} was already decided (${group.decision}) by ${group.decidedBy ?? '?'}`,
      );
    group.decision = decision;
    group.decidedBy = by;
    const d: Decision = decision === 'reject' ? 'reject' : confirm ? 'approve-confirmed' : 'approve';
    t.decided.set(planHash, d);
    t.waiting.get(planHash)?.(d);
    return structuredClone(t.view);
  }

  list(): FleetGoalView[] {
    return [...this.goals.values()].reverse().map((t) => structuredClone(t.view));
  }

  private awaitDecision(t: Tracked, g: PlanGroup): Promise<Decision> {
    const made = t.decided.get(g.hash);
    if (made !== undefined) return Promise.resolve(made);
    return new Promise((resolve) => t.waiting.set(g.hash, resolve));
  }

  /** Each node's row from the rollout's final outcomes. */
  private nodeRows(t: Tracked, outcomes: readonly NodeOutcome[]): void {
    for (const o of outcomes) {
      const r = t.view.nodes.find((n) => n.node === o.node);
      if (r === undefined) continue;
      r.phase = o.phase;
      r.canary = o.canary;
      r.state = o.report?.state ?? r.state;
      r.message = o.report?.message ?? r.message;
    }
  }

  private keep(t: Tracked): void {
    this.goals.set(t.view.fleetGoal, t);
    for (const [id, old] of this.goals) {
      if (this.goals.size <= KEEP) break;
      if (old.view.state === 'done' || old.view.state === 'failed') this.goals.delete(id);
    }
  }
}

function setPhase(row: { phase: string } | undefined, phase: string): void {
  if (row !== undefined) row.phase = phase;
}
