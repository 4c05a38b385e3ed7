// The first run: with no model and no key, line mode and the TUI (each under a real pty, against
// a real aiosd) offer the three ways on; in the TUI, F9 asks for Y naming the model, its size and
// the tier, then pulls the recommended model from a fake Hugging Face behind [models] mirror,
// with a progress bar, and the model is loaded after.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_TABLE } from '../../src/models/recommend.js';
import { firstRunText } from '../../src/shell/rows/first-run.js';
import type { ModelRecommendation } from '../../src/protocol/model-pull.js';
import { disposeTestDaemon, repoRoot, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { spawnInPty, type PtyScreen } from '../helpers/pty-screen.js';
import { until } from '../helpers/until.js';
import { startModelServer, type HubRepo, type ModelServer } from './fakes/model-server.js';
import { STORIES_SHA256, storiesMissing, storiesPath } from './helpers/stories-model.js';

const F9 = '\u001b[20~';

describe('the first-run offer in words', () => {
  const rec: ModelRecommendation = {
    node: { memoryBytes: 8e9, cores: 2, gpus: [], gpuMemoryBytes: null },
    operational: null,
    tactical: null,
    notes: ['none fits'],
    plannerConfigured: false,
    rules: ['disk usage', 'list processes'],
  };
  it('tells viewers and operators to ask an admin, and lists what the rules understand', () => {
    for (const role of ['viewer', 'operator'] as const) {
      const text = firstRunText({ recommendation: rec, pull: null }, role, 'F9').join('\n');
      expect(text).toContain('Ask an admin to set one up');
      expect(text).not.toContain('F9');
      expect(text).toContain('disk usage · list processes');
    }
  });
});

describe.skipIf(storiesMissing !== null)('the first run, under a real pty', () => {
  let server: ModelServer;
  let d: TestDaemon;
  let s: PtyScreen | undefined;
  let config = '';
  beforeAll(async () => {
    const stories = readFileSync(storiesPath);
    // Every model of the table, served as stories260K: whichever this machine is recommended.
    const hub: Record<string, HubRepo> = {};
    for (const m of MODEL_TABLE.models) {
      const [repo = '', tag = ''] = m.uri.slice('hf:'.length).split(':');
      hub[repo] = { tags: { [tag]: `${repo.split('/')[1] ?? ''}-${tag}.gguf` }, files: {}, paceMs: 40 };
      const entry = hub[repo];
      if (entry !== undefined) entry.files[`${repo.split('/')[1] ?? ''}-${tag}.gguf`] = stories;
    }
    server = await startModelServer({}, hub);
    const dir = mkdtempSync(join(tmpdir(), 'aios-first-run-'));
    config = join(dir, 'config.toml');
    writeFileSync(config, `[models]\nmirror = "${server.url}/"\n`);
    d = await startTestDaemon({ dir });
  }, 60_000);
  afterAll(async () => {
    s?.kill();
    await disposeTestDaemon(d);
    await server?.close();
  });

  it('line mode offers the three ways on, with the word that pulls', async () => {
    s = spawnInPty(process.execPath, [join(repoRoot, 'bin', 'aios-shell.js')], {
      cols: 160,
      rows: 50,
      term: 'dumb',
      env: { ...d.env, XDG_STATE_HOME: join(d.dir, 'xdg-state') },
    });
    await s.waitFor(/No model is set up yet/);
    await s.waitFor(/typing 'pull' pulls Qwen2\.5/);
    // The pty hands the notice over in chunks: wait for its last line before reading the whole.
    await s.waitFor(/Go on with the built-in rules/);
    expect(s.text()).toMatch(/ANTHROPIC_API_KEY or OPENAI_API_KEY/);
    s.write('quit\r');
    await Promise.race([s.exited, new Promise((r) => setTimeout(r, 2000))]);
    s.kill();
    s = undefined;
  });

  it(
    'the TUI offers the choice; F9 asks, Y pulls the recommended model with a progress bar, and it loads',
    { timeout: 90_000 },
    async () => {
      s = spawnInPty(process.execPath, [join(repoRoot, 'bin', 'aios-shell.js')], {
        cols: 110,
        rows: 30,
        term: 'xterm-256color',
        env: { ...d.env, XDG_STATE_HOME: join(d.dir, 'xdg-state'), AIOS_GUARD_MS: '0', AIOS_BURST_MS: '0' },
      });
      await s.waitFor(/No model is set up yet/);
      await s.waitFor(/F9 pulls Qwen2\.5/);
      expect(s.text()).toMatch(/aios models key set anthropic/);
      s.write(F9);
      await s.waitFor(
        /press Y to pull Qwen2\.5[^(]*\([\d.]+ [GM]iB download, about [\d.]+ [GM]iB of memory\) as the\s+operational model/,
      );
      // Asked, nothing started: no progress yet, the config untouched.
      expect(s.text()).not.toMatch(/pulling/);
      expect(readFileSync(config, 'utf8')).not.toContain('sha256');
      s.write('Y');
      await s.waitFor(/pulling +\[█*░+\] +\d+%/, 30_000);
      await s.waitFor(/pulled hf_bartowski_Qwen2\.5/, 30_000);
      expect(readFileSync(config, 'utf8')).toContain(`sha256 = "${STORIES_SHA256}"`);
      const c = await d.client();
      await until(
        'the pulled model to load',
        () => c.call('models/list', {}),
        (l) => l.models.some((m) => m.key === 'operational' && m.state === 'loaded'),
        30_000,
      );
      c.close();
      // A planner is configured now: the offer is gone.
      await s.waitFor(/Type what you want done/);
      expect(s.text()).not.toContain('No model is set up yet');
      s.write('\x04');
    },
  );
});
