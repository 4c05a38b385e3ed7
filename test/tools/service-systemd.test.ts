// service.* against a real systemctl, on a node where systemd is PID 1. Every other service test
// uses an in-memory manager; this one proves the systemctl calls themselves (list, status,
// start, stop, restart, enable, disable) and that rolling back enable and start puts the unit
// back. It installs a throwaway unit in /etc/systemd/system and removes it afterwards.
// Skipped, saying why, where systemd is not PID 1 (this build machine; the node image runs it).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemdManager } from '../../src/tools/service-manager.js';
import { rig, type Rig } from '../policy/rig.js';
import { ok, registry } from './helpers.js';

function whySkipped(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to start, stop, enable and disable a unit';
  if (!existsSync('/run/systemd/system'))
    return 'systemd is not managing this boot (/run/systemd/system does not exist)';
  const comm = (() => {
    try {
      return readFileSync('/proc/1/comm', 'utf8').trim();
    } catch {
      return '?';
    }
  })();
  if (comm !== 'systemd') return `PID 1 is "${comm}", not systemd`;
  if (spawnSync('systemctl', ['--version']).status !== 0) return 'systemctl does not run';
  return null;
}

const why = whySkipped();
const unit = `aios-test-${process.pid}.service`;
const unitFile = `/etc/systemd/system/${unit}`;
const systemctl = (...args: string[]): string =>
  spawnSync('systemctl', [...args, unit])
    .stdout.toString()
    .trim();

async function tool(name: string, args: Record<string, unknown>) {
  const v = registry.validate(name, args);
  if (!v.ok) throw new Error(v.error);
  return v.tool.execute(v.args, { signal: new AbortController().signal, onOutput: () => undefined });
}

describe.skipIf(why !== null)(`service.* through a real systemctl${why === null ? '' : ` (skipped: ${why})`}`, () => {
  let r: Rig | undefined;
  beforeAll(() => {
    writeFileSync(
      unitFile,
      '[Unit]\nDescription=aiOS test unit\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n',
    );
    spawnSync('systemctl', ['daemon-reload']);
  });
  afterAll(async () => {
    await r?.dispose();
    spawnSync('systemctl', ['disable', '--now', unit]);
    rmSync(unitFile, { force: true });
    spawnSync('systemctl', ['daemon-reload']);
  });

  it('the built-in tools see systemd and read a unit', async () => {
    expect(new SystemdManager().unavailable()).toBeNull();
    const status = ok(await tool('service.status', { unit }));
    expect(status.data).toMatchObject({ unit, active: 'inactive', enabled: 'disabled', description: 'aiOS test unit' });
  });

  it('start, restart, stop, enable and disable change what systemctl reports', async () => {
    ok(await tool('service.start', { unit }));
    expect(systemctl('is-active')).toBe('active');
    const listed = ok(await tool('service.list', { state: 'active' }));
    expect(listed.output).toContain(unit);
    const pid = systemctl('show', '-p', 'MainPID', '--value');
    ok(await tool('service.restart', { unit }));
    expect(systemctl('is-active')).toBe('active');
    expect(systemctl('show', '-p', 'MainPID', '--value')).not.toBe(pid);
    ok(await tool('service.stop', { unit }));
    expect(systemctl('is-active')).toBe('inactive');
    ok(await tool('service.enable', { unit }));
    expect(systemctl('is-enabled')).toBe('enabled');
    ok(await tool('service.disable', { unit }));
    expect(systemctl('is-enabled')).toBe('disabled');
  });

  it('a goal that enables and starts the unit rolls back to disabled and stopped', async () => {
    r = rig();
    for (const name of ['service.enable', 'service.start']) {
      const goal = await r.engine.submitDirect(name, { unit }, r.admin);
      if (goal.plan === null) throw new Error(goal.message ?? 'no plan');
      if (goal.state === 'awaiting_approval')
        r.engine.decide(goal.plan.id, goal.plan.hash, 'approve', undefined, r.admin, true);
      const done = await r.settle(goal.id);
      expect(done.state, done.message ?? '').toBe('succeeded');
      expect(systemctl(name === 'service.enable' ? 'is-enabled' : 'is-active')).toBe(
        name === 'service.enable' ? 'enabled' : 'active',
      );
      await r.engine.rollback(done.id, r.admin);
    }
    expect(systemctl('is-active')).toBe('inactive');
    expect(systemctl('is-enabled')).toBe('disabled');
  });
});
