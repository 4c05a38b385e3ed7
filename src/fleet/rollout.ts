// The initiator's side of a fleet goal: send it to the selected nodes, gather their signed plans,
// group them by normalised hash, get a person's decision on each distinct plan once, then approve
// node by node — canary first, then batches — stopping when failures pass the limit. A node that
// does not answer within the timeout is reported unreachable and never waited for again.
import { ulid } from 'ulid';
import type { NodeFacts } from '../protocol/fleet.js';
import { NodeReport, TERMINAL, type PlanStepSummary, type SentPlan } from './messages.js';
import type { PersonBus } from './person-bus.js';

export interface PlanGroup {
  hash: string;
  nodes: string[];
  steps: PlanStepSummary[];
}

export type NodePhase =
  'planning' | 'planned' | 'waiting' | 'running' | 'done' | 'unreachable' | 'not started' | 'expired';

/**
 * A person's decision on a plan group; `approve-confirmed`: they also typed the confirmation its
 * irreversible or high-risk steps ask for (as --confirm, for this group); `expire`: nobody decided
 * in time, and its nodes get nothing.
 */
export type GroupDecision = 'approve' | 'approve-confirmed' | 'reject' | 'expire';

export interface NodeOutcome {
  node: string;
  phase: NodePhase;
  /** The node's last report (null: it never answered). */
  report: NodeReport | null;
  canary: boolean;
}

export interface RolloutOptions {
  text: string;
  nodes: readonly NodeFacts[];
  canary: number;
  batch: number;
  maxFailures: number;
  timeoutMs: number;
  confirm: boolean;
  /** The person's decision on one plan group (shown to them, or --yes). */
  decide: (group: PlanGroup) => Promise<GroupDecision>;
  /** Each change, for progress lines and tests (e.g. the canary finished). */
  onEvent?: (e: RolloutEvent) => void;
  fleetGoal?: string;
  /** --plan-once: the plan every node checks and previews instead of planning the text itself. */
  plan?: SentPlan;
  /**
   * A rollout taken up again (aiosd restarted, console-fleet.ts): the groups already shown, the
   * nodes that never planned, and the nodes already sent a decision, which are never sent one
   * again (they would refuse it anyway), only waited for.
   */
  resume?: { groups: PlanGroup[]; unreachable: readonly string[]; sent: readonly string[] };
}

export type RolloutEvent =
  | { type: 'planned'; groups: PlanGroup[]; unreachable: string[] }
  | { type: 'wave'; wave: number; nodes: string[]; canary: boolean }
  /** Said before the rejections go out, as 'wave' is before the approvals. */
  | { type: 'rejecting'; nodes: string[] }
  | { type: 'node'; node: string; report: NodeReport }
  | { type: 'wave-done'; wave: number; failures: number }
  | { type: 'stopped'; failures: number };

export interface RolloutResult {
  fleetGoal: string;
  groups: PlanGroup[];
  nodes: NodeOutcome[];
  failures: number;
  stopped: boolean;
}

const failed = (r: NodeReport | null): boolean => r !== null && TERMINAL.has(r.state) && r.state !== 'succeeded';

export async function runRollout(bus: PersonBus, o: RolloutOptions): Promise<RolloutResult> {
  const fleetGoal = o.fleetGoal ?? ulid();
  const keys = new Map(o.nodes.map((n) => [n.node, n.key]));
  const outcomes = new Map<string, NodeOutcome>(
    o.nodes.map((n) => [n.node, { node: n.node, phase: 'planning', report: null, canary: false }]),
  );
  let wake: () => void = () => undefined;
  let changed = new Promise<void>((r) => (wake = r));
  const stop = await bus.follow(fleetGoal, (e) => {
    const out = outcomes.get(e.node);
    // Only the node's own key speaks for it: a message the hub (or anyone) made up is ignored.
    if (out === undefined || keys.get(e.node) !== e.signer) return;
    const parsed = NodeReport.safeParse(e.body);
    if (!parsed.success || parsed.data.fleetGoal !== fleetGoal) return;
    out.report = parsed.data;
    o.onEvent?.({ type: 'node', node: e.node, report: parsed.data });
    wake();
    changed = new Promise<void>((r) => (wake = r));
  });
  const until = async (done: () => boolean, deadline: number): Promise<void> => {
    while (!done() && Date.now() < deadline) {
      await Promise.race([
        changed,
        new Promise((r) => setTimeout(r, Math.min(250, Math.max(1, deadline - Date.now())))),
      ]);
    }
  };
  const all = [...outcomes.values()];
  const sent = new Set(o.resume?.sent ?? []);
  try {
    let groups: PlanGroup[];
    if (o.resume === undefined) {
      const request = { fleetGoal, text: o.text, ...(o.plan === undefined ? {} : { plan: o.plan }) };
      await Promise.all(o.nodes.map((n) => bus.send(n.node, 'goal', request)));
      await until(() => all.every((n) => n.report !== null), Date.now() + o.timeoutMs);
      for (const n of all) n.phase = n.report === null ? 'unreachable' : 'planned';
      groups = groupPlans(all);
      o.onEvent?.({ type: 'planned', groups, unreachable: all.filter((n) => n.report === null).map((n) => n.node) });
    } else {
      // The plans were grouped before: their reports are in AIOS_OUT, read again from the first.
      groups = o.resume.groups;
      const unreachable = new Set(o.resume.unreachable);
      for (const n of all) n.phase = unreachable.has(n.node) ? 'unreachable' : 'planned';
      const planned = all.filter((n) => n.phase === 'planned');
      await until(() => planned.every((n) => n.report !== null), Date.now() + o.timeoutMs);
    }
    const approved: string[] = [];
    const confirmed = new Set<string>();
    for (const g of groups) {
      const decision = await o.decide(g);
      if (decision === 'approve-confirmed') confirmed.add(g.hash);
      if (decision === 'approve' || decision === 'approve-confirmed') approved.push(...g.nodes);
      else if (decision === 'expire') for (const node of g.nodes) (outcomes.get(node) as NodeOutcome).phase = 'expired';
      else {
        for (const node of g.nodes) (outcomes.get(node) as NodeOutcome).phase = 'done';
        const unsent = g.nodes.filter((node) => !sent.has(node));
        o.onEvent?.({ type: 'rejecting', nodes: unsent });
        await Promise.all(
          unsent.map((node) => bus.send(node, 'approve', { fleetGoal, planHash: g.hash, decision: 'reject' })),
        );
      }
    }
    const hashOf = new Map(groups.flatMap((g) => g.nodes.map((n) => [n, g.hash] as const)));
    approved.sort();
    const waves = [approved.slice(0, o.canary), ...chunks(approved.slice(o.canary), o.batch)].filter(
      (w) => w.length > 0,
    );
    let failures = 0;
    let stopped = false;
    for (const [i, wave] of waves.entries()) {
      if (failures > o.maxFailures) {
        stopped = true;
        o.onEvent?.({ type: 'stopped', failures });
        for (const node of wave) (outcomes.get(node) as NodeOutcome).phase = 'not started';
        continue;
      }
      const canary = i === 0 && o.canary > 0;
      o.onEvent?.({ type: 'wave', wave: i, nodes: wave, canary });
      // Signed now, for each node and its plan group: a signature is fresh when the node gets it.
      await Promise.all(
        wave.map((node) => {
          const out = outcomes.get(node) as NodeOutcome;
          out.canary = canary;
          out.phase = 'running';
          if (sent.has(node)) return Promise.resolve();
          return bus.send(node, 'approve', {
            fleetGoal,
            planHash: hashOf.get(node) ?? '',
            decision: 'approve',
            ...(o.confirm || confirmed.has(hashOf.get(node) ?? '') ? { confirm: true } : {}),
          });
        }),
      );
      const outs = wave.map((n) => outcomes.get(n) as NodeOutcome);
      const finished = (n: NodeOutcome): boolean =>
        n.report !== null && TERMINAL.has(n.report.state) && n.report.state !== 'awaiting_approval';
      await until(() => outs.every(finished), Date.now() + o.timeoutMs);
      for (const n of outs) n.phase = finished(n) ? 'done' : 'unreachable';
      failures += outs.filter((n) => failed(n.report)).length;
      o.onEvent?.({ type: 'wave-done', wave: i, failures });
    }
    // Plans that ran on their own (read-only under the node's policy): their results, within the timeout.
    const auto = all.filter((n) => n.phase === 'planned');
    await until(() => auto.every((n) => n.report !== null && TERMINAL.has(n.report.state)), Date.now() + o.timeoutMs);
    for (const n of auto) n.phase = n.report !== null && TERMINAL.has(n.report.state) ? 'done' : 'unreachable';
    failures += auto.filter((n) => failed(n.report)).length;
    return { fleetGoal, groups, nodes: all, failures, stopped };
  } finally {
    stop();
  }
}

/** Plans waiting for a person, grouped by normalised hash, biggest group first. */
export function groupPlans(nodes: readonly NodeOutcome[]): PlanGroup[] {
  const groups = new Map<string, PlanGroup>();
  for (const n of nodes) {
    const r = n.report;
    if (r === null || !r.needsApproval || r.planHash === null) continue;
    const g = groups.get(r.planHash) ?? { hash: r.planHash, nodes: [], steps: r.steps };
    g.nodes.push(n.node);
    groups.set(r.planHash, g);
  }
  return [...groups.values()].sort((a, b) => b.nodes.length - a.nodes.length || a.hash.localeCompare(b.hash));
}

function chunks<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += Math.max(1, size)) out.push(xs.slice(i, i + Math.max(1, size)));
  return out;
}
