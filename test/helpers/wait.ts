import type { AiosClient } from '../../src/protocol/client.js';
import { GoalEnded, type GoalView } from '../../src/protocol/model.js';

const FINAL: ReadonlySet<string> = new Set(GoalEnded.options);

/** Polls until the goal reaches a final state; event-driven code is tested elsewhere. */
export async function waitForGoal(client: AiosClient, goalId: string, timeoutMs = 10_000): Promise<GoalView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const g = await client.call('goal/get', { goalId });
    if (FINAL.has(g.state)) return g;
    if (Date.now() > deadline) throw new Error(`goal ${goalId} still ${g.state}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
