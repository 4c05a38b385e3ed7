// `aios models add` while aiosd runs: the daemon reads the config again and loads the model
// without a restart; a broken config is reported and the running model tiers kept (models/reload,
// and SIGHUP). With the real stories260K, checked against ../shared/models/SHA256SUMS.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AiosClient } from '../../src/protocol/client.js';
import { aiosBin, disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { STORIES_SHA256, storiesMissing, storiesPath } from './helpers/stories-model.js';
import { until } from '../helpers/until.js';

const run = promisify(execFile);

const operational = async (c: AiosClient) =>
  (await c.call('models/list', {})).models.find((m) => m.key === 'operational');

describe.skipIf(storiesMissing !== null)('reloading the model settings in a running aiosd', () => {
  let d: TestDaemon | undefined;
  let config = '';
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aios-reload-'));
    config = join(dir, 'config.toml');
    writeFileSync(config, '# my settings\n[security]\nmode = "normal"\n');
    d = await startTestDaemon({ dir });
  });
  afterAll(async () => {
    await disposeTestDaemon(d);
  });

  it('the shared model is the one SHA256SUMS names', () => {
    const sums = join(dirname(storiesPath), 'SHA256SUMS');
    expect(existsSync(sums)).toBe(true);
    expect(readFileSync(sums, 'utf8')).toContain(`${STORIES_SHA256}  shared/models/stories260K.gguf`);
  });

  it('loads a model added with `aios models add` without a restart', async () => {
    const daemon = d as TestDaemon;
    const c = await daemon.client();
    const pid = (await c.call('status/get', {})).pid;
    expect((await c.call('status/get', {})).tiers?.find((t) => t.name === 'operational')?.up).toBe(false);
    const { stdout } = await run(process.execPath, [aiosBin, 'models', 'add', storiesPath], { env: daemon.env });
    expect(stdout).toContain('aiosd: model settings reloaded');
    const m = await until(
      'the added model to load',
      () => operational(c),
      (x) => x?.state === 'loaded',
    );
    expect(m).toMatchObject({ name: 'stories260K', path: storiesPath });
    const s = await c.call('status/get', {});
    expect(s.pid).toBe(pid);
    expect(s.tiers?.find((t) => t.name === 'operational')?.up).toBe(true);
    c.close();
  });

  it('keeps the running tiers when the new config is broken, and says why', async () => {
    const daemon = d as TestDaemon;
    const c = await daemon.client();
    const runtimePid = (await c.call('models/list', {})).runtime.pid;
    const good = readFileSync(config, 'utf8');

    writeFileSync(config, `${good}\n[models.tactical]\npath = "${join(daemon.dir, 'missing.gguf')}"\n`);
    const missing = await c.call('models/reload', {});
    expect(missing).toMatchObject({
      reloaded: false,
      message: expect.stringContaining('the running model tiers are kept') as unknown as string,
    });
    expect(missing.problems.join(' ')).toContain('models.tactical');

    writeFileSync(config, `${good}\n[models.operational\n`);
    const unparsable = await c.call('models/reload', {});
    expect(unparsable).toMatchObject({
      reloaded: false,
      message: 'the config does not load; the running model tiers are kept',
    });
    expect(unparsable.problems[0]).toContain(config);

    // Still the same runtime, the same model, still up.
    const list = await c.call('models/list', {});
    expect(list.runtime.pid).toBe(runtimePid);
    expect(list.models.find((m) => m.key === 'operational')?.state).toBe('loaded');
    expect(list.tiers.find((t) => t.name === 'operational')?.up).toBe(true);
    writeFileSync(config, good);
    expect(await c.call('models/reload', {})).toMatchObject({
      reloaded: false,
      message: 'the model settings did not change; nothing was reloaded',
    });
    c.close();
  });

  it('reads the config again on SIGHUP', async () => {
    const daemon = d as TestDaemon;
    const c = await daemon.client();
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace(/\[models\.operational\]/, '[models.operational]\nmax_tokens = 64'),
    );
    daemon.proc.kill('SIGHUP');
    await until(
      'the SIGHUP reload',
      () => Promise.resolve(daemon.log()),
      (log) => log.includes('SIGHUP: model settings reloaded'),
    );
    await until(
      'the model to load again',
      () => operational(c),
      (x) => x?.state === 'loaded',
    );
    c.close();
  });
});
