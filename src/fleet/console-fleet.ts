// Fleet goals started at this node's console (the TUI's fleet view): aiosd runs the initiator's
// rollout (rollout.ts) with the console's own person creds and key, and waits for a person's
// decision on each plan group; the shell only shows the groups and sends the decisions
// (fleet/decide, admins only). Each decision binds to the group's normalised plan hash, and every
// node still checks that hash against its own plan before it runs anything. Each goal is written
// to the state database at every change (console-goals-store.ts), before anything is sent for
// it: a restart of aiosd lists the goals again, lets a person decide what waits, and takes each
// rollout up where it was, never sending a node a second decision.
import { ulid } from 'ulid';
import { NodeFacts, type FleetGoalView, type SentPlan } from '../protocol/fleet.js';
import type { ConsoleGoalRecord, ConsoleGoalsStore } from './console-goals-store.js';
import { TERMINAL } from './messages.js';
import { refusedNodes } from './node-listing.js';
import { selectNodes } from './node-select.js';
import type { PersonBus } from './person-bus.js';
import { runRollout, type GroupDecision, type NodeOutcome, type PlanGroup, type RolloutOptions } from './rollout.js';

export interface ConsoleStart {
  text: string;
  nodes: string;
  canary: number;
  batch: number;
  maxFailures: number;
  timeoutS: number;
  /** --plan-once: the plan this node's planner drafted, which every node checks as its own. */
  plan?: SentPlan;
  /** --confirm: every approval also confirms the steps that ask for it. */
  confirm?: boolean | undefined;
  /** How long each plan group waits for a person's decision before it expires. */
  decideWithinS: number;
}

interface Tracked {
  view: FleetGoalView;
  start: ConsoleGoalRecord['start'];
  /** The decision made on a group hash, and whoever waits for it. */
  decided: Map<string, GroupDecision>;
  waiting: Map<string, (d: GroupDecision) => void>;
  /** The timer that expires a group nobody decided, by hash. */
  deadlines: Map<string, NodeJS.Timeout>;
}

const KEEP = 50;
/** How long a resumed rollout waits between tries to reach the hub. */
const RESUME_RETRY_MS = 5000;

/** Node phases after which the node was sent its decision (or will never be): never sent again. */
const SENT_PHASES = new Set(['running', 'done', 'not started', 'expired']);

export class ConsoleFleet {
  private readonly goals = new Map<string, Tracked>();

  /**
   * `bus`: the console's person bus, or why there is none (no console creds, the hub away).
   * The goals `store` holds are listed at once; those not ended go on (resume()).
   */
  constructor(
    private readonly bus: () => Promise<PersonBus>,
    private readonly store: ConsoleGoalsStore,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    for (const r of store.load()) this.keep(this.track(r.view, r.start, r.confirmed));
  }

  /** Takes up every goal that had not ended when aiosd stopped. */
  resume(): void {
    for (const t of this.goals.values()) {
      if (t.view.state === 'done' || t.view.state === 'failed') continue;
      const resume =
        t.view.state === 'planning'
          ? undefined
          : {
              groups: t.view.groups.map((g) => ({ hash: g.hash, nodes: g.nodes, steps: g.steps })),
              unreachable: t.view.nodes.filter((n) => n.phase === 'unreachable').map((n) => n.node),
              sent: t.view.nodes.filter((n) => SENT_PHASES.has(n.phase)).map((n) => n.node),
            };
      this.log(`fleet goal ${t.view.fleetGoal} (${t.view.state}) taken up again after a restart`);
      void this.resumeWhenReachable(t, resume);
    }
  }

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
    const view: FleetGoalView = {
      fleetGoal,
      text: o.text,
      startedBy,
      startedAt: Date.now(),
      state: 'planning',
      groups: [],
      decideBy: null,
      nodes: [
        ...nodes.map((n) => ({ node: n.node, phase: 'planning', canary: false, state: null, message: null })),
        ...refused.map((r) => ({ node: r.node, phase: 'refused', canary: false, state: null, message: r.why })),
      ],
      failures: refused.length,
      stopped: false,
      error: null,
    };
    const t = this.track(
      view,
      {
        text: o.text,
        nodes: nodes.map(factsOnly),
        canary: o.canary,
        batch: o.batch,
        maxFailures: o.maxFailures,
        timeoutS: o.timeoutS,
        confirm: o.confirm === true,
        decideWithinS: o.decideWithinS,
        ...(o.plan === undefined ? {} : { plan: o.plan }),
      },
      [],
    );
    this.keep(t);
    this.save(t);
    this.run(t, bus, undefined);
    return structuredClone(t.view);
  }

  private track(view: FleetGoalView, start: ConsoleGoalRecord['start'], confirmed: readonly string[]): Tracked {
    const decided = new Map<string, GroupDecision>();
    for (const g of view.groups)
      if (g.decision === 'approve') decided.set(g.hash, confirmed.includes(g.hash) ? 'approve-confirmed' : 'approve');
      else if (g.decision === 'reject') decided.set(g.hash, 'reject');
      else if (g.decision === 'expired') decided.set(g.hash, 'expire');
    return { view, start, decided, waiting: new Map(), deadlines: new Map() };
  }

  /** Keeps trying to reach the hub, then goes on with the rollout. */
  private async resumeWhenReachable(t: Tracked, resume: RolloutOptions['resume']): Promise<void> {
    for (;;) {
      try {
        const bus = await this.bus();
        if (t.view.error !== null) t.view.error = null;
        this.run(t, bus, resume);
        return;
      } catch (err) {
        t.view.error = `waiting for the hub to go on: ${err instanceof Error ? err.message : String(err)}`;
        await new Promise((r) => setTimeout(r, RESUME_RETRY_MS).unref());
      }
    }
  }

  private run(t: Tracked, bus: PersonBus, resume: RolloutOptions['resume']): void {
    const refused = t.view.nodes.filter((n) => n.phase === 'refused').length;
    const s = t.start;
    const options: RolloutOptions = {
      text: s.text,
      nodes: s.nodes,
      canary: s.canary,
      batch: s.batch,
      maxFailures: s.maxFailures,
      timeoutMs: s.timeoutS * 1000,
      confirm: s.confirm,
      ...(s.plan === undefined ? {} : { plan: s.plan }),
      ...(resume === undefined ? {} : { resume }),
      fleetGoal: t.view.fleetGoal,
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
          t.view.decideBy = Date.now() + s.decideWithinS * 1000;
          for (const n of t.view.nodes) if (n.phase === 'planning') n.phase = 'planned';
          for (const node of e.unreachable) setPhase(row(node), 'unreachable');
        } else if (e.type === 'wave') {
          t.view.state = 'running';
          for (const node of e.nodes) {
            const r = row(node);
            if (r === undefined) continue;
            // Written (below) before the approvals go out: after a restart these are not sent again.
            if (r.phase !== 'done') r.phase = 'running';
            r.canary = e.canary;
          }
        } else if (e.type === 'rejecting') for (const node of e.nodes) setPhase(row(node), 'done');
        else if (e.type === 'stopped') t.view.stopped = true;
        else if (e.type === 'node') {
          const r = row(e.node);
          if (r === undefined) return;
          r.state = e.report.state;
          r.message = e.report.message;
          if (TERMINAL.has(e.report.state) && r.phase !== 'planning' && r.phase !== 'expired') r.phase = 'done';
        }
        this.save(t);
      },
    };
    runRollout(bus, options).then(
      (r) => {
        this.nodeRows(t, r.nodes);
        t.view.failures = r.failures + refused;
        t.view.stopped = r.stopped;
        const expired = t.view.groups.filter((g) => g.decision === 'expired').length;
        if (expired > 0) t.view.error = `${expired} plan group(s) expired: nobody decided them in time`;
        t.view.state = t.view.failures > 0 || r.stopped || expired > 0 ? 'failed' : 'done';
        this.save(t);
      },
      (err: unknown) => {
        t.view.state = 'failed';
        t.view.error = err instanceof Error ? err.message : String(err);
        this.save(t);
      },
    );
  }

  /** Written at each change; a database that cannot take it is said in the log, the rollout goes on. */
  private save(t: Tracked): void {
    try {
      this.store.save({
        view: t.view,
        start: t.start,
        confirmed: [...t.decided].filter(([, d]) => d === 'approve-confirmed').map(([h]) => h),
      });
    } catch (err) {
      this.log(`fleet goal ${t.view.fleetGoal} could not be kept: ${err instanceof Error ? err.message : String(err)}`);
    }
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
      throw new Error(
        `no fleet goal ${fleetGoal} was started at this console (or it is among the oldest, no longer kept)`,
      );
    const group = t.view.groups.find((g) => g.hash === planHash);
    if (group === undefined)
      throw new Error(`fleet goal ${fleetGoal} has no plan group ${planHash.slice(0, 12)}: reload and review again`);
    if (group.decision === 'expired')
      throw new Error(
        `plan group ${planHash.slice(0, 12)} expired: nobody decided it by ${new Date(t.view.decideBy ?? 0).toISOString()}; its nodes get nothing (start the goal again)`,
      );
    if (group.decision !== 'pending')
      throw new Error(
        `plan group ${planHash.slice(0, 12)} was already decided (${group.decision}) by ${group.decidedBy ?? '?'}`,
      );
    group.decision = decision;
    group.decidedBy = by;
    this.settle(t, planHash, decision === 'reject' ? 'reject' : confirm ? 'approve-confirmed' : 'approve');
    this.save(t);
    return structuredClone(t.view);
  }

  list(): FleetGoalView[] {
    return [...this.goals.values()].reverse().map((t) => structuredClone(t.view));
  }

  /**
   * A group's decision, or `expire` once its deadline passes undecided. The rollout asks for the
   * groups one after another, so every group's timer starts when the first is asked for: each
   * expires at the goal's decideBy, whatever the order.
   */
  private awaitDecision(t: Tracked, g: PlanGroup): Promise<GroupDecision> {
    const made = t.decided.get(g.hash);
    if (made !== undefined) return Promise.resolve(made);
    for (const group of t.view.groups) this.arm(t, group.hash);
    return new Promise((resolve) => t.waiting.set(g.hash, resolve));
  }

  private arm(t: Tracked, hash: string): void {
    if (t.deadlines.has(hash) || t.decided.has(hash)) return;
    const expire = (): void => {
      const group = t.view.groups.find((g) => g.hash === hash);
      if (group === undefined || group.decision !== 'pending') return;
      group.decision = 'expired';
      for (const r of t.view.nodes) if (group.nodes.includes(r.node)) r.phase = 'expired';
      this.settle(t, hash, 'expire');
      this.save(t);
    };
    const ms = Math.max(0, (t.view.decideBy ?? Date.now()) - Date.now());
    // setTimeout holds at most 2^31-1 ms (24.8 days): longer waits check again when it fires.
    const timer = setTimeout(
      () => {
        t.deadlines.delete(hash);
        if (Date.now() >= (t.view.decideBy ?? 0)) expire();
        else this.arm(t, hash);
      },
      Math.min(ms, 2 ** 31 - 1),
    );
    timer.unref();
    t.deadlines.set(hash, timer);
  }

  /** Records a group's decision and hands it to the rollout waiting for it. */
  private settle(t: Tracked, hash: string, d: GroupDecision): void {
    clearTimeout(t.deadlines.get(hash));
    t.deadlines.delete(hash);
    t.decided.set(hash, d);
    t.waiting.get(hash)?.(d);
    t.waiting.delete(hash);
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

/** A node's facts as the rollout needs them (its key), without what a listing adds. */
const factsOnly = (n: NodeFacts): NodeFacts => NodeFacts.parse(n);
