// A person at a terminal that cannot move its cursor (TERM=dumb): aios-shell in line mode under
// a real pseudo-terminal, against a real aiosd whose cloud tier is a (fake) model reached through
// the real Anthropic SDK. Driven only by typed lines: revise a failed goal and approve the new
// plan, a goal that begins with "rollback" planned as a goal, `rollback <id>`, cancel while the
// model is still writing its plan, and the daemon restarting under it.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AiosClient } from '../../src/protocol/client.js';
import type { GoalView } from '../../src/protocol/model.js';
import { disposeTestDaemon, repoRoot, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { spawnInPty, type PtyScreen } from '../helpers/pty-screen.js';
import { FakeProvider } from '../models/fakes/fake-provider.js';

let d: TestDaemon;
let c: AiosClient;
let fake: FakeProvider;
/** Outside the daemon's own directory: a model's plan may not write there unconfirmed. */
let work: string;
let s: PtyScreen | undefined;

beforeAll(async () => {
  fake = await FakeProvider.start('anthropic');
  work = mkdtempSync(join(tmpdir(), 'aios-line-'));
  const dir = mkdtempSync(join(tmpdir(), 'aios-test-'));
  writeFileSync(
    join(dir, 'config.toml'),
    ['[api.claude]', 'model = "claude-test"', `base_url = "${fake.baseURL}"`, ''].join('\n'),
  );
  d = await startTestDaemon({ dir, env: { ANTHROPIC_API_KEY: 'sk-ant-line-test-3e3e3e3e3e3e' } });
  c = await d.client();
});
afterAll(async () => {
  c.close();
  await disposeTestDaemon(d);
  await fake.close();
  rmSync(work, { recursive: true, force: true });
});
afterEach(async () => {
  if (s !== undefined) {
    s.write('quit\r');
    await Promise.race([s.exited, new Promise((r) => setTimeout(r, 2000))]);
    s.kill();
  }
  s = undefined;
});

function openLineMode(): PtyScreen {
  return spawnInPty(process.execPath, [join(repoRoot, 'bin', 'aios-shell.js')], {
    cols: 160,
    rows: 50,
    term: 'dumb',
    env: { ...d.env, XDG_STATE_HOME: join(d.dir, 'xdg-state') },
  });
}

async function newestGoal(text: string): Promise<GoalView> {
  const goal = (await c.call('goal/list', { limit: 50 })).goals.find((g) => g.text === text);
  if (goal === undefined) throw new Error(`no goal "${text}"`);
  return goal;
}

const step = (path: string, content: string): Record<string, unknown> => ({
  tool: 'fs.write',
  args: { path, content },
  rationale: 'the note',
  depends_on: [],
});

describe('line mode (TERM=dumb) under a real pty', () => {
  it('a failed goal is revised with "revise", and the new plan is shown and approved', async () => {
    const target = join(work, 'later', 'note.txt');
    s = openLineMode();
    await s.waitFor(/connected to aiosd/);
    // The plan, then the diagnosis of its failed step (the analyse task, asked after any failure).
    const diagnosis = {
      summary: 'The folder is missing.',
      likely_cause: 'later/ was never made.',
      next_step: 'Make the folder first.',
    };
    fake.push(
      { kind: 'plan', plan: { explanation: 'write the note', steps: [step(target, 'revised\n')] } },
      { kind: 'plan', plan: diagnosis },
    );
    s.write('leave a note for the team in the later folder\r');
    await s.waitFor(/approve with 'approve'/);
    s.write('approve\r');
    await s.waitFor(/is now failed/);
    // The diagnosis is said when it arrives, once, as advice.
    await s.waitFor(
      /s1 diagnosis \(cloud; advice, never run\): The folder is missing\.\s+likely cause: later\/ was never made\.\s+next step: Make the folder first\./,
    );
    const failed = await newestGoal('leave a note for the team in the later folder');
    expect(failed.state).toBe('failed');

    mkdirSync(join(work, 'later'));
    fake.push({
      kind: 'plan',
      plan: { explanation: 'write it now that the folder exists', steps: [step(target, 'revised\n')] },
    });
    s.write('revise\r');
    await s.waitFor(/approval of the failed one does not carry over/);
    expect(s.text()).toContain(`goal ${failed.id.slice(-8)} [awaiting approval]`);
    expect(s.text()).toMatch(/revised plan: write it now that the folder exists/);
    const revised = await c.call('goal/get', { goalId: failed.id });
    expect(revised.plan?.id).not.toBe(failed.plan?.id);
    expect(s.text()).toContain(`hash ${revised.plan?.hash.slice(0, 12) ?? '?'}`);
    expect(existsSync(target)).toBe(false);

    s.write('approve\r');
    await s.waitFor(/is now succeeded/);
    expect(readFileSync(target, 'utf8')).toBe('revised\n');
    expect((await c.call('goal/get', { goalId: failed.id })).state).toBe('succeeded');

    // The trace shows the revision.
    s.write('trace\r');
    await s.waitFor(/plan\.revised/);
  });

  it('a goal that begins with "rollback" is planned as a goal; "rollback <id>" still rolls back', async () => {
    const file = join(d.dir, 'kept.txt');
    s = openLineMode();
    await s.waitFor(/connected to aiosd/);
    s.write(`create a file ${file} containing kept\r`);
    await s.waitFor(/approve with 'approve'/);
    s.write('approve\r');
    await s.waitFor(/is now succeeded/);
    expect(readFileSync(file, 'utf8')).toBe('kept\n');
    const created = await newestGoal(`create a file ${file} containing kept`);

    // Typed as a goal: planned by the model, and the file the last goal wrote is still there.
    fake.push({
      kind: 'plan',
      plan: {
        explanation: 'look at the nginx config',
        steps: [{ tool: 'fs.read', args: { path: file }, rationale: 'see it', depends_on: [] }],
      },
    });
    s.write('rollback the nginx config change\r');
    await s.waitFor(/goal \w{8} \[[a-z ]+\] rollback the nginx config change/);
    const nginx = await newestGoal('rollback the nginx config change');
    expect(nginx.plan?.tier).toBe('cloud');
    expect(nginx.plan?.steps.map((st) => st.tool)).toEqual(['fs.read']);
    expect(existsSync(file)).toBe(true);
    expect((await c.call('goal/get', { goalId: created.id })).state).toBe('succeeded');

    // `goal <text>` sends even a command word as a goal.
    fake.push({
      kind: 'plan',
      plan: {
        explanation: 'nothing to do',
        steps: [{ tool: 'fs.read', args: { path: file }, rationale: 'see it', depends_on: [] }],
      },
    });
    s.write('goal rollback\r');
    await s.waitFor(/\] rollback\n/);
    expect((await newestGoal('rollback')).plan?.tier).toBe('cloud');
    expect(existsSync(file)).toBe(true);

    // The command, with the id as line mode printed it.
    s.write(`rollback ${created.id.slice(-8)}\r`);
    // Said before it is asked: what the rollback would remove.
    await s.waitFor(new RegExp(`rolling back goal \\w{8}: removes ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    await s.waitFor(/Type yes to roll back/);
    s.write('yes\r');
    await s.waitFor(/rolled back goal/);
    expect(existsSync(file)).toBe(false);
    expect((await c.call('goal/get', { goalId: created.id })).state).toBe('rolled_back');
  });

  it('"cancel" stops a goal while the model is still writing its plan; nothing runs', async () => {
    const file = join(work, 'never.txt');
    s = openLineMode();
    await s.waitFor(/connected to aiosd/);
    const requests = fake.requests.length;
    const abandoned = fake.abandoned;
    fake.push({
      kind: 'plan',
      plan: { explanation: 'slowly', steps: [step(file, 'no\n')] },
      chunks: 100,
      delayMs: 100,
    });
    s.write('draft a slow memo for the team\r');
    await s.waitFor(/type 'cancel'/);
    s.write('cancel\r');
    await s.waitFor(/cancelled goal \w{8}: draft a slow memo for the team \(nothing ran\)/);
    const goal = await newestGoal('draft a slow memo for the team');
    expect(goal).toMatchObject({ state: 'cancelled', plan: null });
    expect(fake.requests.length).toBe(requests + 1);
    for (let i = 0; i < 50 && fake.abandoned === abandoned; i++) await new Promise((r) => setTimeout(r, 20));
    expect(fake.abandoned).toBe(abandoned + 1);
    expect(existsSync(file)).toBe(false);

    // Ctrl-C is a SIGINT from the terminal: it cancels the goal being planned, and the shell stays.
    fake.push({
      kind: 'plan',
      plan: { explanation: 'slowly', steps: [step(file, 'no\n')] },
      chunks: 100,
      delayMs: 100,
    });
    s.write('draft another slow memo\r');
    await s.waitFor(/planning "draft another slow memo"\.\.\. type 'cancel'/);
    s.write('\u0003');
    await s.waitFor(/cancelled goal \w{8}: draft another slow memo \(nothing ran\)/);
    expect(await newestGoal('draft another slow memo')).toMatchObject({ state: 'cancelled', plan: null });
    s.write('goals\r');
    await s.waitFor(/\[cancelled\] draft another slow memo\n/);
  });

  it('help lists every command; a command word with the wrong shape gets a clear answer, not an action', async () => {
    s = openLineMode();
    await s.waitFor(/connected to aiosd/);
    s.write('help\r');
    for (const word of [
      'goal <text>',
      'approve [step]',
      'reject [step]',
      'skip <step>',
      'edit <step> <json>',
      'cancel [goal]',
      'revise [goal]',
      'rollback [goal]',
      'show [goal]',
      'trace [goal]',
      'goals',
      'quit',
    ]) {
      await s.waitFor(new RegExp(word.replace(/[[\]]/g, '\\$&')));
    }
    const before = (await c.call('goal/list', { limit: 500 })).goals.length;
    s.write('skip\r');
    await s.waitFor(/! not understood as skip: skip <step>/);
    s.write('goal\r');
    await s.waitFor(/! say what the goal is/);
    s.write('cancel\r');
    await s.waitFor(/no goal is being planned, awaits approval or runs: nothing to cancel/);
    expect((await c.call('goal/list', { limit: 500 })).goals.length).toBe(before);
  });

  it('says when aiosd restarts, reconnects, and goes on', async () => {
    const file = join(d.dir, 'after-restart.txt');
    s = openLineMode();
    await s.waitFor(/connected to aiosd/);
    await d.restart();
    await s.waitFor(/aiosd went away/);
    await s.waitFor(/aiosd is back: reconnected/, 15_000);
    s.write(`create a file ${file} containing again\r`);
    await s.waitFor(/approve with 'approve'/);
    s.write('approve\r');
    await s.waitFor(/is now succeeded/);
    expect(readFileSync(file, 'utf8')).toBe('again\n');
    c.close();
    c = await d.client();
  });
});

describe('a question answered by the model, in line mode and in the TUI', () => {
  const readHostname = {
    explanation: 'read the hostname file',
    steps: [{ tool: 'fs.read', args: { path: '/etc/hostname' }, rationale: 'it names the node', depends_on: [] }],
  };

  it('line mode says the answer once it arrives, after the outputs it was written from', async () => {
    fake.push(
      { kind: 'plan', plan: readHostname },
      { kind: 'plan', plan: { answer: 'The node is named in /etc/hostname: see the output.' } },
    );
    s = openLineMode();
    await s.waitFor(/connected to aiosd/);
    s.write('what name does this machine answer to on the network?\r');
    // The line is long: the screen wraps it.
    await s.waitFor(/answer \(cloud, \$[0-9.]+[\s\S]*?from the outputs below\): The node is named in \/etc\/hostname/);
    const g = await newestGoal('what name does this machine answer to on the network?');
    expect(g.answer).toMatchObject({ ok: true, tier: 'cloud' });
  });

  it('the TUI shows the answer above the steps', async () => {
    fake.push(
      { kind: 'plan', plan: readHostname },
      { kind: 'plan', plan: { answer: 'It is called by the name in /etc/hostname.' } },
    );
    s = spawnInPty(process.execPath, [join(repoRoot, 'bin', 'aios-shell.js')], {
      cols: 120,
      rows: 30,
      term: 'xterm-256color',
      env: { ...d.env, XDG_STATE_HOME: join(d.dir, 'xdg-state'), AIOS_GUARD_MS: '0', AIOS_BURST_MS: '0' },
    });
    await s.waitFor(/goal>/);
    s.write('which name does this host have on the network?\r');
    await s.waitFor(/answer \(cloud, [\s\S]*?It is called by th/);
    const rows = s.screen();
    const answerRow = rows.findIndex((r) => r.includes('It is called by th'));
    const stepRow = rows.findIndex((r) => /s1 .*fs\.read/.test(r));
    expect(stepRow).toBeGreaterThan(answerRow);
  });
});
