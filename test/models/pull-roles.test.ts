// Who may pull a model, and with whose credentials a node file is read: a system-mode aiosd (root)
// and real extra accounts. Operators and viewers are refused before anything happens; an admin
// who is not root pulls a file they can read, and is refused one only root can read, since the
// file is read by a run-as helper with the admin's own uid, never by aiosd as root.
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AiosClient } from '../../src/protocol/client.js';
import type { ModelPullResult } from '../../src/protocol/model-pull.js';
import { connectAsUid, type ClientAsUid } from '../helpers/client-as-uid.js';
import { disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { createAccount, isRoot, type TestAccount } from '../helpers/system-users.js';
import { STORIES_SHA256, storiesMissing, storiesPath } from './helpers/stories-model.js';

describe.skipIf(!isRoot || storiesMissing !== null)('who may pull a model, and as whom a file is read', () => {
  let d: TestDaemon;
  let root: AiosClient;
  let admin: TestAccount;
  let operator: TestAccount;
  let viewer: TestAccount;
  let asAdmin: ClientAsUid;
  let files = '';
  let modelDir = '';

  beforeAll(async () => {
    admin = createAccount('pa', ['aios-admin']);
    operator = createAccount('po', ['aios-operator']);
    viewer = createAccount('pv', ['aios-viewer']);
    files = mkdtempSync('/var/tmp/aios-pull-files-');
    chmodSync(files, 0o755);
    copyFileSync(storiesPath, join(files, 'root-only.gguf'));
    chmodSync(join(files, 'root-only.gguf'), 0o600);
    copyFileSync(storiesPath, join(files, 'admins-own.gguf'));
    chownSync(join(files, 'admins-own.gguf'), admin.uid, admin.gid);
    chmodSync(join(files, 'admins-own.gguf'), 0o600);
    const dir = mkdtempSync('/var/tmp/aios-pull-roles-');
    modelDir = join(dir, 'models');
    writeFileSync(join(dir, 'config.toml'), `[models]\nmodel_dir = "${modelDir}"\n`);
    d = await startTestDaemon({ dir, env: { AIOS_MODE: 'system' } });
    chmodSync(d.dir, 0o755);
    chmodSync(d.stateDir, 0o755);
    root = await d.client();
    asAdmin = await connectAsUid(d.socketPath, admin.uid, admin.gid);
  }, 60_000);
  afterAll(async () => {
    asAdmin?.close();
    root?.close();
    await disposeTestDaemon(d);
    for (const a of [admin, operator, viewer]) a?.remove();
    rmSync(files, { recursive: true, force: true });
  });

  it('refuses operators and viewers before anything is read or written', async () => {
    for (const who of [operator, viewer]) {
      const c = await connectAsUid(d.socketPath, who.uid, who.gid);
      try {
        await expect(c.call('models/pull', { uri: join(files, 'admins-own.gguf'), tier: 'tactical' })).rejects.toThrow(
          /needs the admin role/,
        );
      } finally {
        c.close();
      }
    }
    expect(existsSync(modelDir)).toBe(false);
  });

  it('an admin who is not root cannot pull a file only root can read: it is read as them', async () => {
    await expect(asAdmin.call('models/pull', { uri: join(files, 'root-only.gguf') })).rejects.toThrow(
      new RegExp(`uid ${admin.uid} may not read ${join(files, 'root-only.gguf')} \\(EACCES\\)`),
    );
    expect(existsSync(modelDir) ? readdirSync(modelDir) : []).toEqual([]);
  });

  it('the same admin pulls a file of their own through the same checks', async () => {
    const r = await asAdmin.call<ModelPullResult>('models/pull', { uri: join(files, 'admins-own.gguf') });
    expect(r).toMatchObject({
      sha256: STORIES_SHA256,
      path: join(modelDir, 'admins-own.gguf'),
      checkedAgainst: 'none',
    });
    const { entries } = await root.call('audit/list', { limit: 50 });
    const audited = entries
      .filter((e) => e.action === 'models.pull')
      .map((e) => [e.actor, e.subject, e.detail['sha256'] ?? null]);
    expect(audited).toEqual(
      expect.arrayContaining([
        [admin.name, join(files, 'admins-own.gguf'), STORIES_SHA256],
        [admin.name, join(files, 'root-only.gguf'), null],
      ]),
    );
  });
});
