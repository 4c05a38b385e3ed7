// The state directory full, and read-only, for the whole daemon. It lives on a tiny tmpfs of
// its own that really fills (or is really remounted read-only), so SQLite, the snapshot blobs
// and the ledger meet the kernel's ENOSPC and EROFS, not a stand-in. What the person sees: a
// change refused with what to do; the goal list, the audit view and snapshots still readable;
// rollback (which writes its targets, elsewhere) working on a full disk; aiosd never crashing,
// and taking changes again once space is freed or the mount is writable again.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AiosClient } from '../../src/protocol/client.js';
import type { GoalView } from '../../src/protocol/model.js';
import { aiosBin, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitForGoal } from '../helpers/wait.js';

const run = (cmd: string, args: string[]): { ok: boolean; err: string } => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, err: `${r.stderr}${r.error?.message ?? ''}`.trim() };
};

/** Why a size-limited filesystem of our own cannot be mounted here, or null when it can. */
function cannotMount(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to mount a size-limited tmpfs';
  const probe = mkdtempSync(join(tmpdir(), 'aios-mount-probe-'));
  try {
    const m = run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe]);
    if (!m.ok) return `mount refused: ${m.err}`;
    run('umount', [probe]);
    return null;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const refusal = cannotMount();
const SIZE_MB = 32;

let d: TestDaemon | undefined;
let mounted: string | null = null;
let root = '';
afterEach(async () => {
  if (d !== undefined && process.env['AIOS_TEST_LOG']) console.log(d.log());
  await d?.stop();
  d = undefined;
  if (mounted !== null) run('umount', ['-l', mounted]);
  mounted = null;
  rmSync(root, { recursive: true, force: true });
});

/** A daemon whose state dir is a fresh tmpfs of SIZE_MB; the socket lives outside it, as /run/aios does. */
async function daemonOnTinyFs(): Promise<{ d: TestDaemon; state: string; work: string }> {
  root = mkdtempSync(join(tmpdir(), 'aios-statefs-'));
  const state = join(root, 'state');
  mkdirSync(state);
  const m = run('mount', ['-t', 'tmpfs', '-o', `size=${SIZE_MB}m,mode=0700`, 'tmpfs', state]);
  if (!m.ok) throw new Error(`mount failed after the probe succeeded: ${m.err}`);
  mounted = state;
  const work = join(root, 'work');
  mkdirSync(work);
  d = await startTestDaemon({ dir: root, env: { AIOS_SOCKET: join(root, 'aiosd.sock') } });
  return { d, state, work };
}

/** Writes until the kernel says ENOSPC: the filesystem is really full. */
function fill(file: string): number {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(256 * 1024, 1);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return written;
}

async function changeFile(c: AiosClient, path: string, content: string): Promise<GoalView> {
  const g = await c.call('goal/submit', { text: `create a file ${path} containing ${content}` });
  if (g.plan === null) throw new Error(g.message ?? 'no plan');
  return g;
}

async function approve(c: AiosClient, g: GoalView): Promise<GoalView> {
  await c.call('plan/decide', { planId: g.plan?.id ?? '', planHash: g.plan?.hash ?? '', decision: 'approve' });
  return waitForGoal(c, g.id);
}

/** Status is checked at most once a second: waits (bounded) for it to say what the filesystem now is. */
async function untilStatus(c: AiosClient, ok: (problems: string) => boolean): Promise<void> {
  for (const deadline = Date.now() + 10_000; ;) {
    const status = await c.call('status/get', {});
    if (ok(status.problems.join('\n'))) return;
    if (Date.now() > deadline) throw new Error(`status never changed: ${status.health} ${status.problems.join('; ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function cli(daemon: TestDaemon, ...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [aiosBin, ...args], { env: daemon.env, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** What must keep working whatever the state dir's trouble: the goal list and show, the audit view and its verification, snapshots. */
async function readsStillWork(c: AiosClient, daemon: TestDaemon, goalId: string): Promise<void> {
  expect((await c.call('goal/list', { limit: 50 })).goals.map((g) => g.id)).toContain(goalId);
  expect((await c.call('goal/get', { goalId })).id).toBe(goalId);
  expect((await c.call('audit/verify', {})).ok).toBe(true);
  expect((await c.call('audit/list', { limit: 20 })).entries.length).toBeGreaterThan(0);
  expect((await c.call('snapshot/list', { limit: 50 })).snapshots.length).toBeGreaterThan(0);
  const verify = cli(daemon, 'audit', 'verify');
  expect(verify.status, verify.out).toBe(0);
  const show = cli(daemon, 'goal', 'show', goalId);
  expect(show.status, show.out).toBe(0);
  expect(cli(daemon, 'snapshots').status).toBe(0);
}

describe.skipIf(refusal !== null)(
  `the state directory on a ${SIZE_MB} MiB filesystem${refusal === null ? '' : ` (skipped: ${refusal})`}`,
  () => {
    it('full: a change is refused with what to do; reads, the audit and rollback work; changes resume once space is freed', async () => {
      const { d: daemon, state, work } = await daemonOnTinyFs();
      const c = await daemon.client();
      const target = join(work, 'config.txt');
      writeFileSync(target, 'original\n');
      const first = await approve(c, await changeFile(c, target, 'changed'));
      expect(first.state).toBe('succeeded');
      expect(readFileSync(target, 'utf8')).toBe('changed\n');

      // A step already running when the disk fills, still writing its output: aiosd must not fall over.
      const streaming = await c.call('goal/submit', {
        text: '!sh -c "echo started; sleep 1; head -c 3000000 /dev/zero | od"',
      });
      await c.call('plan/decide', {
        planId: streaming.plan?.id ?? '',
        planHash: streaming.plan?.hash ?? '',
        decision: 'approve',
        confirm: true,
      });
      // Fill only once the command itself runs (its first line is out; then it sleeps 1 s): a step
      // marked running is still checked for space before its command starts, and on a busy machine
      // that check came after the fill.
      for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
        const g = await c.call('goal/get', { goalId: streaming.id });
        if (g.plan?.steps[0]?.output.includes('started') === true || g.state === 'succeeded' || g.state === 'failed')
          break;
        await new Promise((r) => setTimeout(r, 25));
      }
      const filler = join(state, 'filler');
      expect(fill(filler)).toBeGreaterThan(0);
      const streamed = await waitForGoal(c, streaming.id, 30_000);
      // Whether its last writes still fit depends on the slack left in the WAL file when the disk
      // filled; either way aiosd stays up and says why the step ended.
      expect(
        streamed.state === 'succeeded' || /could not record/.test(streamed.message ?? ''),
        streamed.message ?? '',
      ).toBe(true);
      await untilStatus(c, (problems) => /is full/.test(problems));

      // A change: planned and shown, but approval is refused, saying why and what to do.
      const later = join(work, 'later.txt');
      const pending = await changeFile(c, later, 'after the disk filled');
      expect(pending.state).toBe('awaiting_approval');
      expect(pending.message).toMatch(/cannot be approved now: .*is full/);
      await expect(
        c.call('plan/decide', {
          planId: pending.plan?.id ?? '',
          planHash: pending.plan?.hash ?? '',
          decision: 'approve',
        }),
      ).rejects.toThrow(/cannot approve s1 \(fs\.write\): the state directory .* is full .*free space/);
      expect((await c.call('goal/get', { goalId: pending.id })).state).toBe('awaiting_approval');
      expect(existsSync(later)).toBe(false);

      // Reading still works: a read-only goal runs, and aiOS's own records can be read and verified.
      const read = await c.call('goal/submit', { text: `show ${target}` });
      expect((await waitForGoal(c, read.id)).plan?.steps[0]?.output).toContain('changed');
      await readsStillWork(c, daemon, first.id);

      // Rollback writes the target (elsewhere), from blobs it only reads; its records fit in the reserve.
      const back = await c.call('goal/rollback', { goalId: first.id });
      expect(back.state).toBe('rolled_back');
      expect(readFileSync(target, 'utf8')).toBe('original\n');
      expect((await c.call('audit/verify', {})).ok).toBe(true);
      expect(daemon.proc.exitCode).toBeNull();

      // Space freed: the reserve is set aside again and the same plan can now be approved.
      rmSync(filler);
      await untilStatus(c, (problems) => !/is full/.test(problems));
      expect((await approve(c, pending)).state).toBe('succeeded');
      expect(readFileSync(later, 'utf8')).toBe('after the disk filled\n');
      expect(daemon.log()).toMatch(/gave back the .* reserve/);
      expect(daemon.log()).toMatch(/has room again/);
      expect(daemon.log()).not.toMatch(/internal error/);
      c.close();
    }, 120_000);

    it('read-only: aiosd starts, serves the goal list, the audit and snapshots, and refuses every change with what to do', async () => {
      const { d: daemon, state, work } = await daemonOnTinyFs();
      let c = await daemon.client();
      const target = join(work, 'kept.txt');
      writeFileSync(target, 'original\n');
      const first = await approve(c, await changeFile(c, target, 'changed'));
      expect(first.state).toBe('succeeded');
      c.close();

      await daemon.stop();
      const ro = run('mount', ['-o', 'remount,ro', state]);
      expect(ro.ok, ro.err).toBe(true);
      await daemon.restart();
      expect(daemon.log()).toMatch(/is READ-ONLY/);
      c = await daemon.client();
      const status = await c.call('status/get', {});
      expect(status.health).toBe('degraded');
      expect(status.problems.join('\n')).toMatch(/read-only.*remount,rw/);
      await readsStillWork(c, daemon, first.id);

      // A new goal cannot even be recorded: refused, saying so, not an internal error.
      await expect(changeFile(c, join(work, 'never.txt'), 'x')).rejects.toThrow(
        /cannot write its state: the state directory .* is read-only.*remount,rw/,
      );
      // Rollback changes the node, and the ledger could not record it: refused, the target untouched.
      await expect(c.call('goal/rollback', { goalId: first.id })).rejects.toThrow(/cannot roll back .*read-only/);
      expect(readFileSync(target, 'utf8')).toBe('changed\n');
      expect(existsSync(join(work, 'never.txt'))).toBe(false);
      const cliGoal = cli(daemon, 'goal', `create a file ${join(work, 'never.txt')} containing x`);
      expect(cliGoal.status).not.toBe(0);
      expect(cliGoal.out).toMatch(/read-only/);
      expect(daemon.proc.exitCode).toBeNull();
      expect(daemon.log()).not.toMatch(/internal error/);
      c.close();

      // Writable again and restarted: everything works, the rollback included.
      expect(run('mount', ['-o', 'remount,rw', state]).ok).toBe(true);
      await daemon.restart();
      c = await daemon.client();
      expect((await c.call('goal/rollback', { goalId: first.id })).state).toBe('rolled_back');
      expect(readFileSync(target, 'utf8')).toBe('original\n');
      expect((await c.call('audit/verify', {})).ok).toBe(true);
      c.close();
    }, 60_000);
  },
);
