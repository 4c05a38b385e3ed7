// aios-init's reading of update.json as a node boots, with a real GRUB environment block: the
// slot that boots after a switch tells whether the new slot is on trial, never started (its
// PID 1 died at once, and GRUB had already cleared aios_next), died before its health check
// finished, or the node stopped mid-install. And where updates cannot be carried, a clear no.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlServer } from '../../init/control/control-server.js';
import { ServiceControl } from '../../init/control/service-control.js';
import { BootEnablement } from '../../init/supervisor/boot-enablement.js';
import { Supervisor } from '../../init/supervisor/supervisor.js';
import { UpdateCarrier } from '../../init/update/update-carrier.js';
import { askInit } from '../../src/tools/init-control-client.js';
import { tinyTree } from '../helpers/update-bundles.js';
import { eventually } from '../helpers/until.js';
import { failureNotice, readUpdateState, writeUpdateState, type UpdateState } from '../../src/update/update-state.js';
import { runCli } from '../helpers/aios-cli.js';
import { disposeTestDaemon, repoRoot, startTestDaemon } from '../helpers/daemon.js';

let dir: string;
let slots: string;
let grubenv: string;
const lines: string[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aios-carrier-'));
  slots = join(dir, 'slots');
  mkdirSync(join(slots, 'a'), { recursive: true });
  mkdirSync(join(slots, 'b'), { recursive: true });
  grubenv = join(dir, 'grubenv');
  execFileSync('grub-editenv', [grubenv, 'create']);
  execFileSync('grub-editenv', [grubenv, 'set', 'aios_active=a']);
  lines.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function carrier(slot: string | undefined, env: NodeJS.ProcessEnv = {}, answerWaitMs?: number): UpdateCarrier {
  return new UpdateCarrier({
    ...(answerWaitMs === undefined ? {} : { answerWaitMs }),
    env: { AIOS_SLOTS_DIR: slots, AIOS_GRUBENV: grubenv, ...(slot === undefined ? {} : { AIOS_SLOT: slot }), ...env },
    codeDir: join(repoRoot, 'dist'),
    daemonSocket: join(dir, 'none.sock'),
    log: (l) => lines.push(l),
    restart: () => lines.push('restart'),
  });
}

const record = (phase: UpdateState['phase']): UpdateState => ({
  id: '01TEST',
  kind: 'update',
  requestedBy: 'root',
  requestedAt: '2026-01-01T00:00:00.000Z',
  from: { slot: 'a', version: '1.0.0' },
  to: { slot: 'b', version: '1.1.0', commit: 'abc' },
  phase,
  reason: null,
  finishedAt: null,
});

describe('update state at boot', () => {
  it('the new slot, booted once by aios_next, puts itself on trial', () => {
    writeUpdateState(slots, record('switching'));
    carrier('b').atBoot();
    expect(readUpdateState(slots)?.phase).toBe('trying');
  });

  it('back in the old slot before the new one ran (its PID 1 died at once): failed to boot, and said so', () => {
    writeUpdateState(slots, record('switching'));
    carrier('a').atBoot();
    const s = readUpdateState(slots);
    expect(s).toMatchObject({ phase: 'failed', failedIn: 'boot' });
    expect(failureNotice(s, { slot: 'a', version: '1.0.0' })).toBe(
      'update to 1.1.0 did not boot: slot b did not start: its aios-init never ran (the node came back in slot a); running 1.0.0 (slot a)',
    );
  });

  it('back in the old slot while the new one was on trial: it died before its health check finished', () => {
    writeUpdateState(slots, record('trying'));
    carrier('a').atBoot();
    expect(readUpdateState(slots)?.reason).toMatch(/slot b stopped before its health check finished/);
  });

  it('a node that stopped while unpacking: nothing was switched', () => {
    writeUpdateState(slots, record('installing'));
    carrier('a').atBoot();
    expect(readUpdateState(slots)).toMatchObject({ phase: 'failed', failedIn: 'install' });
  });

  it('an outcome already decided is left alone', () => {
    writeUpdateState(slots, { ...record('succeeded'), finishedAt: '2026-01-01T00:01:00.000Z' });
    carrier('b').atBoot();
    expect(readUpdateState(slots)?.phase).toBe('succeeded');
  });
});

describe('where updates cannot be carried', () => {
  it('refuses on an aiOS that does not run from a slot, and without a GRUB environment', async () => {
    await expect(carrier(undefined).request({ kind: 'rollback', id: '1', requestedBy: 'root' })).rejects.toThrow(
      /does not run from an A\/B slot/,
    );
    await expect(
      carrier('a', { AIOS_GRUBENV: join(dir, 'missing') }).request({ kind: 'rollback', id: '1', requestedBy: 'root' }),
    ).rejects.toThrow(/GRUB's environment block cannot be read/);
  });

  it('refuses a second request while the first one restarts the node', async () => {
    writeUpdateState(slots, record('switching'));
    await expect(carrier('a').request({ kind: 'rollback', id: '2', requestedBy: 'root' })).rejects.toThrow(
      /update 01TEST is being carried out: the node restarts into slot b shortly/,
    );
  });

  it('refuses a rollback to a slot that holds no aiOS, and changes nothing', async () => {
    await expect(carrier('a').request({ kind: 'rollback', id: '1', requestedBy: 'root' })).rejects.toThrow(
      /slot b holds no aiOS to go back to/,
    );
    expect(execFileSync('grub-editenv', [grubenv, 'list'], { encoding: 'utf8' })).toBe('aios_active=a\n');
    expect(readUpdateState(slots)).toBeNull();
    expect(lines).not.toContain('restart');
  });

  it('aiosd not started by aios-init refuses aios update, and --status says why', async () => {
    const d = await startTestDaemon({ env: { AIOS_SLOTS_DIR: slots, AIOS_GRUBENV: grubenv } });
    try {
      const r = await runCli(d, ['update', join(dir, 'x.aios'), '--yes']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/aios update needs aios-init: this aiosd was not started by it/);
      const status = await runCli(d, ['update', '--status']);
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(/updates: not here: this aiOS does not run from an A\/B slot/);
      const usage = await runCli(d, ['update']);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/give a bundle \(aios update FILE\), or --rollback, or --status/);
    } finally {
      await disposeTestDaemon(d);
    }
  }, 60_000);
});

describe('the restart after an accepted request waits for aiosd to have answered', () => {
  const restarts = (): number => lines.filter((l) => l === 'restart').length;

  it('restarts when aiosd says it answered that request, not before, and not for another id', async () => {
    tinyTree(join(slots, 'b'));
    const c = carrier('a', {}, 600_000);
    const accepted = await c.request({ kind: 'rollback', id: '01ROLL', requestedBy: 'root' });
    expect(accepted.to.slot).toBe('b');
    expect(lines.at(-1)).toMatch(/rollback 01ROLL: aios_next=b; restarting into it once aiosd has answered/);
    expect(restarts()).toBe(0);
    expect(() => c.answered('01OTHER')).toThrow(/01OTHER is not the update that waits to restart \(01ROLL is\)/);
    expect(restarts()).toBe(0);
    c.answered('01ROLL');
    expect(restarts()).toBe(1);
    expect(lines).toContain('01ROLL: aiosd answered its client; restarting');
    // Once restarting, a second word from aiosd (or a replay) restarts nothing more.
    expect(() => c.answered('01ROLL')).toThrow(/no update or rollback waits to restart/);
    expect(restarts()).toBe(1);
  });

  it('restarts at its bound when aiosd never says it answered (it died, or hangs)', async () => {
    tinyTree(join(slots, 'b'));
    const c = carrier('a', {}, 300);
    await c.request({ kind: 'rollback', id: '01SILENT', requestedBy: 'root' });
    await eventually('the restart at the bound', () => restarts() === 1, 10_000);
    expect(lines).toContain(
      'rollback 01SILENT: aiosd did not say within 0.3 s that it answered its client; restarting anyway',
    );
    expect(() => c.answered('01SILENT')).toThrow(/no update or rollback waits to restart/);
    expect(restarts()).toBe(1);
  });

  it("through aios-init's control socket, as aiosd asks: rollback, then answered", async () => {
    tinyTree(join(slots, 'b'));
    const c = carrier('a', {}, 600_000);
    const sup = new Supervisor({ log: (l) => lines.push(l) });
    const enablement = new BootEnablement(
      join(dir, 'init-services.json'),
      () => true,
      (l) => lines.push(l),
    );
    const socketPath = join(dir, 'init.sock');
    const server = new ControlServer({
      socketPath,
      control: new ServiceControl(sup, enablement),
      log: (l) => lines.push(l),
      updates: c,
    });
    await server.listen();
    try {
      const r = await askInit(socketPath, { op: 'rollback', requestId: '01WIRE', requestedBy: 'root' });
      expect(r.update?.to.slot).toBe('b');
      expect(restarts()).toBe(0);
      await expect(askInit(socketPath, { op: 'answered' })).rejects.toThrow(/requestId: this op needs a requestId/);
      await expect(askInit(socketPath, { op: 'answered', requestId: '01NOPE' })).rejects.toThrow(
        /01NOPE is not the update that waits to restart/,
      );
      expect(restarts()).toBe(0);
      expect((await askInit(socketPath, { op: 'answered', requestId: '01WIRE' })).message).toBe('restarting');
      expect(restarts()).toBe(1);
    } finally {
      await server.close();
    }
  });
});
