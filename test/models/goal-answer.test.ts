// A question's answer: its read-only steps run, then a model (here the real Anthropic SDK
// against the local fake) answers it from their outputs. The answer is in the goal (`aios goal
// --json`), in the ledger with its cost, and framed as data in the model's prompt.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GoalView } from '../../src/protocol/model.js';
import { aiosBin, disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { FakeProvider } from './fakes/fake-provider.js';

const run = promisify(execFile);
const KEY = 'sk-ant-answer-test-0123456789';
const READ_HOSTNAME = {
  explanation: 'read the hostname file',
  steps: [{ tool: 'fs.read', args: { path: '/etc/hostname' }, rationale: 'it names the node', depends_on: [] }],
};
const ANSWER = 'This node answers to the name in /etc/hostname, shown below.';

async function goal(d: TestDaemon, text: string): Promise<GoalView> {
  const { stdout } = await run(process.execPath, [aiosBin, 'goal', text, '--json', '--yes'], { env: d.env }).catch(
    (e: { stdout: string }) => e,
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as GoalView;
}

describe('a question answered by the cloud tier', () => {
  let d: TestDaemon | undefined;
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await FakeProvider.start('anthropic');
    const dir = mkdtempSync(join(tmpdir(), 'aios-test-'));
    writeFileSync(join(dir, 'config.toml'), '');
    d = await startTestDaemon({ dir, env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: fake.baseURL } });
  });
  afterAll(async () => {
    await disposeTestDaemon(d);
    await fake.close();
  });

  it('runs the read-only steps, then shows the answer with its tier and cost, and audits it', async () => {
    const daemon = d as TestDaemon;
    fake.push({ kind: 'plan', plan: READ_HOSTNAME }, { kind: 'plan', plan: { answer: ANSWER } });
    const g = await goal(daemon, 'what name does this machine answer to on the network?');
    expect(g.state).toBe('succeeded');
    expect(g.answer).toMatchObject({
      pending: false,
      ok: true,
      text: ANSWER,
      tier: 'cloud',
      cost: expect.stringMatching(/^\$0\.\d+/),
    });
    // The second request asked for an answer, with the step's output framed as data.
    const asked = fake.requests[1]?.body as { tool_choice: { name: string }; messages: { content: string }[] };
    expect(asked.tool_choice).toMatchObject({ name: 'submit_answer' });
    expect(asked.messages[0]?.content).toMatch(/--- BEGIN OUTPUTS ---[\s\S]*fs\.read[\s\S]*--- END OUTPUTS ---/);
    const c = await daemon.client();
    const audit = await c.call('audit/list', { limit: 100 });
    expect(audit.entries.find((e) => e.action === 'goal.answer' && e.subject === g.id)).toBeDefined();
    // The same goal again, read from the store, keeps its answer.
    expect((await c.call('goal/get', { goalId: g.id })).answer?.text).toBe(ANSWER);
    c.close();
  });

  it('answers nothing for a change, even one that succeeded', async () => {
    const daemon = d as TestDaemon;
    const target = join(mkdtempSync(join(tmpdir(), 'aios-answer-')), 'made.txt');
    fake.push({
      kind: 'plan',
      plan: {
        explanation: 'write it',
        steps: [{ tool: 'fs.write', args: { path: target, content: 'x' }, rationale: 'asked', depends_on: [] }],
      },
    });
    const g = await goal(daemon, `put an x into ${target} for the tests`);
    expect(g.state, JSON.stringify(g)).toBe('succeeded');
    expect(g.answer).toBeUndefined();
  });
});

describe('a question with no model configured', () => {
  let d: TestDaemon | undefined;
  beforeAll(async () => {
    d = await startTestDaemon();
  });
  afterAll(async () => {
    await disposeTestDaemon(d);
  });

  it('says the outputs are the answer', async () => {
    const daemon = d as TestDaemon;
    const note = join(daemon.dir, 'notes.txt');
    writeFileSync(note, 'hello\n');
    const g = await goal(daemon, `show ${note}`);
    expect(g.state).toBe('succeeded');
    expect(g.answer).toMatchObject({
      pending: false,
      ok: false,
      reason: expect.stringMatching(/outputs below are the answer/),
    });
    const { stdout } = await run(process.execPath, [aiosBin, 'goal', `show ${note}`, '--yes'], { env: daemon.env });
    expect(stdout).toMatch(/answer: none \(no model is configured/);
  });
});
