// The intelligence hierarchy behind the one Planner interface: the reactive rules first,
// always, then learned procedures, then the model tiers in the order route() picks for the
// goal, stepping down past tiers that are down or fail. Every choice goes to the decision log.
import type { PlanOutcome, PlanRequest, Planner } from '../agents/planner.js';
import type { DaemonEvent } from '../protocol/events.js';
import type { TierStatus } from '../protocol/intelligence.js';
import type { Tier } from '../protocol/model.js';
import type { DecisionLog } from './gateway/api-gateway.js';
import type { ModelPlanner, PlanContext } from './model-planner.js';
import { classifyGoal, route, type ModelTier, type TierState } from './route.js';

export interface RouterDeps {
  /** Planners that need no model, tried first in this order (reactive rules, procedures). */
  fixed: readonly Planner[];
  planners: Partial<Record<ModelTier, ModelPlanner>>;
  /** Whether each model tier is configured and up now (the runtime's and the gateway's word). */
  availability: () => Record<ModelTier, TierState>;
  /** The smallest share of a monthly cloud budget left, or null without budgets. */
  budgetLeft: () => number | null;
  decisionLog: DecisionLog;
  emit: (event: DaemonEvent) => void;
  /** Said when nothing understood the goal and no model is configured. */
  help: string;
}

const MODEL_TIERS: readonly ModelTier[] = ['operational', 'tactical', 'cloud'];

export class Router implements Planner {
  readonly tier: Tier = 'reactive';

  constructor(private readonly d: RouterDeps) {}

  /** The tiers configured, in the hierarchy's order (status/get's "planners"). */
  get names(): string[] {
    return [...this.d.fixed.map((p) => p.tier), ...MODEL_TIERS.filter((t) => this.d.planners[t] !== undefined)];
  }

  get hasModels(): boolean {
    return MODEL_TIERS.some((t) => this.d.planners[t] !== undefined);
  }

  /** For the status bar: every tier, whether it is up, and why not. */
  tiers(): TierStatus[] {
    const states = this.tierStates();
    return [
      ...this.d.fixed.map((p) => ({ name: p.tier, up: true, detail: p.tier === 'reactive' ? 'built-in rules' : 'learned procedures' })),
      ...MODEL_TIERS.map((t) => ({ name: t, up: states[t].configured && states[t].up, detail: states[t].detail })),
    ];
  }

  async plan(request: PlanRequest): Promise<PlanOutcome> {
    const goalId = request.goalId ?? null;
    const reasons: string[] = [];
    for (const p of this.d.fixed) {
      const out = await p.plan(request);
      if (out.kind === 'plan') {
        this.d.decisionLog('router.decision', goalId, { tier: p.tier, why: p.tier === 'reactive' ? 'a built-in rule matched' : 'a learned procedure matched' });
        return out;
      }
      if (out.reason !== '') reasons.push(out.reason);
    }
    if (!this.hasModels) return { kind: 'not_understood', reason: [...reasons, this.d.help].join(' ') };

    const goal = classifyGoal(request.text);
    const r = route(goal, this.tierStates(), this.d.budgetLeft());
    this.d.decisionLog('router.decision', goalId, { order: r.order, skipped: r.skipped, why: r.why });
    if (r.order.length === 0) {
      return { kind: 'not_understood', reason: [...reasons, `No model tier is up: ${r.skipped.map((s) => `${s.tier}: ${s.why}`).join('; ')}.`].join(' ') };
    }
    const modelReasons: string[] = [];
    for (const t of r.order) {
      const planner = this.d.planners[t] as ModelPlanner;
      const began = performance.now();
      let out: PlanOutcome;
      try {
        out = await planner.plan(request, this.context(goalId));
      } catch (err) {
        out = { kind: 'not_understood', reason: `The ${t} tier failed: ${err instanceof Error ? err.message : String(err)}.` };
      }
      const ms = Math.round(performance.now() - began);
      if (out.kind === 'plan') {
        this.d.decisionLog('router.planned', goalId, { tier: t, steps: out.steps.length, ms });
        return out;
      }
      this.d.decisionLog('router.fallback', goalId, { tier: t, reason: out.reason, ms, next: r.order[r.order.indexOf(t) + 1] ?? null });
      modelReasons.push(out.reason);
    }
    return { kind: 'not_understood', reason: modelReasons.join(' ') };
  }

  private context(goalId: string | null): PlanContext {
    if (goalId === null) return { goalId };
    let restart = true;
    return {
      goalId,
      onDelta: (text) => {
        this.d.emit({ type: 'plan.delta', goalId, text, restart });
        restart = false;
      },
      onRestart: () => { restart = true; },
    };
  }

  private tierStates(): Record<ModelTier, TierState> {
    const states = this.d.availability();
    // A tier without a planner is not configured, whatever the runtime says.
    for (const t of MODEL_TIERS) if (this.d.planners[t] === undefined) states[t] = { configured: false, up: false, detail: states[t].detail };
    return states;
  }
}
