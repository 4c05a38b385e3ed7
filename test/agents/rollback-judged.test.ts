// A rollback changes the node as much as the steps it undoes: it is judged as the person rolling
// back, so an operator cannot undo what only an admin could have approved, even on their own goal.
import { lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { engineRig, type EngineRig } from '../helpers/engine.js';
import { isRoot } from '../helpers/system-users.js';
import { until } from '../helpers/until.js';

let rig: EngineRig | undefined;
afterEach(() => {
  rig?.dispose();
  rig = undefined;
});

describe.skipIf(!isRoot)('rollback, judged as the person rolling back', () => {
  it('an operator cannot roll back a high-risk step an admin approved on their goal; the admin can', async () => {
    rig = engineRig(() => ({ tier: 'reactive', plan: () => Promise.reject(new Error('not used')) }));
    const r = rig;
    const home = join(r.dir, 'home', 'ada');
    mkdirSync(home, { recursive: true });
    const file = join(home, 'notes');
    writeFileSync(file, 'x\n');
    const operator = { ...r.actor, uid: 1000, name: 'ada', role: 'operator' as const, home };
    // fs.chown is high risk: only an admin approves it, here on the operator's own goal.
    const goal = await r.engine.submitDirect('fs.chown', { path: file, owner: 'daemon' }, operator);
    const plan = goal.plan as NonNullable<typeof goal.plan>;
    r.engine.decide(plan.id, plan.hash, 'approve', undefined, r.actor, true);
    await until(
      'the goal to run',
      () => Promise.resolve(r.engine.get(goal.id)),
      (g) => g.state !== 'running',
    );
    expect(r.engine.get(goal.id).state).toBe('succeeded');
    expect(lstatSync(file).uid).toBe(1);
    await expect(r.engine.rollback(goal.id, operator)).rejects.toThrow(
      /cannot roll back goal .*high risk: only an admin may approve it/,
    );
    expect(lstatSync(file).uid).toBe(1);
    expect(r.ledger.list({ limit: 100, afterSeq: 0 }).some((e) => e.action === 'goal.rollback_denied')).toBe(true);
    await r.engine.rollback(goal.id, r.actor);
    expect(lstatSync(file).uid).toBe(0);
  });
});
