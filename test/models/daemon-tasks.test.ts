// Per-task routing and cancelling a goal while a model plans it, in a real built aiosd with
// a (fake) Anthropic reached through the real SDK, and stories260K as the local tier.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonEvent } from '../../src/protocol/events.js';
import type { GoalView, TraceItem } from '../../src/protocol/model.js';
import { aiosBin, disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { FakeProvider } from './fakes/fake-provider.js';
import { STORIES_SHA256, storiesMissing, storiesPath } from './helpers/stories-model.js';
import { until } from '../helpers/until.js';

const run = promisify(execFile);
const KEY = 'sk-ant-tasks-test-6b6b6b6b6b6b';
const PLAN = {
  explanation: 'read the hostname',
  steps: [{ tool: 'fs.read', args: { path: '/etc/hostname' }, rationale: 'it names the node', depends_on: [] }],
};
// "restart": high risk, so the cloud is asked first.
const GOAL = 'restart the thing that names this node';

function claudeConfig(fake: FakeProvider, extra: string[] = []): string {
  return [
    ...extra,
    '[api.claude]',
    'model = "claude-test"',
    `base_url = "${fake.baseURL}"`,
    'price = { input_per_mtok = 3.0, output_per_mtok = 15.0 }',
    '',
  ].join('\n');
}

const decisions = (items: TraceItem[]): { kind: string; payload: Record<string, unknown> }[] =>
  items
    .filter((i) => i.source === 'event' && i.kind.startsWith('router.'))
    .map((i) => ({ kind: i.kind, payload: JSON.parse(i.summary) as Record<string, unknown> }));

describe('cancelling a goal while the cloud model writes its plan', () => {
  let d: TestDaemon | undefined;
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await FakeProvider.start('anthropic');
    // About 8 s of streaming: long enough to cancel in the middle.
    fake.fallback = { kind: 'plan', plan: PLAN, chunks: 80, delayMs: 100 };
    const dir = mkdtempSync(join(tmpdir(), 'aios-test-'));
    writeFileSync(join(dir, 'config.toml'), claudeConfig(fake));
    d = await startTestDaemon({ dir, env: { ANTHROPIC_API_KEY: KEY } });
  });
  afterAll(async () => {
    await disposeTestDaemon(d);
    await fake.close();
  });

  it('aborts the model call, closes the goal as cancelled, audits who did it, and runs nothing', async () => {
    const daemon = d as TestDaemon;
    const watcher = await daemon.client('watcher');
    await watcher.call('events/subscribe', {});
    const firstDelta = new Promise<string>((resolve) => {
      watcher.onEvent((e: DaemonEvent) => {
        if (e.type === 'plan.delta') resolve(e.goalId);
      });
    });
    const submitter = await daemon.client('submitter');
    const submitted = submitter.call('goal/submit', { text: GOAL });
    const goalId = await firstDelta;
    expect((await watcher.call('goal/get', { goalId })).state).toBe('planning');

    // The CLI's `aios goal cancel <id>`, as a person would type it.
    const { stdout } = await run(process.execPath, [aiosBin, 'goal', 'cancel', goalId, '--json'], { env: daemon.env });
    const cancelled = JSON.parse(stdout) as GoalView;
    expect(cancelled).toMatchObject({ id: goalId, state: 'cancelled', plan: null });
    expect(cancelled.message).toMatch(/^cancelled by .+ while it was planned$/);
    // The submitter's call ends too, with the cancelled goal and no plan.
    expect(await submitted).toMatchObject({ id: goalId, state: 'cancelled', plan: null });

    // The HTTP stream was cut, not left to finish; no other provider or tier was tried.
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.requests).toHaveLength(1);
    expect(fake.abandoned).toBe(1);
    const trace = await watcher.call('goal/trace', { goalId });
    expect(decisions(trace.items).map((x) => x.kind)).toEqual(['router.decision', 'router.cancelled']);
    const audit = await watcher.call('audit/list', { limit: 50 });
    const entry = audit.entries.find((e) => e.action === 'goal.cancel' && e.subject === goalId);
    expect(entry?.actor).toBe(cancelled.message?.replace(/^cancelled by (.+) while it was planned$/, '$1'));
    // Nothing else happened to the goal: no plan decided, no tool run.
    expect(audit.entries.filter((e) => JSON.stringify(e).includes(goalId)).map((e) => e.action)).toEqual([
      'goal.cancel',
    ]);

    // A goal that has ended cannot be cancelled again.
    const again = await run(process.execPath, [aiosBin, 'goal', 'cancel', goalId], { env: daemon.env }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(again).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('is cancelled: it has ended; there is nothing to cancel') as unknown as string,
    });
    watcher.close();
    submitter.close();
  });
});

describe.skipIf(storiesMissing !== null)('routing per task: a revise after the cloud fails', () => {
  let d: TestDaemon | undefined;
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await FakeProvider.start('anthropic');
    // 400 is not retried: the cloud tier fails at once.
    fake.fallback = { kind: 'status', status: 400, message: 'bad request' };
    const dir = mkdtempSync(join(tmpdir(), 'aios-test-'));
    writeFileSync(
      join(dir, 'config.toml'),
      claudeConfig(fake, [
        // One thread: no thread trial at load (2 threads crawl on a busy 2-core machine).
        '[models.operational]',
        `path = ${JSON.stringify(storiesPath)}`,
        `sha256 = "${STORIES_SHA256}"`,
        'max_tokens = 128',
        'plan_attempts = 1',
        'threads = 1',
        '',
      ]),
    );
    d = await startTestDaemon({ dir, env: { ANTHROPIC_API_KEY: KEY } });
  });
  afterAll(async () => {
    await disposeTestDaemon(d);
    await fake.close();
  });

  it(
    'records one decision per task, each with its reason, and a cost line per tier tried',
    { timeout: 90_000 },
    async () => {
      const c = await (d as TestDaemon).client();
      await until(
        'the model to load',
        () => c.call('models/list', {}),
        (l) => l.models[0]?.state === 'loaded',
        60_000,
      );
      const g = await c.call('goal/submit', { text: GOAL });
      const trace = decisions((await c.call('goal/trace', { goalId: g.id })).items);
      expect(trace[0]).toMatchObject({
        kind: 'router.decision',
        payload: { task: 'plan', order: ['cloud', 'operational'] },
      });
      expect(String(trace[0]?.payload['why'])).toContain('plan: change, high risk ("restart")');
      expect(trace[1]).toMatchObject({
        kind: 'router.fallback',
        payload: { task: 'plan', tier: 'cloud', cost: '$0: no model call was made' },
      });
      expect(trace[2]).toMatchObject({ kind: 'router.decision', payload: { task: 'revise', order: ['operational'] } });
      expect(String(trace[2]?.payload['why'])).toContain('revise after cloud failed (The cloud tier is unavailable');
      // The small local model tried (whatever it wrote), and its cost line says so.
      expect(trace[3]?.kind).toMatch(/^router\.(planned|fallback)$/);
      expect(trace[3]?.payload).toMatchObject({ task: 'revise', tier: 'operational' });
      expect(String(trace[3]?.payload['cost'])).toMatch(
        /^\$0\.0000: local stories260K, \d+ token\(s\) in 1 call\(s\)$/,
      );
      c.close();
    },
  );
});
