// Revising a failed plan in the goal engine (real stores): what the planner is told about the
// failure (bounded, sanitised, framed as data; what already ran), who may ask, and what happens
// when no new plan comes back (the goal stays as it was).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { PlanOutcome, PlanRequest, Planner } from '../../src/agents/planner.js';
import { OUTPUT_TAIL_CHARS } from '../../src/agents/revision-context.js';
import type { GoalView, PlanStepSpec } from '../../src/protocol/model.js';
import { defineTool } from '../../src/tools/tool.js';
import { engineRig, type EngineRig } from '../helpers/engine.js';

let rig: EngineRig | undefined;
afterEach(() => {
  rig?.dispose();
  rig = undefined;
});

/** Fails, with a long output that ends in an escape sequence (untrusted text). */
const breaks = defineTool({
  name: 'test.break',
  description: 'fails',
  schema: z.strictObject({ n: z.number().int() }),
  capabilities: ['exec'],
  risk: 'medium',
  reversible: false,
  mutates: true,
  preview: () => Promise.resolve({ summary: 'fails' }),
  execute: () =>
    Promise.resolve({ ok: false, output: `${'x'.repeat(5000)}\nlast line \u001b[2J done\n`, error: 'it broke\u0007' }),
});
const works = defineTool({
  name: 'test.work',
  description: 'works',
  schema: z.strictObject({ n: z.number().int() }),
  capabilities: ['exec'],
  risk: 'medium',
  reversible: false,
  mutates: true,
  preview: () => Promise.resolve({ summary: 'works' }),
  execute: () => Promise.resolve({ ok: true, output: 'fine\n' }),
});

const step = (id: string, tool: string, dependsOn: string[] = []): PlanStepSpec => ({
  id,
  agent: 'system',
  tool,
  args: { n: 1 },
  rationale: '',
  risk: 'low',
  reversible: false,
  dependsOn,
});

/** Answers each request from its list in turn, and keeps every request it was given. */
function scripted(answers: PlanOutcome[]): Planner & { requests: PlanRequest[] } {
  const requests: PlanRequest[] = [];
  return {
    tier: 'local',
    requests,
    plan: (r) => {
      requests.push(r);
      return Promise.resolve(answers.shift() ?? { kind: 'not_understood', reason: 'no more answers' });
    },
  };
}

async function failedGoal(planner: ReturnType<typeof scripted>): Promise<{ r: EngineRig; goal: GoalView }> {
  const r = engineRig(() => planner, { tools: () => [breaks, works] });
  rig = r;
  const planned = await r.engine.submit('do the thing', r.actor);
  if (planned.plan === null) throw new Error('no plan');
  r.engine.decide(planned.plan.id, planned.plan.hash, 'approve', undefined, r.actor, true);
  await r.engine.idle();
  const goal = r.engine.get(planned.id);
  expect(goal.state).toBe('failed');
  return { r, goal };
}

const first: PlanOutcome = {
  kind: 'plan',
  tier: 'local',
  steps: [step('s1', 'test.work'), step('s2', 'test.break', ['s1']), step('s3', 'test.work', ['s2'])],
  explanation: 'first',
};

describe('goal revise (engine)', () => {
  it('tells the planner what failed, bounded and sanitised, and what already ran', async () => {
    const planner = scripted([
      first,
      { kind: 'plan', tier: 'local', steps: [step('s1', 'test.work')], explanation: 'second' },
    ]);
    const { r, goal } = await failedGoal(planner);
    const revised = await r.engine.revise(goal.id, r.actor);
    expect(revised).toMatchObject({ id: goal.id, state: 'awaiting_approval', message: 'revised plan: second' });

    const req = planner.requests[1];
    expect(req).toMatchObject({ text: 'do the thing', task: 'revise', goalId: goal.id });
    const context = req?.revision?.context ?? '';
    expect(context).toMatch(/^The previous plan for this goal failed\. .*DATA/s);
    expect(context).toContain('Failed step s2: test.break {"n":1}');
    expect(context).toContain('error: it broke^G');
    expect(context).toContain('last line ^[[2J done');
    expect(context).toContain('Already ran and still in effect: step s1: test.work {"n":1}');
    expect(context).toContain('Did not run (skipped): step s3: test.work');
    expect(context).toMatch(/steps that already ran are still in effect/);
    // Only the tail of the output, and no raw control character anywhere.
    expect(context.length).toBeLessThan(OUTPUT_TAIL_CHARS + 1500);
    expect([...context].filter((ch) => ch !== '\n' && (ch < ' ' || ch === '\u007f'))).toEqual([]);
    expect(req?.revision?.why).toBe('revise after s2 (test.break) failed: it broke^G');
  });

  it('a revision cancelled while it is planned leaves the goal failed, with its plan', async () => {
    const planner = scripted([first]);
    const { r, goal } = await failedGoal(planner);
    // The next answer never comes: the planner waits until it is aborted, as a model call does.
    planner.plan = (req) =>
      new Promise((_resolve, reject) => req.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    const revising = r.engine.revise(goal.id, r.actor);
    expect(r.engine.get(goal.id).state).toBe('planning');
    const cancelled = r.engine.cancel(goal.id, r.actor);
    expect(cancelled).toMatchObject({ state: 'failed', message: goal.message, plan: { id: goal.plan?.id } });
    expect(await revising).toMatchObject({ state: 'failed', plan: { id: goal.plan?.id } });
    const row = r.db
      .prepare("SELECT payload FROM events WHERE goal_id = ? AND type = 'plan.revise_failed'")
      .get(goal.id) as { payload: string } | undefined;
    expect(JSON.parse(row?.payload ?? '{}')).toMatchObject({ reason: 'cancelled by tester' });
  });

  it('without a new plan the goal stays failed, with its plan and message, and the attempt is recorded', async () => {
    const planner = scripted([first, { kind: 'not_understood', reason: 'The model found nothing better.' }]);
    const { r, goal } = await failedGoal(planner);
    await expect(r.engine.revise(goal.id, r.actor)).rejects.toThrow(
      `no revised plan for goal ${goal.id}: The model found nothing better.; the goal is failed as before`,
    );
    const after = r.engine.get(goal.id);
    expect(after).toMatchObject({
      state: 'failed',
      message: goal.message,
      plan: { id: goal.plan?.id, hash: goal.plan?.hash },
    });
    const row = r.db
      .prepare("SELECT payload FROM events WHERE goal_id = ? AND type = 'plan.revise_failed'")
      .get(goal.id) as { payload: string } | undefined;
    expect(JSON.parse(row?.payload ?? '{}')).toMatchObject({
      from: goal.plan?.id,
      reason: 'The model found nothing better.',
    });
    // It can be asked again.
    await expect(r.engine.revise(goal.id, r.actor)).rejects.toThrow(/no more answers/);
  });

  it('a rollback after a revision undoes both plans, the revised one first', async () => {
    const answers: PlanOutcome[] = [];
    const planner = scripted(answers);
    const r = engineRig(() => planner, { tools: () => [breaks] });
    rig = r;
    const a = join(r.dir, 'a.txt');
    const b = join(r.dir, 'b.txt');
    writeFileSync(a, 'a before\n');
    writeFileSync(b, 'b before\n');
    const write = (id: string, path: string, content: string, dependsOn: string[] = []): PlanStepSpec => ({
      id,
      agent: 'storage',
      tool: 'fs.write',
      args: { path, content },
      rationale: '',
      risk: 'medium',
      reversible: true,
      dependsOn,
    });
    answers.push(
      {
        kind: 'plan',
        tier: 'local',
        explanation: 'first',
        steps: [write('s1', a, 'a changed\n'), step('s2', 'test.break', ['s1'])],
      },
      { kind: 'plan', tier: 'local', explanation: 'revised', steps: [write('s1', b, 'b changed\n')] },
    );
    const planned = await r.engine.submit('change a and b', r.actor);
    if (planned.plan === null) throw new Error('no plan');
    r.engine.decide(planned.plan.id, planned.plan.hash, 'approve', undefined, r.actor, true);
    await r.engine.idle();
    expect(r.engine.get(planned.id).state).toBe('failed');
    expect(readFileSync(a, 'utf8')).toBe('a changed\n'); // the failed plan's first step ran

    const revised = await r.engine.revise(planned.id, r.actor);
    if (revised.plan === null) throw new Error('no revised plan');
    r.engine.decide(revised.plan.id, revised.plan.hash, 'approve', undefined, r.actor, true);
    await r.engine.idle();
    expect(r.engine.get(planned.id).state).toBe('succeeded');
    expect(readFileSync(b, 'utf8')).toBe('b changed\n');

    const back = await r.engine.rollback(planned.id, r.actor);
    expect(back.state).toBe('rolled_back');
    expect(readFileSync(a, 'utf8')).toBe('a before\n');
    expect(readFileSync(b, 'utf8')).toBe('b before\n');
    const row = r.db.prepare("SELECT detail FROM audit WHERE action = 'goal.rollback'").get() as
      { detail: string } | undefined;
    expect(JSON.parse(row?.detail ?? '{}')).toMatchObject({ steps: ['s1', `${planned.plan.id}/s1`] });
  });
});
