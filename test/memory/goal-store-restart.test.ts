// What a restart does to goals the previous aiosd left mid-way, read from a real state database.
import { afterEach, describe, expect, it } from 'vitest';
import { GoalStore } from '../../src/memory/goal-store.js';
import { tempDatabase } from './temp-db.js';

let close: (() => void) | undefined;
afterEach(() => {
  close?.();
  close = undefined;
});

describe('goals left by a stopped aiosd', () => {
  it('a goal being planned is cancelled; one being revised is failed again with its plan; a running one is interrupted', () => {
    const t = tempDatabase();
    close = t.close;
    const store = new GoalStore(t.db);
    const goal = (id: string, state: 'planning' | 'running') =>
      store.createGoal({ id, text: id, state, submittedBy: 'ada', submittedUid: 1000 });
    goal('first-plan', 'planning');
    goal('revising', 'planning');
    store.savePlan({ id: 'p-old', goalId: 'revising', tier: 'reactive', hash: 'h', steps: [], previews: [] });
    store.setGoalState('revising', 'planning', 'revising the plan');
    goal('running', 'running');

    expect(store.markInterrupted()).toEqual(['running']);
    expect(store.getGoal('first-plan')).toMatchObject({
      state: 'cancelled',
      message: expect.stringMatching(/being planned; nothing ran: submit it again/) as unknown as string,
    });
    expect(store.getGoal('revising')).toMatchObject({ state: 'failed', plan: { id: 'p-old' } });
    expect(store.getGoal('running')?.state).toBe('interrupted');
    expect((store.countByState() as Record<string, number>)['planning'] ?? 0).toBe(0);
  });
});
