// aios-init's reading of update.json as a node boots, with a real GRUB environment block: the
// slot that boots after a switch tells whether the new slot is on trial, never started (its
// PID 1 died at once, and GRUB had already cleared aios_next), died before its health check
// finished, or the node stopped mid-install. And where updates cannot be carried, a clear no.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UpdateCarrier } from '../../init/update/update-carrier.js';
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

function carrier(slot: string | undefined, env: NodeJS.ProcessEnv = {}): UpdateCarrier {
  return new UpdateCarrier({
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
