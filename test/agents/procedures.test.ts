import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PlannerChain } from '../../src/agents/planner.js';
import { ProcedurePlanner } from '../../src/agents/procedure-planner.js';
import { ReactivePlanner } from '../../src/agents/reactive-planner.js';
import { normalizeGoal } from '../../src/agents/procedure-store.js';
import { engineRig, type EngineRig } from '../helpers/engine.js';
import { ScriptedModel } from './helpers/scripted-model.js';

let rig: EngineRig | undefined;
afterEach(() => {
  rig?.dispose();
  rig = undefined;
});

async function runToEnd(
  r: EngineRig,
  text: string,
): Promise<{ tier: string | undefined; state: string; explanation: string | null }> {
  const goal = await r.engine.submit(text, r.actor);
  if (goal.plan === null) return { tier: undefined, state: goal.state, explanation: goal.message };
  r.engine.decide(goal.plan.id, goal.plan.hash, 'approve', undefined, r.actor);
  await r.engine.idle();
  const done = r.engine.get(goal.id);
  return { tier: goal.plan.tier, state: done.state, explanation: goal.message };
}

describe('learned procedures', () => {
  it('a goal a model planned and that succeeded is planned next time from the procedure, with no model call', async () => {
    let model: ScriptedModel | undefined;
    rig = engineRig((procedures, dir) => {
      model = new ScriptedModel(dir);
      return new PlannerChain([new ReactivePlanner(), new ProcedurePlanner(procedures), model], 'help');
    });
    const first = await runToEnd(rig, 'Write the greeting file please');
    expect(first).toMatchObject({ tier: 'local', state: 'succeeded' });
    expect(model?.calls).toBe(1);
    expect(readFileSync(join(rig.dir, 'greeting.txt'), 'utf8')).toBe('hi\n');

    const again = await runToEnd(rig, 'write the greeting file'); // same words, other case and filler
    expect(again.tier).toBe('procedure');
    expect(again.state).toBe('succeeded');
    expect(again.explanation).toMatch(
      /reused the procedure learned from "Write the greeting file please".*no model was called/,
    );
    expect(model?.calls).toBe(1);

    const reordered = await runToEnd(rig, 'greeting file: write it');
    expect(model?.calls).toBe(2); // "it" is a content word: a different goal, so the model is asked
    expect(reordered.tier).toBe('local');
    expect(rig.procedures.stats()).toMatchObject({ hits: 1, stored: 2 });
  });

  it('a failed goal is not learned, and reactive goals never need to be', async () => {
    rig = engineRig(
      (procedures) => new PlannerChain([new ReactivePlanner(), new ProcedurePlanner(procedures)], 'help'),
    );
    await runToEnd(rig, `create a file ${join(rig.dir, 'x.txt')} containing y`);
    await runToEnd(rig, `delete ${join(rig.dir, 'missing')}`);
    expect(rig.procedures.stats().stored).toBe(0);
  });

  it('normalises goal text for matching', () => {
    expect(normalizeGoal('  Show   /etc/Hostname!! ')).toBe('show /etc/hostname');
  });
});
