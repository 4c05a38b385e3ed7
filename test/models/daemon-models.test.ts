// The hierarchy inside a real built aiosd: tier status, `aios models`, a cloud plan streamed
// from a fake Anthropic through the real SDK, the local model loaded at start, and keys that
// stay in the daemon.
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { DaemonEvent } from '../../src/protocol/events.js';
import { aiosBin, disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitForGoal } from '../helpers/wait.js';
import { FakeProvider } from './fakes/fake-provider.js';
import { STORIES_SHA256, storiesMissing, storiesPath } from './helpers/stories-model.js';
import { until } from '../helpers/until.js';

const run = promisify(execFile);
const KEY = 'sk-ant-daemon-test-5a5a5a5a5a5a';
const PLAN = {
  explanation: 'read the hostname',
  steps: [{ tool: 'fs.read', args: { path: '/etc/hostname' }, rationale: 'it names the node', depends_on: [] }],
};

describe('aiosd with no model and no key', () => {
  let d: TestDaemon | undefined;
  beforeAll(async () => {
    d = await startTestDaemon();
  });
  afterAll(async () => {
    await disposeTestDaemon(d);
  });

  it('serves with the reactive tier alone and reports the model tiers down', async () => {
    const c = await (d as TestDaemon).client();
    const s = await c.call('status/get', {});
    expect(s.tiers?.map((t) => [t.name, t.up])).toEqual([
      ['reactive', true],
      ['procedure', true],
      ['operational', false],
      ['tactical', false],
      ['cloud', false],
    ]);
    const list = await c.call('models/list', {});
    expect(list).toMatchObject({ runtime: { state: 'off', pid: null }, models: [], providers: [] });
    const g = await c.call('goal/submit', { text: 'make the node faster' });
    expect(g.state).toBe('not_understood');
    expect(g.message).toContain('configure a model');
    c.close();
  });
});

describe.skipIf(storiesMissing !== null)('aiosd with stories260K and a (fake) Anthropic', () => {
  let d: TestDaemon | undefined;
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await FakeProvider.start('anthropic');
    fake.fallback = { kind: 'plan', plan: PLAN, usage: { input: 2000, output: 100 }, chunks: 6 };
    const dir = mkdtempSync(join(tmpdir(), 'aios-test-'));
    writeFileSync(
      join(dir, 'config.toml'),
      [
        '[models.operational]',
        `path = ${JSON.stringify(storiesPath)}`,
        `sha256 = "${STORIES_SHA256}"`,
        'max_tokens = 256',
        '',
        '[api.claude]',
        'model = "claude-test"',
        `base_url = "${fake.baseURL}"`,
        'monthly_budget_usd = 10.0',
        'price = { input_per_mtok = 3.0, output_per_mtok = 15.0 }',
        '',
      ].join('\n'),
    );
    d = await startTestDaemon({ dir, env: { ANTHROPIC_API_KEY: KEY } });
  });
  afterAll(async () => {
    await disposeTestDaemon(d);
    await fake.close();
  });

  it('loads and probes the local model in the background, and lists it with its speed', async () => {
    const c = await (d as TestDaemon).client();
    const list = await until(
      'the model to load',
      () => c.call('models/list', {}),
      (l) => l.models[0]?.state === 'loaded' && l.models[0].tokensPerS !== null,
    );
    expect(list.runtime).toMatchObject({ state: 'up' });
    expect(list.runtime.pid).toBeGreaterThan(0);
    expect(list.models[0]).toMatchObject({ key: 'operational', name: 'stories260K', policy: 'always_loaded' });
    expect(list.models[0]?.memoryBytes).toBeGreaterThan(0);
    expect(list.providers).toEqual([
      expect.objectContaining({
        name: 'claude',
        kind: 'anthropic',
        up: true,
        keySource: 'ANTHROPIC_API_KEY',
        budgetUsd: 10,
      }),
    ]);
    const { stdout } = await run(process.execPath, [aiosBin, 'models'], { env: (d as TestDaemon).env });
    expect(stdout).toMatch(/local runtime: up, (cpu|cuda|vulkan)/);
    expect(stdout).toMatch(/operational\s+stories260K\s+loaded, always loaded/);
    expect(stdout).toMatch(/\d+ tok\/s/);
    expect(stdout).toContain('tiers: reactive ✓ → procedure ✓ → operational ✓ → tactical ✗ → cloud ✓');
    c.close();
  });

  it('plans a goal the rules do not know in the cloud, streaming the plan, with a cost line in the decision log', async () => {
    const c = await (d as TestDaemon).client();
    await c.call('events/subscribe', {});
    const seen: DaemonEvent[] = [];
    c.onEvent((e) => seen.push(e));
    // "restart" makes it high risk: the strongest tier (the cloud) goes first.
    const g = await c.call('goal/submit', { text: 'restart the thing that names this node' });
    // A read-only plan may run at once under the normal security mode's policy.
    expect(['awaiting_approval', 'running', 'succeeded']).toContain(g.state);
    expect(g.plan?.tier).toBe('cloud');
    expect(g.plan?.steps[0]).toMatchObject({ tool: 'fs.read', args: { path: '/etc/hostname' } });
    const deltas = seen.filter(
      (e): e is Extract<DaemonEvent, { type: 'plan.delta' }> => e.type === 'plan.delta' && e.goalId === g.id,
    );
    expect(deltas.length).toBeGreaterThan(1);
    expect(JSON.parse(deltas.map((e) => e.text).join(''))).toEqual(PLAN);
    const trace = await c.call('goal/trace', { goalId: g.id });
    const kinds = trace.items.map((i) => i.kind);
    expect(kinds).toEqual(expect.arrayContaining(['router.decision', 'model.cost', 'router.planned']));
    const planned = trace.items.find((i) => i.kind === 'router.planned');
    // 2000 × $3/M + 100 × $15/M = $0.0075
    expect(planned?.summary).toContain('"cost":"$0.0075: claude (claude-test), 2100 token(s) in 1 call(s)"');
    expect(trace.items.find((i) => i.kind === 'router.decision')?.summary).toMatch(
      /"why":"plan: change, high risk \(\\"restart\\"\)/,
    );
    const status = await c.call('status/get', {});
    expect(status.tiers?.find((t) => t.name === 'cloud')?.detail).toMatch(
      /claude \(claude-test\), \$0\.01 of \$10\.00/,
    );
    // The status bar's "$… left" comes from this.
    expect(status.budget).toEqual({ spentUsd: expect.closeTo(0.0075, 6) as number, limitUsd: 10 });
    c.close();
  });

  it('keeps the API key out of a shell.exec child, the model runtime and the state database', async () => {
    const daemon = d as TestDaemon;
    const c = await daemon.client();
    const g = await c.call('goal/submit', { text: '!env' });
    expect(g.plan?.steps[0]?.tool).toBe('shell.exec');
    await c.call('plan/decide', { planId: g.plan?.id ?? '', planHash: g.plan?.hash ?? '', decision: 'approve' });
    const done = await waitForGoal(c, g.id);
    const output = done.plan?.steps[0]?.output ?? '';
    expect(output).toContain('PATH=');
    expect(output).not.toContain(KEY);
    expect(output).not.toContain('ANTHROPIC_API_KEY');
    const list = await c.call('models/list', {});
    const environ = readFileSync(`/proc/${list.runtime.pid ?? 0}/environ`, 'latin1');
    expect(environ).toContain('PATH=');
    expect(environ).not.toContain(KEY);
    c.close();
    const db =
      readFileSync(join(daemon.stateDir, 'aios.db'), 'latin1') +
      readFileSync(join(daemon.stateDir, 'aios.db-wal'), 'latin1');
    expect(db).toContain('model.cost');
    expect(db).not.toContain(KEY);
    expect(daemon.log()).not.toContain(KEY);
    // Nor in a prompt: the key goes in the request's headers, never its body.
    expect(fake.requests.length).toBeGreaterThan(0);
    expect(JSON.stringify(fake.requests.map((r) => r.body))).not.toContain(KEY);
  });
});

describe.skipIf(storiesMissing !== null)('aios models add', () => {
  it('checks the GGUF, shows its sha256 and writes it into the config; refuses a second without --replace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aios-add-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const config = join(dir, 'config.toml');
    writeFileSync(config, '# my settings\n[security]\nmode = "safe"\n');
    const env = {
      ...process.env,
      AIOS_CONFIG: config,
      AIOS_STATE_DIR: join(dir, 'state'),
      AIOS_MODE: 'user',
      HOME: dir,
    };
    const { stdout } = await run(process.execPath, [aiosBin, 'models', 'add', storiesPath], { env });
    expect(stdout).toContain(`sha256 ${STORIES_SHA256}`);
    const text = readFileSync(config, 'utf8');
    expect(text).toContain('# my settings\n[security]\nmode = "safe"');
    expect(text).toContain(
      `[models.operational]\nname = "stories260K"\npath = ${JSON.stringify(storiesPath)}\nsha256 = "${STORIES_SHA256}"`,
    );

    const again = await run(process.execPath, [aiosBin, 'models', 'add', storiesPath], { env }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(again).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('already configures [models.operational]; pass --replace') as unknown as string,
    });
    const copy = join(dir, 'copy.gguf');
    copyFileSync(storiesPath, copy);
    const replaced = JSON.parse(
      (await run(process.execPath, [aiosBin, 'models', 'add', copy, '--replace', '--name', 'tiny', '--json'], { env }))
        .stdout,
    ) as { name: string; path: string };
    expect(replaced).toMatchObject({ name: 'tiny', path: copy });
    expect(readFileSync(config, 'utf8').match(/\[models\.operational\]/g)).toHaveLength(1);

    const bogus = join(dir, 'notes.gguf');
    writeFileSync(bogus, 'hello\n');
    chmodSync(bogus, 0o644);
    const bad = await run(process.execPath, [aiosBin, 'models', 'add', bogus, '--tier', 'tactical'], { env }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(bad).toMatchObject({ code: 1, stderr: expect.stringContaining('is not a GGUF model') as unknown as string });
    expect(readFileSync(config, 'utf8')).not.toContain('[models.tactical]');
  });

  it('on a fresh account with no config directory yet, makes it and writes the config there', async () => {
    const home = mkdtempSync(join(tmpdir(), 'aios-add-home-'));
    onTestFinished(() => rmSync(home, { recursive: true, force: true }));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AIOS_STATE_DIR: join(home, 'state'),
      AIOS_MODE: 'user',
      HOME: home,
      XDG_CONFIG_HOME: '',
    };
    delete env['AIOS_CONFIG'];
    const { stdout } = await run(process.execPath, [aiosBin, 'models', 'add', storiesPath, '--json'], { env });
    const config = join(home, '.config', 'aios', 'config.toml');
    expect((JSON.parse(stdout) as { config: string }).config).toBe(config);
    expect(readFileSync(config, 'utf8')).toContain(`sha256 = "${STORIES_SHA256}"`);
  });
});
