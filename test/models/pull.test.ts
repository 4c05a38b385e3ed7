// `aios models pull` against a local model host (no network here): a plain URL, a fake Hugging
// Face behind [models] mirror, a transfer cut in the middle, and files that must be refused —
// a wrong sha256, not a GGUF, too large for the node's memory — each leaving nothing in
// model_dir. The pulled model is configured and loaded by the running aiosd, without a restart.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AiosClient } from '../../src/protocol/client.js';
import type { ModelPullProgress, ModelPullResult } from '../../src/protocol/model-pull.js';
import { runCli } from '../helpers/aios-cli.js';
import { disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';
import { sha256, startModelServer, type FakeFile, type ModelServer } from './fakes/model-server.js';
import { STORIES_SHA256, storiesMissing, storiesPath } from './helpers/stories-model.js';

const MiB = 1024 * 1024;

/** The bytes a list of Range headers asks for. */
const requestedBytes = (ranges: (string | null)[]): number =>
  ranges
    .map((r) => /^bytes=(\d+)-(\d+)$/.exec(r ?? ''))
    .reduce((n, m) => n + (m === null ? Infinity : Number(m[2]) - Number(m[1]) + 1), 0);

describe.skipIf(storiesMissing !== null)('aios models pull', () => {
  const stories = storiesMissing === null ? readFileSync(storiesPath) : Buffer.alloc(0);
  // stories260K with 11 MiB of zeros after its tensors: three of the downloader's 5 MiB chunks,
  // so a transfer cut at 7 MiB has one whole chunk to keep. llama.cpp reads tensors by offset.
  const padded = Buffer.concat([stories, Buffer.alloc(11 * MiB)]);
  const stalling: FakeFile = { body: padded, stallAt: 7 * MiB };
  let server: ModelServer;
  let d: TestDaemon;
  let c: AiosClient;
  let modelDir = '';
  let config = '';

  const pull = (args: string[]) => runCli(d, ['models', 'pull', ...args]);
  const json = (stdout: string): ModelPullResult => JSON.parse(stdout) as ModelPullResult;
  const inModelDir = (): string[] => (existsSync(modelDir) ? readdirSync(modelDir).sort() : []);

  beforeAll(async () => {
    server = await startModelServer(
      {
        '/stories260K.gguf': { body: stories },
        '/padded.gguf': { body: padded },
        '/cut.gguf': { body: padded, cutAt: 7 * MiB },
        '/not-a-model.gguf': { body: Buffer.from('#!/bin/sh\necho this is not a model\n'.repeat(100)) },
        '/huge.gguf': { body: Buffer.alloc(0), claimSize: 2 ** 40 },
        '/stalls.gguf': stalling,
      },
      {
        'testorg/Stories-GGUF': {
          tags: { Q8_0: 'stories260K-Q8_0.gguf' },
          files: { 'stories260K-Q8_0.gguf': stories, 'tampered.gguf': stories },
          etag: { 'tampered.gguf': '0'.repeat(64) },
        },
      },
    );
    const dir = mkdtempSync(join(tmpdir(), 'aios-pull-'));
    modelDir = join(dir, 'models');
    config = join(dir, 'config.toml');
    writeFileSync(config, `[models]\nmodel_dir = "${modelDir}"\nmirror = "${server.url}/"\n`);
    d = await startTestDaemon({ dir });
    c = await d.client();
  }, 60_000);
  afterAll(async () => {
    c?.close();
    await disposeTestDaemon(d);
    await server?.close();
  });

  it('serves the shared stories260K, whose sha256 is the one SHA256SUMS names', async () => {
    expect(sha256(stories)).toBe(STORIES_SHA256);
    const res = await fetch(`${server.url}/stories260K.gguf`);
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(STORIES_SHA256);
  });

  it('without --yes says what it would do, and downloads nothing', async () => {
    const r = await pull([`${server.url}/stories260K.gguf`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('would pull stories260K.gguf (1.1 MiB) as the operational model');
    expect(r.stdout).toMatch(/memory about [\d.]+ MiB loaded; the operational model may take/);
    expect(r.stderr).toContain('run again with --yes');
    expect(inModelDir()).toEqual([]);
    expect(readFileSync(config, 'utf8')).not.toContain('[models.operational]');
  });

  it('pulls by URL with --sha256, writes the config and loads the model without a restart', async () => {
    const pid = (await c.call('status/get', {})).pid;
    const r = await pull([
      `${server.url}/stories260K.gguf`,
      '--sha256',
      STORIES_SHA256.toUpperCase(),
      '--yes',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = json(r.stdout);
    expect(out).toMatchObject({ sha256: STORIES_SHA256, checkedAgainst: 'given', sizeBytes: stories.length });
    expect(out.path).toBe(join(modelDir, 'stories260K.gguf'));
    expect(inModelDir()).toEqual(['stories260K.gguf']);
    expect(readFileSync(config, 'utf8')).toContain(
      `[models.operational]\nname = "stories260K"\npath = "${out.path}"\nsha256 = "${STORIES_SHA256}"`,
    );
    const listed = await until(
      'the pulled model to load',
      async () =>
        JSON.parse((await runCli(d, ['models', '--json'])).stdout) as {
          models: { key: string; state: string; path: string }[];
        },
      (m) => m.models.some((x) => x.key === 'operational' && x.state === 'loaded'),
      30_000,
    );
    expect(listed.models.find((x) => x.key === 'operational')?.path).toBe(out.path);
    expect((await c.call('status/get', {})).pid).toBe(pid);
  });

  it('pulls without --sha256 when the source publishes none, and says so', async () => {
    const r = await pull([`${server.url}/stories260K.gguf`, '--tier', 'tactical', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`sha256 ${STORIES_SHA256} (the source publishes none to compare with)`);
    expect(readFileSync(config, 'utf8')).toContain('[models.tactical]');
  });

  it('refuses a wrong sha256 and leaves nothing in model_dir', async () => {
    const before = inModelDir();
    const r = await pull([`${server.url}/padded.gguf`, '--sha256', 'ab'.repeat(32), '--tier', 'tactical', '--yes']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('sha256 mismatch for padded.gguf');
    expect(r.stderr).toContain(`you gave ${'ab'.repeat(32)}`);
    expect(r.stderr).toContain('the file was deleted and nothing was installed');
    expect(inModelDir()).toEqual(before);
    expect(readFileSync(config, 'utf8')).not.toContain('padded');
  });

  it('refuses a file that is not a GGUF model, leaving nothing behind', async () => {
    const before = inModelDir();
    const r = await pull([`${server.url}/not-a-model.gguf`, '--tier', 'tactical', '--yes']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('is not a GGUF model');
    expect(inModelDir()).toEqual(before);
  });

  it('refuses a model larger than the node’s memory holds for the tier, before downloading it', async () => {
    const before = inModelDir();
    const r = await pull([`${server.url}/huge.gguf`, '--yes']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /huge\.gguf is 1024\.0 GiB; loaded, it needs about [\d.]+ GiB, and the operational model may take/,
    );
    expect(r.stderr).toContain('nothing was downloaded');
    expect(inModelDir()).toEqual(before);
    // Only the downloader's size probe: no ranged request for the body.
    expect(server.log.filter((q) => q.url === '/huge.gguf' && q.range !== null && q.range !== 'bytes=0-0')).toEqual([]);
  });

  it('resumes a transfer cut in the middle, and reports progress to the caller', async () => {
    const events: ModelPullProgress[] = [];
    const stop = c.onEvent((e) => {
      if (e.type === 'model.pull') events.push(e);
    });
    const r = await c.call('models/pull', { uri: `${server.url}/cut.gguf`, tier: 'tactical', replace: true });
    stop();
    expect(r).toMatchObject({ sha256: sha256(padded), sizeBytes: padded.length, fileName: 'cut.gguf' });
    const ranges = server.log.filter((q) => q.url === '/cut.gguf' && q.method === 'GET').map((q) => q.range);
    // After the cut, the transfer went on from the chunk it was in: nothing was asked from the start again.
    expect(ranges.filter((x) => x === null || x.startsWith('bytes=0-')).length, JSON.stringify(ranges)).toBe(2);
    expect(ranges.length, JSON.stringify(ranges)).toBeGreaterThan(3);
    const downloading = events.filter((e) => e.phase === 'downloading');
    expect(downloading.length).toBeGreaterThan(0);
    expect(downloading.every((e) => e.totalBytes === padded.length && e.doneBytes <= padded.length)).toBe(true);
    expect(events.map((e) => e.phase)).toEqual(expect.arrayContaining(['resolving', 'verifying', 'installing']));
  });

  it('resumes a pull whose client went away, from what the first one kept', async () => {
    const first = await d.client('first');
    // The downloader writes its progress after the file's bytes once a 5 MiB chunk is whole.
    const partial = join(modelDir, '.partial', 'stalls.gguf.ipull');
    const started = until(
      'a whole chunk to be recorded in the progress file',
      () => Promise.resolve(existsSync(partial) ? statSync(partial).size : 0),
      (n) => n > padded.length,
    );
    const abandoned = first.call('models/pull', { uri: `${server.url}/stalls.gguf`, tier: 'tactical', replace: true });
    abandoned.catch(() => undefined);
    await started;
    first.close(); // the pull is cancelled with its client; what arrived stays for the next one
    stalling.stallAt = undefined;
    const r = await until(
      'the cancelled pull to let go',
      () =>
        c.call('models/pull', { uri: `${server.url}/stalls.gguf`, tier: 'tactical', replace: true }).then(
          (x) => x,
          (err: Error) => (err.message.includes('being pulled already') ? null : Promise.reject(err)),
        ),
      (x) => x !== null,
    );
    expect(r?.sha256).toBe(sha256(padded));
    // Whole 5 MiB chunks are what the downloader keeps: at least the first one before the stall.
    expect(r?.resumedBytes).toBeGreaterThanOrEqual(5 * MiB);
    // The second pull asked only for the chunks the first did not keep, not for the whole file.
    const ranges = server.log.filter((q) => q.url === '/stalls.gguf' && q.method === 'GET').map((q) => q.range);
    const second = ranges.slice(ranges.lastIndexOf(null) + 1);
    expect(requestedBytes(second), JSON.stringify(ranges)).toBeLessThan(padded.length);
    expect(existsSync(join(modelDir, '.partial'))).toBe(false);
  });

  it('pulls hf:user/model:quant through the mirror, checked against the hub’s published sha256', async () => {
    const r = await pull(['hf:testorg/Stories-GGUF:Q8_0', '--tier', 'tactical', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r.stdout)).toMatchObject({ sha256: STORIES_SHA256, checkedAgainst: 'hub' });
    expect(server.log.some((q) => q.url === '/v2/testorg/Stories-GGUF/manifests/Q8_0')).toBe(true);
  });

  it('refuses an hf: file whose bytes do not match what the hub publishes', async () => {
    const before = inModelDir();
    const r = await pull(['hf:testorg/Stories-GGUF/tampered.gguf', '--tier', 'tactical', '--yes']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`the hub publishes ${'0'.repeat(64)}`);
    expect(inModelDir()).toEqual(before);
  });

  it('copies a local file through the same checks', async () => {
    const r = await pull(['../shared/models/stories260K.gguf', '--tier', 'tactical', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r.stdout)).toMatchObject({ sha256: STORIES_SHA256, uri: storiesPath });
  });

  it('audits every pull with its URI, size and sha256, and every refusal with its reason', async () => {
    const { entries } = await c.call('audit/list', { limit: 200 });
    const pulls = entries.filter((e) => e.action === 'models.pull');
    expect(pulls.find((e) => e.subject === `${server.url}/stories260K.gguf`)?.detail).toMatchObject({
      sizeBytes: stories.length,
      sha256: STORIES_SHA256,
    });
    expect(pulls.find((e) => e.subject === `${server.url}/huge.gguf`)?.detail['refused']).toContain('memory');
    // The two real pulls of it; the dry run changed nothing and left no entry.
    expect(pulls.filter((e) => e.subject === `${server.url}/stories260K.gguf`).length).toBe(2);
  });
});

describe.skipIf(storiesMissing !== null || process.getuid?.() !== 0)('aios models pull on a full disk', () => {
  let server: ModelServer;
  let d: TestDaemon;
  let small = '';
  beforeAll(async () => {
    server = await startModelServer({ '/stories260K.gguf': { body: readFileSync(storiesPath) } });
    const dir = mkdtempSync(join(tmpdir(), 'aios-pull-full-'));
    small = join(dir, 'small');
    execFileSync('mkdir', ['-p', small]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', small]);
    writeFileSync(join(dir, 'config.toml'), `[models]\nmodel_dir = "${small}"\n`);
    d = await startTestDaemon({ dir });
  }, 60_000);
  afterAll(async () => {
    await d?.stop();
    if (small !== '') execFileSync('umount', [small]);
    await disposeTestDaemon(d);
    await server?.close();
  });

  it('refuses before starting, saying how much is free', async () => {
    const r = await runCli(d, ['models', 'pull', `${server.url}/stories260K.gguf`, '--yes']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/has [\d.]+ KiB free|has [\d.]+ MiB free/);
    expect(r.stderr).toContain('nothing was downloaded');
    expect(readdirSync(small)).toEqual([]);
    expect(server.log.filter((q) => q.range !== null && q.range !== 'bytes=0-0')).toEqual([]);
  });
});
