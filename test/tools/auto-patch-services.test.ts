// auto_patch's service verification, which applies only where the package root is the node
// ("/"): here the node is a Debian tree (mmdebstrap, cached) that aios-init boots as its root.
// `aios-init run` and the aiosd it starts run chrooted into the tree, in a mount namespace of
// their own (this checkout and node bound in, never visible outside), so the tree is "/" to them
// and apt acts on the tree's packages only, never the CI host's. aios-init supervises a service
// that runs the tree's aios-hello in a loop: the broken 1.2 makes it exit, its verification step
// (service.status, active again within a minute) fails, and the run is rolled back from the kept
// .deb; after 1.1, the service stays active and the upgrade is kept.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTimeline } from '../../src/files/boot-timeline-file.js';
import { AiosClient } from '../../src/protocol/client.js';
import type { GoalView } from '../../src/protocol/model.js';
import type { PatchRunView } from '../../src/protocol/patch.js';
import { askInit } from '../../src/tools/init-control-client.js';
import { debianChroot, inChroot, installedVersion, publish, type Chroot } from '../helpers/debian-chroot.js';
import { repoRoot } from '../helpers/daemon.js';
import { eventually } from '../helpers/until.js';

/** Paths as the chrooted node sees them. */
const STATE = '/var/lib/aios-test';
const CONFIG = '/etc/aios-test/config.toml';
let chroot: Chroot = { skip: 'not set up' };
let init: ChildProcess | undefined;
let output = '';
let client: AiosClient | undefined;

const rootOf = (ctx: { skip: (note?: string) => never }): string => {
  if ('skip' in chroot) ctx.skip(chroot.skip);
  return (chroot as { root: string }).root;
};

/** aios-init as the tree's init: chrooted, in a private mount namespace holding the binds it needs. */
function bootTree(root: string): ChildProcess {
  const nodeModules = realpathSync(join(repoRoot, 'node_modules'));
  const binds = [...new Set([repoRoot, nodeModules])];
  copyFileSync(process.execPath, join(root, 'usr/local/bin/node'));
  for (const dir of binds) mkdirSync(join(root, dir), { recursive: true });
  const script = [
    ...binds.map((dir) => `mount --bind '${dir}' '${root}${dir}'`),
    `mount -t proc proc '${root}/proc'`,
    `mount --rbind /dev '${root}/dev'`,
    `exec chroot '${root}' /usr/local/bin/node '${join(repoRoot, 'bin', 'aios-init.js')}' run`,
  ].join(' && ');
  const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], {
    env: {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: '/root',
      AIOS_MODE: 'user',
      AIOS_STATE_DIR: STATE,
      AIOS_CONFIG: CONFIG,
      AIOS_SERVICE_MANAGER: 'aios-init',
      DEBIAN_FRONTEND: 'noninteractive',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (d: Buffer): void => {
    output = (output + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return child;
}

beforeAll(async () => {
  chroot = debianChroot();
  if ('skip' in chroot) return;
  const root = chroot.root;
  publish(root, ['1.0']);
  inChroot(root, ['apt-get', 'install', '-y', 'aios-hello']);
  mkdirSync(join(root, 'etc/aios-test'));
  // restart = "never": a service the upgrade broke stays down, as one whose package restarted it would.
  writeFileSync(
    join(root, CONFIG),
    `[security]
auto_patch = "all"

[[init.services]]
name = "hello"
argv = ["sh", "-c", "while aios-hello >/dev/null; do sleep 0.2; done; exit 1"]
restart = "never"
`,
  );
  init = bootTree(root);
  await eventually(
    () => `the tree's boot to be ready; aios-init said:\n${output}`,
    () => readTimeline(join(root, STATE))?.state === 'ready',
    120_000,
  );
  client = await AiosClient.connect({ socketPath: join(root, STATE, 'aiosd.sock'), clientName: 'test' });
}, 20 * 60_000);

afterAll(async () => {
  client?.close();
  const p = init;
  if (p !== undefined && p.exitCode === null && p.signalCode === null) {
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await gone;
  }
  // The binds lived in the namespace that just ended; never remove the tree while one might remain.
  if ('root' in chroot && readdirSync(join(chroot.root, repoRoot)).length === 0) chroot.dispose();
}, 180_000);

const helloActive = async (root: string): Promise<string | undefined> =>
  (await askInit(join(root, STATE, 'run', 'init.sock'), { op: 'list' })).services?.find((s) => s.unit === 'hello')
    ?.active;

describe('auto_patch verifies the services of the node it patches', () => {
  it('rolls back an upgrade that leaves an active service down, and keeps one that does not', async (ctx) => {
    const root = rootOf(ctx);
    const c = client as AiosClient;
    expect(await helloActive(root)).toBe('active');
    // The mirror has moved on: 1.0 is gone from it, 1.2 is broken.
    publish(root, ['1.1', '1.2']);

    const failed = (await c.call('patch/run', {})) as PatchRunView;
    expect(failed, failed.message).toMatchObject({ outcome: 'rolled_back', packages: ['aios-hello 1.0 → 1.2'] });
    expect(installedVersion(root, 'aios-hello')).toBe('1.0');
    const goal = (await c.call('goal/get', { goalId: failed.goalId ?? '' })) as GoalView;
    const steps = goal.plan?.steps ?? [];
    expect(steps[0]).toMatchObject({ id: 's1', tool: 'pkg.upgrade', state: 'rolled_back' });
    // One service step per service active before the run: hello, and aiosd itself.
    const hello = steps.find((s) => s.tool === 'service.status' && s.args['unit'] === 'hello');
    expect(hello?.state, JSON.stringify(steps)).toBe('failed');
    expect(steps.find((s) => s.tool === 'service.status' && s.args['unit'] === 'aiosd')?.state).toBe('succeeded');
    expect(failed.message).toContain(hello?.id ?? '?');

    // Back on 1.0, hello is started again by hand; 1.1 keeps it running, and the upgrade stays.
    await askInit(join(root, STATE, 'run', 'init.sock'), { op: 'start', unit: 'hello' });
    await eventually('hello to run again', async () => (await helloActive(root)) === 'active');
    publish(root, ['1.1']);
    const good = (await c.call('patch/run', {})) as PatchRunView;
    expect(good, good.message).toMatchObject({ outcome: 'upgraded', packages: ['aios-hello 1.0 → 1.1'] });
    expect(installedVersion(root, 'aios-hello')).toBe('1.1');
    const kept = (await c.call('goal/get', { goalId: good.goalId ?? '' })) as GoalView;
    expect(kept.plan?.steps.filter((s) => s.tool === 'service.status').map((s) => [s.args['unit'], s.state])).toEqual(
      expect.arrayContaining([['hello', 'succeeded']]),
    );
    expect(await helloActive(root)).toBe('active');
  }, 600_000);
});
