// `aios goal <verb>` for scripts, against a real aiosd: verbs never become goals, ids may be the
// 8 characters the TUI prints, and an approval is bound to the hash the script reviewed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GoalView } from '../../src/protocol/model.js';
import { disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { runCli, type CliRun } from '../helpers/aios-cli.js';

let d: TestDaemon;
beforeAll(async () => {
  d = await startTestDaemon();
});
afterAll(async () => {
  await disposeTestDaemon(d);
});

const aios = (...args: string[]): Promise<CliRun> => runCli(d, args);

async function goals(...filters: string[]): Promise<GoalView[]> {
  const r = await aios('goal', 'list', '--json', ...filters);
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { goals: GoalView[] }).goals;
}

/** A goal left awaiting approval, and the file its one step would write. */
async function planned(name: string): Promise<{ goal: GoalView; file: string }> {
  const file = join(d.dir, name);
  const r = await aios('goal', '--json', `create a file ${file} containing ${name}`);
  expect(r.code).toBe(0);
  const goal = JSON.parse(r.stdout) as GoalView;
  expect(goal.state).toBe('awaiting_approval');
  return { goal, file };
}

const short = (g: GoalView): string => g.id.slice(-8);
const hash16 = (g: GoalView): string => g.plan?.hash.slice(0, 16) ?? '';

describe('aios goal verbs', () => {
  it('list filters by state, submitter and count, and submits nothing', async () => {
    const { goal } = await planned('listed.txt');
    const before = (await goals()).length;
    const text = await aios('goal', 'list');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(short(goal));
    expect(text.stdout).toContain(hash16(goal));
    expect((await goals()).length).toBe(before); // "list" was not sent to the planner
    expect((await goals('--state', 'awaiting_approval')).map((g) => g.id)).toContain(goal.id);
    expect((await goals('--state', 'succeeded')).map((g) => g.id)).not.toContain(goal.id);
    expect((await goals('--mine')).map((g) => g.id)).toContain(goal.id);
    expect(await goals('--limit', '1')).toHaveLength(1);
    const badState = await aios('goal', 'list', '--state', 'finished');
    expect(badState.code).toBe(2);
    expect(badState.stderr).toMatch(/not a goal state/);
    const stray = await aios('goal', 'list', '--hash', '0123456789abcdef');
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/--hash is not an option of aios goal list/);
  });

  it('approve --hash binds the approval to the reviewed plan, by the 8 characters the TUI prints', async () => {
    const { goal, file } = await planned('approved.txt');
    const wrong = await aios('goal', 'approve', short(goal), '--hash', '0000000000000000', '--json');
    expect(wrong.code).toBe(5);
    expect(JSON.parse(wrong.stdout)).toMatchObject({ error: expect.stringMatching(/hash mismatch/) as unknown });
    expect(existsSync(file)).toBe(false);
    const ok = await aios('goal', 'approve', short(goal), '--hash', hash16(goal), '--json');
    expect(ok.code).toBe(0);
    const out = JSON.parse(ok.stdout) as { approved: { hash: string; boundTo: string }; goal: GoalView };
    expect(out.approved).toMatchObject({ hash: goal.plan?.hash, boundTo: 'the hash given' });
    expect(out.goal.state).toBe('succeeded');
    expect(readFileSync(file, 'utf8')).toBe('approved.txt\n');
    const again = await aios('goal', 'approve', short(goal));
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/succeeded: there is no plan waiting/);

    // A rollback is reviewed: without --yes it says what it would do, and does nothing.
    const review = await aios('goal', 'rollback', short(goal));
    expect(review.code).toBe(2);
    expect(review.stderr).toMatch(
      new RegExp(`removes ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s\\S]*run again with --yes`),
    );
    expect(existsSync(file)).toBe(true);
    const rolled = await aios('goal', 'rollback', short(goal), '--yes', '--json');
    expect(rolled.code).toBe(0);
    expect((JSON.parse(rolled.stdout) as GoalView).state).toBe('rolled_back');
    expect(existsSync(file)).toBe(false);
  });

  it('approve without --hash says which hash it approved; --step names the steps', async () => {
    const { goal, file } = await planned('current.txt');
    const step = goal.plan?.steps[0]?.id ?? '';
    const r = await aios('goal', 'approve', goal.id, '--step', step);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`hash ${goal.plan?.hash ?? ''} (the current plan; pass --hash`);
    expect(r.stdout).toMatch(/succeeded/);
    expect(existsSync(file)).toBe(true);
  });

  it('reject closes the plan and runs nothing', async () => {
    const { goal, file } = await planned('rejected.txt');
    const r = await aios('goal', 'reject', short(goal), '--json');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as GoalView).state).toBe('rejected');
    expect(existsSync(file)).toBe(false);
  });

  it('resume, revise, show and cancel are verbs: refusals come from aiosd, and cancel stops a goal awaiting approval', async () => {
    const { goal } = await planned('verbs.txt');
    const resume = await aios('goal', 'resume', short(goal));
    expect(resume.code).toBe(1);
    expect(resume.stderr).toMatch(/only an interrupted goal can be resumed/);
    const revise = await aios('goal', 'revise', short(goal));
    expect(revise.code).toBe(1);
    expect(revise.stderr).toMatch(/only a failed or interrupted goal can be revised/);
    const show = await aios('goal', 'show', short(goal), '--json');
    expect(show.code).toBe(0);
    expect((JSON.parse(show.stdout) as { goal: GoalView }).goal.id).toBe(goal.id);
    const cancel = await aios('goal', 'cancel', short(goal), '--json');
    expect(cancel.code).toBe(0);
    expect((JSON.parse(cancel.stdout) as GoalView).state).toBe('cancelled');
  });

  it('an id that is not one, names nothing, or names several is refused and never planned', async () => {
    const before = (await goals('--limit', '500')).length;
    const notId = await aios('goal', 'show', 'notes.txt');
    expect(notId.code).toBe(2);
    expect(notId.stderr).toMatch(/not a goal id.*aios goal -- notes\.txt/);
    const unknown = await aios('goal', 'approve', 'ZZZZZZZZ', '--json');
    expect(unknown.code).toBe(4);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ error: expect.stringMatching(/no goal "ZZZZZZZZ"/) as unknown });
    // Goals submitted within a second share the start of their ids (a ULID starts with the time).
    const c = await d.client();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await c.call('goal/submit', { text: `read ${join(d.dir, `same-${i}.txt`)}` })).id);
    c.close();
    const pair = [0, 1]
      .map((i) => [ids[i] ?? '', ids[i + 1] ?? ''] as const)
      .find(([a, b]) => a.slice(0, 8) === b.slice(0, 8));
    expect(pair).toBeDefined();
    const ambiguous = await aios('goal', 'show', pair?.[0].slice(0, 8) ?? '');
    expect(ambiguous.code).toBe(4);
    expect(ambiguous.stderr).toMatch(/names more than one goal/);
    expect((await goals('--limit', '500')).length).toBe(before + 3);
  });

  it('aios goal -- <text> submits any text, a verb included', async () => {
    const r = await aios('goal', '--json', '--', 'list');
    const goal = JSON.parse(r.stdout) as GoalView;
    expect(goal.text).toBe('list');
    expect(goal.state).toBe('not_understood');
    expect(r.code).toBe(1);
  });
});
