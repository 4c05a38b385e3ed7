// auto_patch against a real Debian tree (mmdebstrap, cached) and a local apt repository built
// here from the fixture's small .debs: never apt on the CI host itself. aiosd's [packages] root
// points its package tools at the tree (chroot). A run that upgrades aios-hello to the broken
// 1.2 fails its check and is rolled back at once, from the .deb kept before the upgrade, though
// the repository no longer has 1.0; a good upgrade (1.1) stays; both are goals in the ledger.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PatchRunView, PatchStatus } from '../../src/protocol/patch.js';
import type { GoalView } from '../../src/protocol/model.js';
import { installedPackages, PackageStateProvider, runApt, simulate } from '../../src/tools/apt.js';
import { chooseUpgrades } from '../../src/agents/patch/patch-plan.js';
import { debianChroot, inChroot, installedVersion, publish, type Chroot } from '../helpers/debian-chroot.js';
import { runCli } from '../helpers/aios-cli.js';
import { disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

let chroot: Chroot = { skip: 'not set up' };
let d: TestDaemon | undefined;
beforeAll(() => {
  chroot = debianChroot();
}, 20 * 60_000);
// Stopping aiosd and removing a whole Debian tree takes a while on a loaded machine.
afterAll(async () => {
  await disposeTestDaemon(d);
  if ('root' in chroot) chroot.dispose();
}, 180_000);

const rootOf = (ctx: { skip: (note?: string) => never }): string => {
  if ('skip' in chroot) ctx.skip(chroot.skip);
  return (chroot as { root: string }).root;
};

/** Back to aios-hello 1.0 alone, installed from the repository (apt keeps its .deb in the cache, as from a mirror). */
function startAt10(root: string): void {
  if (installedVersion(root, 'aios-hello') !== null) inChroot(root, ['apt-get', 'purge', '-y', 'aios-hello']);
  inChroot(root, ['apt-get', 'clean']);
  publish(root, ['1.0']);
  inChroot(root, ['apt-get', 'install', '-y', 'aios-hello']);
  expect(installedVersion(root, 'aios-hello')).toBe('1.0');
}

describe('auto_patch in a Debian chroot', () => {
  it('keeps the installed .deb before an upgrade, and a restore needs neither the repository nor the cache', async (ctx) => {
    const root = rootOf(ctx);
    startAt10(root);
    publish(root, ['1.0', '1.1', '1.2']);
    const provider = new PackageStateProvider(root);
    const saved = await provider.capture([], {
      kind: 'packages',
      keys: [],
      transaction: ['apt-get', 'install', '-y', '--only-upgrade', 'aios-hello'],
    });
    const kept = provider.keepFiles(saved);
    expect(kept).toEqual([join(root, 'var/cache/apt/archives/aios-hello_1.0_all.deb')]);
    const up = await runApt(['apt-get', 'install', '-y', '--only-upgrade', 'aios-hello'], {}, root);
    expect(up.started && up.exitCode).toBe(0);
    expect(installedVersion(root, 'aios-hello')).toBe('1.2');
    // The mirror drops 1.0 and the cache is cleaned; the snapshot store would write the kept file back first.
    publish(root, ['1.1', '1.2']);
    inChroot(root, ['apt-get', 'clean']);
    const blocked = await provider.restore(saved);
    expect(blocked.ok).toBe(false);
    expect(blocked.problems.join('\n')).toMatch(/could not reinstall the recorded versions aios-hello=1\.0/);
    publish(root, ['1.0']);
    inChroot(root, ['env', '--chdir=/var/cache/apt/archives', 'apt-get', 'download', 'aios-hello=1.0']);
    publish(root, ['1.1', '1.2']);
    const back = await provider.restore(saved);
    expect(back, back.problems.join('; ')).toMatchObject({ ok: true });
    expect(back.actions.join('\n')).toMatch(/reinstalled aios-hello=1\.0 from the kept \.debs/);
    expect(installedVersion(root, 'aios-hello')).toBe('1.0');
    expect(inChroot(root, ['aios-hello'])).toBe('aios-hello 1.0\n');
  }, 300_000);

  it('tells security updates from the others by the archive apt names', async (ctx) => {
    const root = rootOf(ctx);
    startAt10(root);
    publish(root, ['1.1']);
    const plain = await simulate(['apt-get', 'upgrade', '-y'], root);
    expect(plain.ok && plain.changes.map((c) => [c.name, c.to])).toEqual([['aios-hello', '1.1']]);
    expect(plain.ok && chooseUpgrades(plain.changes, 'security')).toEqual([]);
    expect(plain.ok && chooseUpgrades(plain.changes, 'all').map((c) => c.name)).toEqual(['aios-hello']);
    publish(root, ['1.1'], 'aios-fixture-security');
    const security = await simulate(['apt-get', 'upgrade', '-y'], root);
    expect(security.ok && chooseUpgrades(security.changes, 'security').map((c) => c.name)).toEqual(['aios-hello']);
    expect(Object.keys(await installedPackages(root))).toContain('aios-hello');
  }, 300_000);

  it('rolls a failed upgrade back from the kept .deb, and keeps a good one; every run a goal in the ledger', async (ctx) => {
    const root = rootOf(ctx);
    startAt10(root);
    // The mirror has moved on: 1.0 is gone from it (apt still has it in its cache from the install).
    publish(root, ['1.1', '1.2']);
    const dir = mkdtempSync('/var/tmp/aios-patch-');
    writeFileSync(
      join(dir, 'config.toml'),
      `[security]\nauto_patch = "all"\nauto_patch_window = "02:00-04:00"\nauto_patch_checks = ["aios-hello"]\n\n[packages]\nroot = "${root}"\n`,
    );
    d = await startTestDaemon({ dir });
    const c = await d.client();
    const status = (await c.call('status/get', {})).patching as PatchStatus;
    expect(status).toMatchObject({ mode: 'all', window: '02:00-04:00', root, running: false, last: null });

    const failed = (await c.call('patch/run', {})) as PatchRunView;
    expect(failed, failed.message).toMatchObject({ outcome: 'rolled_back', packages: ['aios-hello 1.0 → 1.2'] });
    expect(installedVersion(root, 'aios-hello')).toBe('1.0');
    expect(inChroot(root, ['aios-hello'])).toBe('aios-hello 1.0\n');
    const goal = (await c.call('goal/get', { goalId: failed.goalId ?? '' })) as GoalView;
    expect(goal.submittedBy).toBe('patch');
    expect(goal.state).toBe('rolled_back');
    expect(goal.message).toMatch(/reinstalled aios-hello=1\.0 from the kept \.debs/);
    expect(goal.plan?.steps.map((s) => [s.id, s.tool, s.state])).toEqual([
      ['s1', 'pkg.upgrade', 'rolled_back'],
      ['check1', 'shell.exec', 'failed'],
    ]);
    // Failed for the right reason: the broken aios-hello ran, in the tree, and exited 1.
    expect(goal.plan?.steps[1]?.error).toMatch(/exited with status 1\b/);

    publish(root, ['1.1']);
    const good = (await c.call('patch/run', {})) as PatchRunView;
    expect(good, good.message).toMatchObject({ outcome: 'upgraded', packages: ['aios-hello 1.0 → 1.1'] });
    expect(installedVersion(root, 'aios-hello')).toBe('1.1');
    const nothing = (await c.call('patch/run', {})) as PatchRunView;
    expect(nothing).toMatchObject({ outcome: 'nothing', goalId: null });

    const ledger = (await c.call('audit/list', { limit: 500 })).entries as {
      actor: string;
      action: string;
      subject: string;
      detail: Record<string, unknown>;
    }[];
    const runs = ledger.filter((e) => e.action === 'patch.run').map((e) => [e.subject, e.detail['outcome']]);
    expect(runs).toEqual(
      expect.arrayContaining([
        [failed.goalId, 'rolled_back'],
        [good.goalId, 'upgraded'],
        ['packages', 'nothing'],
      ]),
    );
    expect(ledger).toContainEqual(
      expect.objectContaining({ actor: 'patch', action: 'patch.rollback', subject: failed.goalId }),
    );
    expect(ledger).toContainEqual(
      expect.objectContaining({
        actor: 'policy:auto_patch(all)',
        action: 'plan.approve',
        subject: `${goal.plan?.id ?? ''}/s1`,
      }),
    );
    expect(((await c.call('status/get', {})).patching as PatchStatus).last).toMatchObject({ outcome: 'nothing' });
    // Housekeeping (apt's cache cleaned, aiOS's collection run) leaves the .deb a rollback needs:
    // the good run, undone by hand later, still brings 1.0 back with no repository that has it.
    inChroot(root, ['apt-get', 'clean']);
    expect(existsSync(join(root, 'var/cache/apt/archives/aios-hello_1.0_all.deb'))).toBe(false);
    await c.call('gc/run', { dryRun: false });
    const undone = (await c.call('goal/rollback', { goalId: good.goalId ?? '' })) as GoalView;
    expect(undone.state, undone.message ?? '').toBe('rolled_back');
    expect(undone.message).toMatch(/reinstalled aios-hello=1\.0 from the kept \.debs/);
    expect(installedVersion(root, 'aios-hello')).toBe('1.0');

    const cli = await runCli(d, ['status']);
    expect(cli.stdout).toMatch(
      /^patching: all in \S+, window 02:00-04:00 \(next window .*\); last run .*: nothing: no updates to apply$/m,
    );
    const json = await runCli(d, ['patch', 'status', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ mode: 'all', last: { outcome: 'nothing' } });
  }, 600_000);
});
