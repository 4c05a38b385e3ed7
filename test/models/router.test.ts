// Which tier plans a goal, why, and what happens when a tier is down or fails. The model
// planners here are replays behind the ModelPlanner interface, as a recorded model would be.
import { describe, expect, it } from 'vitest';
import type { PlanOutcome } from '../../src/agents/planner.js';
import { ReactivePlanner } from '../../src/agents/reactive-planner.js';
import type { DaemonEvent } from '../../src/protocol/events.js';
import type { ModelPlanner } from '../../src/models/model-planner.js';
import { classifyGoal, route, type Task, type TierState } from '../../src/models/route.js';
import type { ModelTier } from '../../src/protocol/vocabulary.js';
import type { ProbeResult } from '../../src/models/local/local-runtime.js';
import type { AnalystAnswer, ModelAnalyst } from '../../src/models/model-analyst.js';
import { Router, type LocalTier, type Prober, type RouterDeps } from '../../src/models/router.js';
import type { FailedStep } from '../../src/models/step-diagnosis.js';
import { engineRig } from '../helpers/engine.js';

const up = (detail = 'ok'): TierState => ({ configured: true, up: true, detail });
const down = (detail: string): TierState => ({ configured: true, up: false, detail });
const none: TierState = { configured: false, up: false, detail: 'not configured' };

describe('classifyGoal', () => {
  it('reads the kind and the likely risk from the words', () => {
    expect(classifyGoal('why is the disk so full?')).toMatchObject({ kind: 'question', risk: 'low' });
    expect(classifyGoal('create a backup of nginx.conf')).toMatchObject({
      kind: 'change',
      risk: 'medium',
      because: '"create"',
    });
    expect(classifyGoal('restart nginx')).toMatchObject({ kind: 'change', risk: 'high', because: '"restart"' });
    expect(classifyGoal('which packages should I upgrade')).toMatchObject({ kind: 'question', risk: 'high' });
  });
});

const plan = (text: string): Task => ({ kind: 'plan', goal: classifyGoal(text) });

describe('route', () => {
  const all = { operational: up(), tactical: up(), cloud: up() };

  it('routes each task kind by its own rule, and says which task it decided', () => {
    const question = classifyGoal('why is the disk full?');
    const risky = classifyGoal('delete old logs');
    // A revise climbs from the tier that failed, and never asks it again.
    const revise = route(
      { kind: 'revise', goal: question, failed: { tier: 'operational', reason: 'bad plan' } },
      all,
      null,
    );
    expect(revise.order).toEqual(['tactical', 'cloud']);
    expect(revise.why).toContain('revise after operational failed (bad plan)');
    expect(route({ kind: 'revise', goal: risky, failed: { tier: 'tactical', reason: 'x' } }, all, null).order).toEqual([
      'cloud',
      'operational',
    ]);
    expect(route({ kind: 'revise', goal: risky, failed: { tier: 'cloud', reason: 'x' } }, all, null).order).toEqual([
      'tactical',
      'operational',
    ]);
    // A plan whose step failed on the node (goal/revise): the strongest tier first, whatever the risk.
    const afterStep = route(
      { kind: 'revise', goal: question, stepFailed: 'revise after s1 (fs.write) failed: no such directory' },
      all,
      null,
    );
    expect(afterStep.order).toEqual(['cloud', 'tactical', 'operational']);
    expect(afterStep.why).toContain('revise after s1 (fs.write) failed: no such directory: stronger tiers first');
    // Output is read locally first whatever the risk; the cloud last.
    expect(route({ kind: 'analyse', goal: question }, all, null).order).toEqual(['operational', 'tactical', 'cloud']);
    expect(route({ kind: 'analyse', goal: risky }, all, null)).toMatchObject({
      order: ['tactical', 'operational', 'cloud'],
      why: expect.stringContaining('analyse output locally first') as unknown as string,
    });
    // A probe never makes a paid call.
    expect(route({ kind: 'probe', goal: risky }, all, null).order).toEqual(['operational', 'tactical']);
    expect(route({ kind: 'probe', goal: risky }, { ...all, operational: none, tactical: none }, null).order).toEqual(
      [],
    );
  });

  it('sends questions to the small local model first and risky changes to the strongest', () => {
    expect(route(plan('what is using port 80?'), all, null).order).toEqual(['operational', 'tactical', 'cloud']);
    expect(route(plan('edit the motd'), all, null).order).toEqual(['tactical', 'cloud', 'operational']);
    expect(route(plan('delete old logs in /var/log'), all, null).order).toEqual(['cloud', 'tactical', 'operational']);
  });

  it('puts the cloud last when little of the budget is left, and says so', () => {
    const r = route(plan('delete old logs'), all, 0.05);
    expect(r.order).toEqual(['tactical', 'operational', 'cloud']);
    expect(r.why).toContain('cloud last: 5% of the monthly budget left');
  });

  it('skips tiers that are down or not configured, and names the degradation', () => {
    const r = route(plan('restart nginx'), { operational: up(), tactical: none, cloud: down('no API key') }, null);
    expect(r.order).toEqual(['operational']);
    expect(r.skipped).toEqual([{ tier: 'cloud', why: 'no API key' }]);
    expect(r.why).toContain('degraded: cloud down (no API key)');
  });
});

function replay(
  name: ModelTier,
  outcome: PlanOutcome | Error,
  deltas: string[] = [],
): ModelPlanner & { calls: number } {
  return {
    tier: name === 'cloud' ? 'cloud' : 'local',
    name,
    calls: 0,
    plan(_req, ctx) {
      this.calls++;
      for (const d of deltas) ctx.onDelta?.(d);
      return outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome);
    },
  };
}

const PLAN: PlanOutcome = { kind: 'plan', tier: 'cloud', steps: [], explanation: 'replayed' };

describe('Router', () => {
  function router(
    planners: Partial<Record<ModelTier, ModelPlanner>>,
    states: Partial<Record<ModelTier, TierState>> = {},
    budgetLeft: number | null = null,
  ) {
    const log: { type: string; payload: Record<string, unknown> }[] = [];
    const events: DaemonEvent[] = [];
    const r = new Router({
      fixed: [new ReactivePlanner()],
      planners,
      help: 'configure a model',
      availability: () => ({ operational: none, tactical: none, cloud: none, ...states }),
      budgetLeft: () => budgetLeft,
      decisionLog: (type, _g, payload) => log.push({ type, payload }),
      emit: (e) => events.push(e),
    });
    return { r, log, events };
  }

  it('lets the reactive rules answer first, without asking a model', async () => {
    const cloud = replay('cloud', PLAN);
    const { r, log } = router({ cloud });
    const out = await r.plan({ text: 'disk usage', home: '/home/ada', goalId: 'G' });
    expect(out).toMatchObject({ kind: 'plan', tier: 'reactive' });
    expect(cloud.calls).toBe(0);
    expect(log).toEqual([{ type: 'router.decision', payload: { tier: 'reactive', why: 'a built-in rule matched' } }]);
  });

  it("with no model configured, answers with the rules' help, as before", async () => {
    const { r } = router({});
    const out = await r.plan({ text: 'make the node faster', home: '/h' });
    expect(out).toMatchObject({
      kind: 'not_understood',
      reason: expect.stringContaining('configure a model') as unknown as string,
    });
    expect(r.tiers().map((t) => [t.name, t.up])).toEqual([
      ['reactive', true],
      ['operational', false],
      ['tactical', false],
      ['cloud', false],
    ]);
  });

  it('with no tier up, says which are down and why', async () => {
    const cloud = replay('cloud', PLAN);
    const { r } = router({ cloud }, { cloud: down('no API key: set ANTHROPIC_API_KEY') });
    const out = await r.plan({ text: 'make the node faster', home: '/h' });
    expect(out).toEqual({
      kind: 'not_understood',
      reason: expect.stringContaining(
        'No model tier is up: cloud: no API key: set ANTHROPIC_API_KEY.',
      ) as unknown as string,
    });
    expect(cloud.calls).toBe(0);
    expect(r.tiers().find((t) => t.name === 'cloud')).toEqual({
      name: 'cloud',
      up: false,
      detail: 'no API key: set ANTHROPIC_API_KEY',
    });
  });

  it('steps down to the next tier when one fails or finds no plan, and logs each step', async () => {
    const cloud = replay('cloud', new Error('gateway exploded'));
    const tactical = replay('tactical', { kind: 'not_understood', reason: 'The tactical model found no plan.' });
    const operational = replay('operational', { ...PLAN, tier: 'local' }, ['{"expl', 'anation"']);
    const { r, log, events } = router(
      { cloud, tactical, operational },
      { operational: up(), tactical: up(), cloud: up() },
    );
    const out = await r.plan({ text: 'restart nginx', home: '/h', goalId: 'G7' });
    expect(out).toMatchObject({ kind: 'plan', tier: 'local' });
    expect([cloud.calls, tactical.calls, operational.calls]).toEqual([1, 1, 1]);
    expect(log.map((l) => l.type)).toEqual([
      'router.decision',
      'router.fallback',
      'router.decision',
      'router.fallback',
      'router.decision',
      'router.planned',
    ]);
    expect(log[0]?.payload).toMatchObject({
      task: 'plan',
      order: ['cloud', 'tactical', 'operational'],
      why: expect.stringContaining('high risk ("restart")') as unknown as string,
    });
    expect(log[1]?.payload).toMatchObject({
      task: 'plan',
      tier: 'cloud',
      reason: 'The cloud tier failed: gateway exploded.',
      cost: '$0: no model call was made',
    });
    // Each failure is a new task, a revise, decided again with its own reason.
    expect(log[2]?.payload).toMatchObject({
      task: 'revise',
      order: ['tactical', 'operational'],
      why: expect.stringContaining('revise after cloud failed') as unknown as string,
    });
    expect(log[4]?.payload).toMatchObject({ task: 'revise', order: ['operational'] });
    expect(log[5]?.payload).toMatchObject({ task: 'revise', tier: 'operational', steps: 0 });
    // The plan streamed to subscribers as it was written.
    expect(events).toEqual([
      { type: 'plan.delta', goalId: 'G7', text: '{"expl', restart: true },
      { type: 'plan.delta', goalId: 'G7', text: 'anation"', restart: false },
    ]);
  });
});

describe('Router under the goal engine: the task comes from who asked', () => {
  it("plans a person's risky goal in the cloud first, and analyses the monitor's locally first", async () => {
    const log: { type: string; payload: Record<string, unknown> }[] = [];
    const operational = replay('operational', { kind: 'plan', tier: 'local', steps: [], explanation: 'local' });
    const cloud = replay('cloud', PLAN);
    const rig = engineRig(
      () =>
        new Router({
          fixed: [],
          planners: { operational, cloud },
          help: 'configure a model',
          availability: () => ({ operational: up(), tactical: none, cloud: up() }),
          budgetLeft: () => null,
          decisionLog: (type, _g, payload) => log.push({ type, payload }),
          emit: () => undefined,
        }),
    );
    try {
      const text = 'diagnose why the disk filled up and delete what caused it';
      await rig.engine.submit(text, rig.actor);
      expect(log[0]?.payload).toMatchObject({ task: 'plan', order: ['cloud', 'operational'] });
      log.length = 0;
      await rig.engine.submit(text, { ...rig.actor, name: 'monitor-agent' }, undefined, { task: 'analyse' });
      expect(log[0]?.payload).toMatchObject({
        task: 'analyse',
        order: ['operational', 'cloud'],
        why: expect.stringContaining('analyse output locally first') as unknown as string,
      });
      expect(log[1]).toMatchObject({ type: 'router.planned', payload: { task: 'analyse', tier: 'operational' } });
      expect([operational.calls, cloud.calls]).toEqual([1, 1]);
    } finally {
      rig.dispose();
    }
  });
});

describe('Router: the analyse task for a failed step, and the probe task', () => {
  const STEP: FailedStep = {
    goal: 'why is the disk full?',
    stepId: 's1',
    tool: 'shell.exec',
    args: { command: 'du -sh /' },
    error: 'exited with status 1',
    output: 'du: cannot read',
  };
  const DIAGNOSIS = {
    summary: 'du could not read a directory',
    likely_cause: 'permissions',
    next_step: 'run it as an admin',
  };

  function analyst(name: ModelTier, answer: AnalystAnswer | Error | 'hang'): ModelAnalyst & { calls: number } {
    return {
      name,
      calls: 0,
      analyse(_step, ctx) {
        this.calls++;
        ctx.onCost?.({
          usd: name === 'cloud' ? 0.002 : 0,
          tokens: 120,
          via: name === 'cloud' ? 'claude (claude-test)' : `local ${name}`,
        });
        if (answer === 'hang')
          return new Promise((_r, reject) => ctx.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
        return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
      },
      // The answer task goes through the same tiers: a usable diagnosis here means a usable answer.
      answer(_question, ctx) {
        this.calls++;
        ctx.onCost?.({
          usd: name === 'cloud' ? 0.002 : 0,
          tokens: 80,
          via: name === 'cloud' ? 'claude (claude-test)' : `local ${name}`,
        });
        if (answer === 'hang' || answer instanceof Error)
          return Promise.reject(answer === 'hang' ? new Error('no answer') : answer);
        return Promise.resolve(
          answer.ok ? { ok: true as const, value: `${name}: ${answer.diagnosis.summary}` } : answer,
        );
      },
    };
  }

  it('answers a question from its outputs locally first, the next tier when one gives no usable answer, with every decision logged', async () => {
    const operational = analyst('operational', {
      ok: false,
      reason: 'the reply is not an answer: answer: answer is empty',
    });
    const cloud = analyst('cloud', { ok: true, diagnosis: DIAGNOSIS });
    const { r, log } = router({ operational, cloud }, { operational: up(), cloud: up() });
    const out = await r.answer({
      goalId: 'G1',
      question: {
        goal: 'why is the disk full?',
        steps: [{ stepId: 's1', tool: 'shell.exec', args: {}, output: '9.9G /var/log' }],
      },
    });
    expect(out).toMatchObject({ kind: 'answer', tier: 'cloud', answer: 'cloud: du could not read a directory' });
    expect(log.map((l) => [l.type, l.payload['task'], l.payload['tier'] ?? null])).toEqual([
      ['router.decision', 'answer', null],
      ['router.fallback', 'answer', 'operational'],
      ['router.answered', 'answer', 'cloud'],
    ]);
    expect(String(log[0]?.payload['why'])).toContain('answer from the outputs, locally first');
  });

  function router(
    analysts: Partial<Record<ModelTier, ModelAnalyst>>,
    states: Partial<Record<ModelTier, TierState>>,
    probers: RouterDeps['probers'] = {},
  ) {
    const log: { type: string; goalId: string | null; payload: Record<string, unknown> }[] = [];
    const planners = Object.fromEntries(
      Object.keys({ ...analysts, ...probers }).map((t) => [t, replay(t as ModelTier, PLAN)]),
    );
    const r = new Router({
      fixed: [],
      planners,
      analysts,
      probers,
      help: 'configure a model',
      availability: () => ({ operational: none, tactical: none, cloud: none, ...states }),
      budgetLeft: () => null,
      decisionLog: (type, goalId, payload) => log.push({ type, goalId, payload }),
      emit: () => undefined,
    });
    return { r, log };
  }

  it('reads the step locally first, and goes on to the next tier when one gives no usable diagnosis', async () => {
    const operational = analyst('operational', {
      ok: false,
      reason: 'the answer is not a diagnosis: summary: summary is empty',
    });
    const tactical = analyst('tactical', new Error('runtime stopped'));
    const cloud = analyst('cloud', { ok: true, diagnosis: DIAGNOSIS });
    const { r, log } = router({ operational, tactical, cloud }, { operational: up(), tactical: up(), cloud: up() });
    const out = await r.analyse({ goalId: 'G1', step: STEP });
    expect(out).toEqual({
      kind: 'diagnosis',
      tier: 'cloud',
      diagnosis: DIAGNOSIS,
      cost: '$0.0020: local operational, local tactical, claude (claude-test), 360 token(s) in 3 call(s)',
    });
    expect(log.map((l) => [l.type, l.goalId])).toEqual([
      ['router.decision', 'G1'],
      ['router.fallback', 'G1'],
      ['router.fallback', 'G1'],
      ['router.analysed', 'G1'],
    ]);
    expect(log[0]?.payload).toMatchObject({ task: 'analyse', step: 's1', order: ['operational', 'tactical', 'cloud'] });
    expect(log[1]?.payload).toMatchObject({
      task: 'analyse',
      tier: 'operational',
      reason: 'the answer is not a diagnosis: summary: summary is empty',
      cost: '$0.0000: local operational, 120 token(s) in 1 call(s)',
    });
    expect(log[2]?.payload).toMatchObject({ tier: 'tactical', reason: 'the tactical tier failed: runtime stopped' });
    expect(log[3]?.payload).toMatchObject({
      task: 'analyse',
      tier: 'cloud',
      cost: '$0.0020: claude (claude-test), 120 token(s) in 1 call(s)',
    });
  });

  it('asks nothing and records nothing with no model tier; says why when every tier is down; stops when cancelled', async () => {
    expect(await router({}, {}).r.analyse({ goalId: 'G', step: STEP })).toEqual({ kind: 'skipped' });

    const down1 = router(
      { cloud: analyst('cloud', { ok: true, diagnosis: DIAGNOSIS }) },
      { cloud: down('monthly budget exhausted') },
    );
    expect(await down1.r.analyse({ goalId: 'G', step: STEP })).toEqual({
      kind: 'failed',
      reason: 'no model tier is up (cloud: monthly budget exhausted)',
      cost: '$0: no model call was made',
    });
    expect(down1.log.map((l) => l.type)).toEqual(['router.decision']);

    const cloud = analyst('cloud', { ok: true, diagnosis: DIAGNOSIS });
    const { r, log } = router(
      { operational: analyst('operational', 'hang'), cloud },
      { operational: up(), cloud: up() },
    );
    const abort = new AbortController();
    const pending = r.analyse({ goalId: 'G', step: STEP, signal: abort.signal });
    abort.abort(new Error('cancelled by ada'));
    expect(await pending).toMatchObject({ kind: 'cancelled', reason: 'cancelled by ada' });
    expect(log.map((l) => l.type)).toEqual(['router.decision', 'router.cancelled']);
    expect(cloud.calls).toBe(0);
  });

  it('probes the always-loaded local tiers only, never the cloud, and logs each result', async () => {
    const probed: string[] = [];
    const prober =
      (tier: LocalTier, result: ProbeResult): Prober =>
      (onCost) => {
        probed.push(tier);
        onCost({ usd: 0, tokens: 16, via: `local ${tier}` });
        return Promise.resolve(result);
      };
    const { r, log } = router(
      { cloud: analyst('cloud', { ok: true, diagnosis: DIAGNOSIS }) },
      { operational: up(), tactical: up(), cloud: up() },
      {
        operational: prober('operational', { ok: false, reason: 'health probe: m produced no text' }),
        tactical: prober('tactical', { ok: true, tokens: 16, detail: 'answered' }),
      },
    );
    await r.probe(['operational']);
    expect(probed).toEqual(['operational']);
    expect(log.map((l) => [l.type, l.goalId])).toEqual([
      ['router.decision', null],
      ['router.probed', null],
    ]);
    expect(log[0]?.payload).toMatchObject({
      task: 'probe',
      order: ['operational'],
      why: 'probe: local tiers only, never a paid call; not loaded for it (load on demand): tactical',
    });
    expect(log[1]?.payload).toEqual({
      task: 'probe',
      tier: 'operational',
      ok: false,
      reason: 'health probe: m produced no text',
      ms: expect.any(Number) as unknown as number,
      cost: '$0.0000: local operational, 16 token(s) in 1 call(s)',
    });
  });
});
