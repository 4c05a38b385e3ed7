// A node's side of a fleet goal: plan it as the person's local account, report the plan (signed by
// this node), run it only on that person's signed approval of exactly this plan group, and report
// each change of state until it ends. Nothing here decides who may do what: approvals and rollbacks
// go through aiosd's own plan/decide and goal/rollback (RpcServer.callAs), so the same role, owner
// and schema checks judge the mapped account as they would at the console.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../files/write-file-atomic.js';
import type { Actor } from '../agents/approval-policy.js';
import type { Planner } from '../agents/planner.js';
import type { GoalView } from '../protocol/model.js';
import { Approval, GoalRequest, RollbackRequest, TERMINAL, type NodeReport } from './messages.js';
import { groupHash } from './plan-group.js';
import { sentPlanner } from './plan-once.js';

export interface GoalEngineLike {
  /** `planner`: in place of the node's own (a plan sent with --plan-once). */
  submit(text: string, actor: Actor, planner?: Planner): Promise<GoalView>;
  get(goalId: string): GoalView;
}

/** One JSON-RPC method as `actor`, through the RPC server's checks; its result, or a thrown refusal. */
export type CallAs = (actor: Actor, method: 'plan/decide' | 'goal/rollback', params: unknown) => Promise<GoalView>;

export interface NodeGoalsDeps {
  engine: GoalEngineLike;
  call: CallAs;
  /** fleet goal id → this node's goal id, kept across restarts (null: memory only). */
  file: string | null;
  report: (fleetGoal: string, kind: 'plan' | 'progress' | 'result', r: NodeReport) => Promise<void>;
  log: (line: string) => void;
  pollMs?: number;
}

export function reportOf(fleetGoal: string, g: GoalView): NodeReport {
  return {
    fleetGoal,
    goalId: g.id,
    state: g.state,
    message: g.message,
    planHash: g.plan === null ? null : groupHash(g.plan),
    needsApproval: g.state === 'awaiting_approval',
    steps: (g.plan?.steps ?? []).map((s) => ({
      id: s.id,
      tool: s.tool,
      args: s.args,
      risk: s.risk,
      reversible: s.reversible,
      summary: s.preview.summary,
      state: s.state,
      error: s.error,
    })),
  };
}

export const refusal = (fleetGoal: string, why: string): NodeReport => ({
  fleetGoal,
  goalId: null,
  state: 'refused',
  message: why,
  planHash: null,
  needsApproval: false,
  steps: [],
});

export class NodeGoals {
  private readonly goals: Map<string, string>;
  private readonly watching = new Set<string>();

  constructor(private readonly d: NodeGoalsDeps) {
    this.goals = d.file === null ? new Map() : loadGoalMap(d.file);
  }

  goalOf(fleetGoal: string): string | undefined {
    return this.goals.get(fleetGoal);
  }

  /** The newest `limit` fleet goals that reached this node, newest first: [fleet goal, goal id]. */
  recent(limit: number): [string, string][] {
    return [...this.goals].slice(-limit).reverse();
  }

  async plan(body: unknown, actor: Actor): Promise<void> {
    const req = GoalRequest.parse(body);
    if (this.goals.has(req.fleetGoal)) {
      // Sent again (the initiator retried): the same goal, reported again, never a second one.
      const g = this.d.engine.get(this.goals.get(req.fleetGoal) ?? '');
      await this.d.report(req.fleetGoal, 'plan', reportOf(req.fleetGoal, g));
      return;
    }
    const g = await this.d.engine.submit(req.text, actor, req.plan === undefined ? undefined : sentPlanner(req.plan));
    this.goals.set(req.fleetGoal, g.id);
    if (this.d.file !== null)
      appendFileSync(this.d.file, JSON.stringify([req.fleetGoal, g.id]) + '\n', { mode: 0o600 });
    await this.d.report(req.fleetGoal, 'plan', reportOf(req.fleetGoal, g));
    this.watch(req.fleetGoal, g);
  }

  async approve(body: unknown, actor: Actor): Promise<void> {
    const a = Approval.parse(body);
    const goalId = this.goals.get(a.fleetGoal);
    if (goalId === undefined) throw new Error(`this node has no goal for fleet goal ${a.fleetGoal}`);
    const g = this.d.engine.get(goalId);
    if (g.plan === null) throw new Error('the goal has no plan to approve');
    // The person approved a plan group; this node runs only if its own plan is in that group.
    if (groupHash(g.plan) !== a.planHash)
      throw new Error(
        `the approval is for plan ${a.planHash.slice(0, 12)}, but this node's plan is ${groupHash(g.plan).slice(0, 12)}`,
      );
    const after = await this.d.call(actor, 'plan/decide', {
      planId: g.plan.id,
      planHash: g.plan.hash,
      decision: a.decision,
      ...(a.confirm === true ? { confirm: true } : {}),
    });
    this.watch(a.fleetGoal, after, true);
  }

  async rollback(body: unknown, actor: Actor): Promise<void> {
    const r = RollbackRequest.parse(body);
    const goalId = this.goals.get(r.fleetGoal);
    if (goalId === undefined) throw new Error(`this node has no goal for fleet goal ${r.fleetGoal}`);
    const g = await this.d.call(actor, 'goal/rollback', { goalId });
    this.watch(r.fleetGoal, g, true);
  }

  /** Reports each change of the goal's state (and of its steps') until it ends or waits for a person. */
  private watch(fleetGoal: string, first: GoalView, force = false): void {
    if (this.watching.has(fleetGoal)) return;
    this.watching.add(fleetGoal);
    let last = force ? '' : signature(first);
    const tick = async (): Promise<void> => {
      const g = this.d.engine.get(first.id);
      const now = signature(g);
      const ended = TERMINAL.has(g.state) || g.state === 'awaiting_approval';
      if (now !== last) {
        last = now;
        await this.d.report(fleetGoal, ended ? 'result' : 'progress', reportOf(fleetGoal, g));
      }
      if (ended && g.state !== 'running') {
        this.watching.delete(fleetGoal);
        return;
      }
      setTimeout(
        () => void tick().catch((err: unknown) => this.d.log(`fleet goal ${fleetGoal}: ${String(err)}`)),
        this.d.pollMs ?? 200,
      );
    };
    void tick().catch((err: unknown) => this.d.log(`fleet goal ${fleetGoal}: ${String(err)}`));
  }
}

const KEEP_GOALS = 5000;

/**
 * fleet goal → goal id, from `file` (JSON lines of [fleetGoal, goalId], appended one per goal:
 * rewriting the whole map at every goal cost a truncating write each time). An older node's
 * single JSON object is read too. Rewritten, newest KEEP_GOALS only, when it has grown past twice that.
 */
function loadGoalMap(file: string): Map<string, string> {
  const goals = new Map<string, string>();
  if (!existsSync(file)) return goals;
  const text = readFileSync(file, 'utf8');
  let lines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    lines++;
    try {
      const v = JSON.parse(line) as unknown;
      if (Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'string') goals.set(v[0], v[1]);
      else if (typeof v === 'object' && v !== null && !Array.isArray(v))
        for (const [k, id] of Object.entries(v)) if (typeof id === 'string') goals.set(k, id);
    } catch {
      /* a line cut short by a crash */
    }
  }
  // Rewritten too after a crash cut the last line short, so the next line does not join it.
  if (lines > 2 * KEEP_GOALS || text.startsWith('{') || !text.endsWith('\n')) {
    const kept = [...goals].slice(-KEEP_GOALS);
    writeFileAtomicSync(file, kept.map((e) => JSON.stringify(e) + '\n').join(''), { mode: 0o600 });
    return new Map(kept);
  }
  return goals;
}

const signature = (g: GoalView): string => `${g.state}|${(g.plan?.steps ?? []).map((s) => s.state).join(',')}`;
