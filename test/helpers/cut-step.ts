// A step cut off when aiosd stopped under it (kill -9, or the power gone), judged after the
// restart by its command's effects (issue 16): the goal is interrupted, the step "outcome
// unknown" (never failed); resume does not run it again, re-approving it takes a confirmation
// that it may already have run, and only that knowing re-run adds one more effect. One helper
// for a local aiosd (test/daemon/restart.test.ts) and aiosd in a VM (test/image/power-loss.image.ts,
// reached through its driver over SSH).
import { expect } from 'vitest';
import type { MethodName, ParamsOf, ResultOf } from '../../src/protocol/methods.js';
import type { GoalView } from '../../src/protocol/model.js';

export type DaemonCall = <M extends MethodName>(method: M, params: ParamsOf<M>) => Promise<ResultOf<M>>;

export interface CutStepDaemon {
  /** One call to aiosd; rejects with aiosd's error message. */
  call: DaemonCall;
  /** The lines the step's command has appended to its file so far. */
  effects(): Promise<string[]>;
  /** The goal once it has ended. */
  ended(goalId: string): Promise<GoalView>;
}

/**
 * A one-step goal whose command appends `ran` to `file` once `file`.go exists: it runs until
 * the test lets it finish, so a stop lands in it however slow the machine is. A writing
 * command runs sandboxed with its declared file writable, so the file must exist first.
 */
export function cutStepCommand(file: string): string {
  return `while ! test -e ${file}.go; do sleep 0.2; done; echo ran >> ${file}`;
}

/** The goal as the restart left it: interrupted, its step s1 "outcome unknown" and still approved. */
export async function expectOutcomeUnknown(d: CutStepDaemon, goalId: string): Promise<GoalView> {
  const goal = await d.call('goal/get', { goalId });
  expect(goal.state, `goal ${goalId}: ${goal.message ?? ''}`).toBe('interrupted');
  expect(goal.message).toMatch(/stopped while this goal was running/);
  expect(goal.plan?.steps[0]).toMatchObject({
    state: 'outcome_unknown',
    error: expect.stringMatching(/may already have run/),
    approvedBy: expect.any(String),
  });
  return goal;
}

/**
 * Once nothing of the step runs any more: its command ran at most once; resume refuses to run
 * it again and re-approval without confirm is refused, neither adding an effect; approved again
 * with confirm, resume runs it and it adds exactly one.
 */
export async function expectNoRerunWithoutConfirm(d: CutStepDaemon, goalId: string): Promise<void> {
  const before = await d.effects();
  expect(before.length, `effects of the cut step: ${JSON.stringify(before)}`).toBeLessThanOrEqual(1);
  await expect(d.call('goal/resume', { goalId })).rejects.toThrow(
    /s1 may already have run \(outcome unknown\).*--rerun s1/,
  );
  const plan = (await d.call('goal/get', { goalId })).plan;
  if (plan === null) throw new Error(`goal ${goalId} has no plan`);
  const again = { planId: plan.id, planHash: plan.hash, decision: 'approve' as const, stepIds: ['s1'] };
  await expect(d.call('plan/decide', again)).rejects.toThrow(/may already have run.*confirm/);
  expect(await d.effects()).toEqual(before);

  const decided = await d.call('plan/decide', { ...again, confirm: true });
  expect(decided.message).toMatch(/approved again by .* may already have run; resume/);
  await d.call('goal/resume', { goalId });
  expect((await d.ended(goalId)).state).toBe('succeeded');
  expect(await d.effects()).toEqual([...before, 'ran']);
}
