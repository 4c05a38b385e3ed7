// The intelligence hierarchy behind the one Planner interface: the reactive rules first,
// always, then learned procedures, then the model tiers route() picks per task: the plan (or
// analysis) first, then a revise after each tier that fails, past tiers that are down. The
// diagnosis of a failed step (analyse) and the health probe of the local models (probe) are
// routed here too. Every choice goes to the decision log with its reason and what it cost.
import type { PlanOutcome, PlanRequest, Planner } from '../agents/planner.js';
import type { DaemonEvent } from '../protocol/events.js';
import type { TierStatus } from '../protocol/intelligence.js';
import type { Tier } from '../protocol/model.js';
import type { DecisionLog } from './gateway/api-gateway.js';
import type { ProbeResult } from './local/local-runtime.js';
import type { AnalysisContext, ModelAnalyst, Reply } from './model-analyst.js';
import type { ModelCost, ModelPlanner, PlanContext } from './model-planner.js';
import { classifyGoal, route, type Task, type TierState } from './route.js';
import { ModelTier, type LocalModelKey } from '../protocol/vocabulary.js';
import { sentence } from '../text/sentence.js';
import type { AnalyseOutcome, AnalyseRequest, AnswerOutcome, AnswerRequest } from '../agents/model-tasks.js';

export type { AnalyseOutcome, AnalyseRequest, AnswerOutcome, AnswerRequest };

export type LocalTier = LocalModelKey;

/** Loads a local model and asks it the health probe; the model's cost is told through onCost. */
export type Prober = (onCost: (c: ModelCost) => void) => Promise<ProbeResult>;

export interface RouterDeps {
  /** Planners that need no model, tried first in this order (reactive rules, procedures). */
  fixed: readonly Planner[];
  planners: Partial<Record<ModelTier, ModelPlanner>>;
  /** The analyse task's side of each model tier (configured with its planner). */
  analysts?: Partial<Record<ModelTier, ModelAnalyst>>;
  /** The health probe of each local tier. */
  probers?: Partial<Record<LocalTier, Prober>>;
  /** Whether each model tier is configured and up now (the runtime's and the gateway's word). */
  availability: () => Record<ModelTier, TierState>;
  /** The share of a monthly cloud budget left (the most any provider has), or null with none to run short of. */
  budgetLeft: () => number | null;
  decisionLog: DecisionLog;
  emit: (event: DaemonEvent) => void;
  /** Said when nothing understood the goal and no model is configured. */
  help: string;
}

/** What one tier's attempts cost, for the decision log: "$0.0123: claude (claude-test) 2100 tokens". */
export function costLine(costs: readonly ModelCost[]): string {
  if (costs.length === 0) return '$0: no model call was made';
  const usd = costs.reduce((n, c) => n + c.usd, 0);
  const tokens = costs.reduce((n, c) => n + c.tokens, 0);
  const via = [...new Set(costs.map((c) => c.via))].join(', ');
  return `$${usd.toFixed(4)}: ${via}, ${tokens} token(s) in ${costs.length} call(s)`;
}

export class Router implements Planner {
  readonly tier: Tier = 'reactive';

  constructor(private readonly d: RouterDeps) {}

  /** The tiers configured, in the hierarchy's order (status/get's "planners"). */
  get names(): string[] {
    return [...this.d.fixed.map((p) => p.tier), ...ModelTier.options.filter((t) => this.d.planners[t] !== undefined)];
  }

  get hasModels(): boolean {
    return ModelTier.options.some((t) => this.d.planners[t] !== undefined);
  }

  /** For the status bar: every tier, whether it is up, and why not. */
  tiers(): TierStatus[] {
    const states = this.tierStates();
    return [
      ...this.d.fixed.map((p) => ({
        name: p.tier,
        up: true,
        detail: p.tier === 'reactive' ? 'built-in rules' : 'learned procedures',
      })),
      ...ModelTier.options.map((t) => ({
        name: t,
        up: states[t].configured && states[t].up,
        detail: states[t].detail,
      })),
    ];
  }

  async plan(request: PlanRequest): Promise<PlanOutcome> {
    const goalId = request.goalId ?? null;
    const reasons: string[] = [];
    for (const p of this.d.fixed) {
      const out = await p.plan(request);
      if (out.kind === 'plan') {
        this.d.decisionLog('router.decision', goalId, {
          tier: p.tier,
          why: p.tier === 'reactive' ? 'a built-in rule matched' : 'a learned procedure matched',
          ...(out.match === undefined ? {} : { match: out.match }),
          ...(request.revision === undefined ? {} : { task: 'revise', revise: request.revision.why }),
        });
        return out;
      }
      if (out.reason !== '') reasons.push(out.reason);
    }
    if (!this.hasModels) return { kind: 'not_understood', reason: [...reasons, this.d.help].join(' ') };

    const goal = classifyGoal(request.text);
    const states = this.tierStates();
    const budgetLeft = this.d.budgetLeft();
    let task: Task = {
      kind: request.task ?? 'plan',
      goal,
      ...(request.revision === undefined ? {} : { stepFailed: request.revision.why }),
    };
    const tried = new Set<ModelTier>();
    const modelReasons: string[] = [];
    // One decision per task: the first plan (or analysis), then a revise after each tier that fails.
    for (;;) {
      const r = route(task, states, budgetLeft);
      const order = r.order.filter((t) => !tried.has(t));
      this.d.decisionLog('router.decision', goalId, { task: task.kind, order, skipped: r.skipped, why: r.why });
      const t = order[0];
      if (t === undefined) {
        if (tried.size > 0) return { kind: 'not_understood', reason: modelReasons.join(' ') };
        return {
          kind: 'not_understood',
          reason: [...reasons, `No model tier is up: ${r.skipped.map((s) => `${s.tier}: ${s.why}`).join('; ')}.`].join(
            ' ',
          ),
        };
      }
      tried.add(t);
      const planner = this.d.planners[t] as ModelPlanner;
      const began = performance.now();
      const costs: ModelCost[] = [];
      let out: PlanOutcome;
      try {
        out = await planner.plan(
          request,
          this.context(goalId, request.signal, (c) => costs.push(c)),
        );
      } catch (err) {
        out = {
          kind: 'not_understood',
          reason: sentence(`The ${t} tier failed: ${err instanceof Error ? err.message : String(err)}`),
        };
      }
      const record = { task: task.kind, tier: t, ms: Math.round(performance.now() - began), cost: costLine(costs) };
      if (request.signal?.aborted === true) {
        this.d.decisionLog('router.cancelled', goalId, record);
        return { kind: 'not_understood', reason: 'Planning was cancelled.' };
      }
      if (out.kind === 'plan') {
        this.d.decisionLog('router.planned', goalId, { ...record, steps: out.steps.length });
        return out;
      }
      this.d.decisionLog('router.fallback', goalId, { ...record, reason: out.reason });
      modelReasons.push(out.reason);
      task = {
        kind: 'revise',
        goal,
        failed: { tier: t, reason: out.reason },
        ...(request.revision === undefined ? {} : { stepFailed: request.revision.why }),
      };
    }
  }

  /**
   * The analyse task for a step that failed: local tiers first, the cloud last (route.ts),
   * each tier that gives no usable diagnosis followed by the next. Decisions and cost lines go
   * to the decision log as for plans. With no model tier configured, nothing happens.
   */
  async analyse(request: AnalyseRequest): Promise<AnalyseOutcome> {
    const { step } = request;
    const out = await this.consult(
      'analyse',
      request.goalId,
      step.goal,
      { step: step.stepId },
      request.signal,
      async (analyst, ctx) => {
        const r = await analyst.analyse(step, ctx);
        return r.ok ? { ok: true as const, value: r.diagnosis } : r;
      },
    );
    return out.kind === 'done' ? { kind: 'diagnosis', tier: out.tier, diagnosis: out.value, cost: out.cost } : out;
  }

  /**
   * The answer task for a question whose read-only steps ran: a model answers it from their
   * outputs, routed and logged like the analyse task. With no model tier configured, nothing happens.
   */
  async answer(request: AnswerRequest): Promise<AnswerOutcome> {
    const out = await this.consult(
      'answer',
      request.goalId,
      request.question.goal,
      {},
      request.signal,
      (analyst, ctx) => analyst.answer(request.question, ctx),
    );
    return out.kind === 'done' ? { kind: 'answer', tier: out.tier, answer: out.value, cost: out.cost } : out;
  }

  /** Asks the analysts of the tiers route() picks, in order, until one gives a usable reply. */
  private async consult<T>(
    task: 'analyse' | 'answer',
    goalId: string,
    goalText: string,
    label: Record<string, unknown>,
    signal: AbortSignal | undefined,
    ask: (analyst: ModelAnalyst, ctx: AnalysisContext) => Promise<Reply<T>>,
  ): Promise<
    | { kind: 'done'; tier: ModelTier; value: T; cost: string }
    | { kind: 'failed' | 'cancelled'; reason: string; cost: string }
    | { kind: 'skipped' }
  > {
    if (!this.hasModels) return { kind: 'skipped' };
    const r = route({ kind: task, goal: classifyGoal(goalText) }, this.tierStates(), this.d.budgetLeft());
    const order = r.order.filter((t) => this.d.analysts?.[t] !== undefined);
    this.d.decisionLog('router.decision', goalId, { task, ...label, order, skipped: r.skipped, why: r.why });
    const all: ModelCost[] = [];
    const reasons: string[] = [];
    for (const t of order) {
      const analyst = this.d.analysts?.[t] as ModelAnalyst;
      const began = performance.now();
      const costs: ModelCost[] = [];
      let out: Reply<T>;
      try {
        out = await ask(analyst, { goalId, onCost: (c) => costs.push(c), ...(signal === undefined ? {} : { signal }) });
      } catch (err) {
        out = { ok: false, reason: `the ${t} tier failed: ${err instanceof Error ? err.message : String(err)}` };
      }
      all.push(...costs);
      const record = { task, ...label, tier: t, ms: Math.round(performance.now() - began), cost: costLine(costs) };
      if (signal?.aborted === true) {
        this.d.decisionLog('router.cancelled', goalId, record);
        const why: unknown = signal.reason;
        return { kind: 'cancelled', reason: why instanceof Error ? why.message : 'cancelled', cost: costLine(all) };
      }
      if (out.ok) {
        this.d.decisionLog(task === 'analyse' ? 'router.analysed' : 'router.answered', goalId, record);
        return { kind: 'done', tier: t, value: out.value, cost: costLine(all) };
      }
      this.d.decisionLog('router.fallback', goalId, { ...record, reason: out.reason });
      reasons.push(`${t}: ${out.reason}`);
    }
    const reason =
      order.length === 0
        ? `no model tier is up (${r.skipped.map((s) => `${s.tier}: ${s.why}`).join('; ') || 'none configured'})`
        : reasons.join('; ');
    return { kind: 'failed', reason, cost: costLine(all) };
  }

  /**
   * The probe task: the health check of the always-loaded local models, at start and after a
   * reload. route() gives local tiers only, so a probe is never a paid call; tiers loaded on
   * demand are not loaded for it. The decision and each result go to the decision log.
   */
  async probe(alwaysLoaded: readonly LocalTier[]): Promise<void> {
    const probers = this.d.probers ?? {};
    const configured = Object.keys(probers) as LocalTier[];
    if (configured.length === 0) return;
    const r = route(
      { kind: 'probe', goal: { kind: 'question', risk: 'low', because: 'a health check' } },
      this.tierStates(),
      null,
    );
    const order = r.order.filter(
      (t): t is LocalTier => t !== 'cloud' && alwaysLoaded.includes(t) && probers[t] !== undefined,
    );
    const onDemand = r.order.filter((t) => !order.includes(t as LocalTier) && t !== 'cloud');
    const why = onDemand.length === 0 ? r.why : `${r.why}; not loaded for it (load on demand): ${onDemand.join(', ')}`;
    this.d.decisionLog('router.decision', null, { task: 'probe', order, skipped: r.skipped, why });
    for (const t of order) {
      const began = performance.now();
      const costs: ModelCost[] = [];
      const out = await (probers[t] as Prober)((c) => costs.push(c));
      const record = { task: 'probe', tier: t, ms: Math.round(performance.now() - began), cost: costLine(costs) };
      this.d.decisionLog(
        'router.probed',
        null,
        out.ok ? { ...record, ok: true, detail: out.detail } : { ...record, ok: false, reason: out.reason },
      );
    }
  }

  private context(goalId: string | null, signal: AbortSignal | undefined, onCost: (c: ModelCost) => void): PlanContext {
    const base = { onCost, ...(signal === undefined ? {} : { signal }) };
    if (goalId === null) return { goalId, ...base };
    let restart = true;
    return {
      goalId,
      ...base,
      onDelta: (text) => {
        this.d.emit({ type: 'plan.delta', goalId, text, restart });
        restart = false;
      },
      onRestart: () => {
        restart = true;
      },
    };
  }

  private tierStates(): Record<ModelTier, TierState> {
    const states = this.d.availability();
    // A tier without a planner is not configured, whatever the runtime says.
    for (const t of ModelTier.options)
      if (this.d.planners[t] === undefined) states[t] = { configured: false, up: false, detail: states[t].detail };
    return states;
  }
}
