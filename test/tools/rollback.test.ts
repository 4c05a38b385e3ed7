// For each tool family that changes state: apply it through the goal engine (policy, approval,
// snapshot, audit), roll the goal back, and compare checksums of everything it touched with
// what they were before. Packages and the firewall use the real apt and nft where this machine
// has them (and root); otherwise those tests are skipped here and covered by the node image test.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installedPackages } from '../../src/tools/apt.js';
import { nftRuleset } from '../../src/tools/firewall.js';
import { rig, type Rig } from '../policy/rig.js';
import { fingerprint } from './fingerprint.js';
import { TableServiceManager } from './table-service-manager.js';

let r: Rig | undefined;
afterEach(async () => {
  await r?.dispose();
  r = undefined;
});

const isRoot = process.getuid?.() === 0;
const has = (program: string): boolean => spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;

/** Runs one tool as a direct plan, approved (with confirmation) by an admin; returns the finished goal. */
async function apply(rr: Rig, tool: string, args: Record<string, unknown>) {
  const goal = await rr.engine.submitDirect(tool, args, rr.admin);
  if (goal.plan === null) throw new Error(`${tool}: ${goal.message ?? 'no plan'}`);
  if (goal.state === 'awaiting_approval')
    rr.engine.decide(goal.plan.id, goal.plan.hash, 'approve', undefined, rr.admin, true);
  return rr.settle(goal.id);
}

describe('files', () => {
  it.each([
    [
      'fs.write over a file',
      (d: string) => {
        writeFileSync(join(d, 'a'), 'old\n');
        chmodSync(join(d, 'a'), 0o640);
        return {
          tool: 'fs.write',
          args: { path: join(d, 'a'), content: 'new\n', mode: '600' },
          touched: [join(d, 'a')],
        };
      },
    ],
    [
      'fs.write of a new file',
      (d: string) => ({ tool: 'fs.write', args: { path: join(d, 'new'), content: 'x' }, touched: [join(d, 'new')] }),
    ],
    [
      'fs.delete',
      (d: string) => {
        writeFileSync(join(d, 'gone'), 'keep me');
        return { tool: 'fs.delete', args: { path: join(d, 'gone') }, touched: [join(d, 'gone')] };
      },
    ],
    [
      'fs.chmod',
      (d: string) => {
        writeFileSync(join(d, 'm'), 'x');
        chmodSync(join(d, 'm'), 0o644);
        return { tool: 'fs.chmod', args: { path: join(d, 'm'), mode: '600' }, touched: [join(d, 'm')] };
      },
    ],
    [
      'fs.symlink replacing a file',
      (d: string) => {
        writeFileSync(join(d, 'cur'), 'v1');
        return {
          tool: 'fs.symlink',
          args: { path: join(d, 'cur'), target: '/etc/hostname', replace: true },
          touched: [join(d, 'cur')],
        };
      },
    ],
    [
      'fs.chmod of a directory',
      (d: string) => {
        mkdirSync(join(d, 'sub'));
        chmodSync(join(d, 'sub'), 0o755);
        return { tool: 'fs.chmod', args: { path: join(d, 'sub'), mode: '700' }, touched: [join(d, 'sub')] };
      },
    ],
  ])('%s comes back exactly', async (_name, setup) => {
    r = rig();
    const work = join(r.dir, 'work');
    mkdirSync(work);
    const { tool, args, touched } = setup(work);
    const before = fingerprint(touched);
    const done = await apply(r, tool, args);
    expect(done.state, done.message ?? '').toBe('succeeded');
    expect(fingerprint(touched)).not.toEqual(before);
    const back = await r.engine.rollback(done.id, r.admin);
    expect(back.state).toBe('rolled_back');
    expect(fingerprint(touched)).toEqual(before);
  });

  it.skipIf(!isRoot)('fs.chown comes back exactly (as root)', async () => {
    r = rig();
    const file = join(r.dir, 'owned');
    writeFileSync(file, 'x');
    chownSync(file, 1234, 5678);
    const before = fingerprint([file]);
    const done = await apply(r, 'fs.chown', { path: file, owner: '0', group: '0' });
    expect(done.state).toBe('succeeded');
    expect(fingerprint([file])).not.toEqual(before);
    await r.engine.rollback(done.id, r.admin);
    expect(fingerprint([file])).toEqual(before);
  });

  it('a link is never followed: rolling back fs.symlink leaves its target alone', async () => {
    r = rig();
    const target = join(r.dir, 'target');
    writeFileSync(target, 'untouched');
    const link = join(r.dir, 'link');
    symlinkSync(target, link);
    const before = fingerprint([link, target]);
    const done = await apply(r, 'fs.symlink', { path: link, target: '/etc/hostname', replace: true });
    await r.engine.rollback(done.id, r.admin);
    expect(fingerprint([link, target])).toEqual(before);
  });
});

describe('services', () => {
  it("service.stop and service.disable come back through the service manager (aios-init's supervisor, here a table)", async () => {
    const manager = new TableServiceManager();
    r = rig({ serviceManager: manager });
    const stop = await apply(r, 'service.stop', { unit: 'web' });
    expect(stop.state).toBe('succeeded');
    const disable = await apply(r, 'service.disable', { unit: 'web' });
    expect(manager.table.get('web')).toEqual({ active: false, enabled: false });
    expect((await r.engine.rollback(disable.id, r.admin)).message).toMatch(/restored services: enable web$/);
    expect((await r.engine.rollback(stop.id, r.admin)).message).toMatch(/restored services: start web$/);
    expect(manager.table.get('web')).toEqual({ active: true, enabled: true });
  });

  // Skipped where systemd does not run (this build machine); the node image test runs it.
  it.skipIf(!isRoot || !existsSync('/run/systemd/system'))(
    'with systemd: service.stop of a transient unit comes back running',
    async () => {
      const unit = `aios-test-${process.pid}`;
      expect(spawnSync('systemd-run', [`--unit=${unit}`, 'sleep', '600']).status).toBe(0);
      try {
        r = rig();
        const done = await apply(r, 'service.stop', { unit: `${unit}.service` });
        expect(done.state).toBe('succeeded');
        await r.engine.rollback(done.id, r.admin);
        expect(
          spawnSync('systemctl', ['is-active', `${unit}.service`])
            .stdout.toString()
            .trim(),
        ).toBe('active');
      } finally {
        spawnSync('systemctl', ['stop', `${unit}.service`]);
      }
    },
  );
});

describe('irreversible steps', () => {
  it('are labelled and left as they are by a rollback, which says so', async () => {
    r = rig();
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    const done = await apply(r, 'process.signal', { pid: sleeper.pid ?? 0, signal: 'KILL' });
    expect(done.plan?.steps[0]).toMatchObject({ reversible: false, state: 'succeeded', snapshotId: null });
    await expect(r.engine.rollback(done.id, r.admin)).rejects.toThrow(
      /nothing reversible to roll back: s1 \(process.signal\) cannot be undone/,
    );
  });
});

describe('packages (real apt)', () => {
  const canApt =
    isRoot &&
    has('apt-get') &&
    has('dpkg-query') &&
    spawnSync('dpkg-query', ['-W', 'hello']).status !== 0 &&
    spawnSync('apt-get', ['-s', 'install', 'hello']).status === 0;

  it.skipIf(!canApt)(
    'pkg.install comes back to the same installed set (removing what it added)',
    async (ctx) => {
      r = rig();
      const before = await installedPackages();
      const done = await apply(r, 'pkg.install', { packages: ['hello'] });
      if (
        done.state !== 'succeeded' &&
        /Could not resolve|Failed to fetch|Temporary failure/i.test(done.plan?.steps[0]?.error ?? '')
      )
        ctx.skip();
      expect(done.state, done.plan?.steps[0]?.error ?? '').toBe('succeeded');
      expect((await installedPackages())['hello']).toBeDefined();
      const back = await r.engine.rollback(done.id, r.admin);
      expect(back.state).toBe('rolled_back');
      expect(back.message).not.toMatch(/NOT brought back/);
      expect(await installedPackages()).toEqual(before);
    },
    300_000,
  );
});

describe('the firewall (real nft)', () => {
  const canNft = isRoot && has('nft') && spawnSync('nft', ['list', 'ruleset']).status === 0;

  it.skipIf(!canNft)('net.firewall_apply comes back to the previous ruleset', async (ctx) => {
    const start = await nftRuleset();
    // A live firewall is not for tests to play with: only an empty ruleset is changed here.
    if (!start.ok || start.text.trim() !== '') ctx.skip();
    r = rig();
    const done = await apply(r, 'net.firewall_apply', {
      rules:
        'add table inet aios_test\nadd chain inet aios_test input { type filter hook input priority 0; policy accept; }\nadd rule inet aios_test input tcp dport 65000 drop\n',
    });
    expect(done.state, done.plan?.steps[0]?.error ?? '').toBe('succeeded');
    const during = await nftRuleset();
    expect(during.ok && during.text).toContain('tcp dport 65000 drop');
    await r.engine.rollback(done.id, r.admin);
    expect(await nftRuleset()).toEqual(start);
  });

  it.skipIf(!canNft)('refuses rules nft -c rejects, changing nothing', async () => {
    r = rig();
    const before = await nftRuleset();
    const done = await apply(r, 'net.firewall_apply', { rules: 'add rule inet no_such_table nowhere drop\n' });
    expect(done.state).toBe('failed');
    expect(done.plan?.steps[0]?.error).toMatch(/nft rejects the rules, nothing was changed/);
    expect(await nftRuleset()).toEqual(before);
  });
});
