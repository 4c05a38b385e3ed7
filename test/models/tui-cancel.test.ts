// Cancelling a goal from the TUI while a (fake) cloud model streams its plan: under a real
// pty, driven by keystrokes, against a real aiosd. Ctrl-C on the empty input line stops it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeTestDaemon, repoRoot, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { spawnInPty, type PtyScreen } from '../helpers/pty-screen.js';
import { FakeProvider } from './fakes/fake-provider.js';

const PLAN = {
  explanation: 'read the hostname',
  steps: [{ tool: 'fs.read', args: { path: '/etc/hostname' }, rationale: 'it names the node', depends_on: [] }],
};

describe('the TUI cancels a goal while a model plans it', () => {
  let d: TestDaemon | undefined;
  let fake: FakeProvider;
  let s: PtyScreen | undefined;
  beforeAll(async () => {
    fake = await FakeProvider.start('anthropic');
    fake.fallback = { kind: 'plan', plan: PLAN, chunks: 100, delayMs: 100 };
    const dir = mkdtempSync(join(tmpdir(), 'aios-test-'));
    // The monitor stays quiet on this loaded machine: its goals would take the screen.
    writeFileSync(
      join(dir, 'config.toml'),
      [
        '[monitor]',
        'cpu_pct = 100',
        'memory_pct = 100',
        'disk_pct = 100',
        'load_per_core = 1000',
        '',
        '[api.claude]',
        'model = "claude-test"',
        `base_url = "${fake.baseURL}"`,
        '',
      ].join('\n'),
    );
    d = await startTestDaemon({ dir, env: { ANTHROPIC_API_KEY: 'sk-ant-tui-test-7c7c7c7c7c7c' } });
  });
  afterAll(async () => {
    s?.kill();
    await disposeTestDaemon(d);
    await fake.close();
  });

  it('shows the plan streaming with how to stop it; Ctrl-C stops the model and nothing runs', async () => {
    const daemon = d as TestDaemon;
    s = spawnInPty(process.execPath, [join(repoRoot, 'bin', 'aios-shell.js')], {
      // The key guard off (test/e2e/tui-pty.test.ts tries it): the keys here come fast.
      cols: 100,
      rows: 30,
      term: 'xterm-256color',
      env: { ...daemon.env, XDG_STATE_HOME: join(daemon.dir, 'xdg-state'), AIOS_GUARD_MS: '0', AIOS_BURST_MS: '0' },
    });
    await s.waitFor(/aiosd ok/);
    s.write('?');
    await s.waitFor(/Keys/);
    s.write('\u001b[B\u001b[B\u001b[B\u001b[B'); // a few rows down the help
    await s.waitFor(/cancel the goal shown/);
    s.write('\x1b');
    // Esc then a letter at once would read as Alt-letter: the help closes first.
    await s.waitFor(/Type what you want done/);
    s.write('restart the thing that names this node\r');
    await s.waitFor(/Ctrl-C cancels it/);
    // The plan's own text, as the model writes it.
    await s.waitFor(/\{"explanation":"read the/);
    s.write('\x03');
    await s.waitFor(/press Y to cancel goal "restart the thing that names this node"/);
    s.write('Y');
    await s.waitFor(/cancelled/);
    const c = await daemon.client();
    const goal = (await c.call('goal/list', { limit: 5 })).goals[0];
    expect(goal).toMatchObject({ text: 'restart the thing that names this node', state: 'cancelled', plan: null });
    expect(fake.requests).toHaveLength(1);
    for (let i = 0; i < 50 && fake.abandoned === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(fake.abandoned).toBe(1);
    c.close();
    s.write('\x04');
    expect(await s.exited).toBe(0);
  });
});
