// Steps run with their goal's owner's credentials: a system-mode aiosd (root) and real extra
// accounts (prefix ar, members of aios-operator) that connect as themselves. The kernel, not
// a path rule, decides what an operator's steps may read and write; an admin's goal runs as root.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AiosClient } from '../../src/protocol/client.js';
import type { GoalView } from '../../src/protocol/model.js';
import { connectAsUid, type ClientAsUid } from '../helpers/client-as-uid.js';
import { disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { createAccount, ensureGroup, isRoot, type TestAccount } from '../helpers/system-users.js';
import { eventually } from '../helpers/until.js';

const DONE = new Set(['succeeded', 'failed', 'rejected', 'rolled_back', 'not_understood', 'cancelled']);
const gidOf = (group: string): number =>
  Number(execFileSync('getent', ['group', group], { encoding: 'utf8' }).split(':')[2]);

describe.skipIf(!isRoot)('steps run as the goal’s owner', () => {
  let d: TestDaemon;
  let root: AiosClient;
  let op: TestAccount;
  let asOp: ClientAsUid;
  let files: string;
  const group = `arg${process.pid % 10000}`;
  const cron = `/etc/cron.d/aios-runas-${process.pid}`;

  const settled = (goalId: string): Promise<GoalView> =>
    eventually(`goal ${goalId} to finish`, async () => {
      const g = await root.call('goal/get', { goalId });
      return DONE.has(g.state) ? g : null;
    });
  const errorOf = (g: GoalView): string =>
    g.plan?.steps.map((s) => `${s.error ?? ''} ${s.output ?? ''}`).join('\n') ?? '';
  /** The operator plans one tool call; `approver` approves it (when it waits for approval). */
  const operatorRuns = async (
    tool: string,
    args: Record<string, unknown>,
    approver: 'operator' | 'admin' = 'operator',
  ): Promise<GoalView> => {
    const g = await asOp.call<GoalView>('tool/plan', { tool, args });
    if (g.state === 'awaiting_approval' && g.plan !== null) {
      const params = { planId: g.plan.id, planHash: g.plan.hash, decision: 'approve' as const, confirm: true };
      if (approver === 'admin') await root.call('plan/decide', params);
      else await asOp.call('plan/decide', params);
    }
    return settled(g.id);
  };

  beforeAll(async () => {
    ensureGroup(group);
    op = createAccount('ar', ['aios-operator', group]);
    // Not under /tmp: the sandbox a read-only command runs in has a /tmp of its own.
    files = mkdtempSync('/var/tmp/aios-runas-files-');
    chmodSync(files, 0o755);
    writeFileSync(join(files, 'root-only'), 'ROOT-SECRET\n', { mode: 0o600 });
    writeFileSync(join(files, 'group-only'), 'GROUP-SHARED\n', { mode: 0o640 });
    chownSync(join(files, 'group-only'), 0, gidOf(group));
    d = await startTestDaemon({ env: { AIOS_MODE: 'system' } });
    // The test's socket sits in its state dir: let the operator reach it.
    chmodSync(d.dir, 0o755);
    chmodSync(d.stateDir, 0o755);
    root = await d.client();
    asOp = await connectAsUid(d.socketPath, op.uid, op.gid);
  }, 60_000);

  afterAll(async () => {
    asOp?.close();
    root?.close();
    await disposeTestDaemon(d);
    op?.remove();
    execFileSync('flock', ['-w', '60', '/run/lock/aios-test-accounts.lock', 'groupdel', group]);
    rmSync(files, { recursive: true, force: true });
    rmSync(cron, { force: true });
  });

  it('an operator’s fs.read of a root-only file is refused by the kernel (EACCES), even auto-approved', async () => {
    const g = await operatorRuns('fs.read', { path: join(files, 'root-only') });
    expect(g.plan?.steps[0]?.approvedBy).toMatch(/^policy:/);
    expect(g.state).toBe('failed');
    expect(errorOf(g)).toMatch(/EACCES|permission denied/i);
    expect(JSON.stringify(g)).not.toContain('ROOT-SECRET');
  }, 60_000);

  it('so is shell.exec cat of it, though an admin approved it: the goal is still the operator’s', async () => {
    const g = await operatorRuns('shell.exec', { command: `cat ${join(files, 'root-only')}` }, 'admin');
    expect(g.state).toBe('failed');
    expect(errorOf(g)).toMatch(/permission denied/i);
    expect(JSON.stringify(g)).not.toContain('ROOT-SECRET');
  }, 60_000);

  it('previews as the operator: a diff over a file they cannot read shows none of it', async () => {
    const g = await asOp.call<GoalView>('tool/plan', {
      tool: 'fs.write',
      args: { path: join(files, 'root-only'), content: 'overwritten\n' },
    });
    expect(g.state).toBe('awaiting_approval');
    expect(JSON.stringify(g.plan?.steps[0]?.preview)).toMatch(/EACCES|permission denied/i);
    expect(JSON.stringify(g)).not.toContain('ROOT-SECRET');
    if (g.plan !== null)
      await asOp.call('plan/decide', { planId: g.plan.id, planHash: g.plan.hash, decision: 'reject' });
  }, 60_000);

  it('reads what a supplementary group of the operator may read', async () => {
    const g = await operatorRuns('fs.read', { path: join(files, 'group-only') });
    expect(g.state).toBe('succeeded');
    expect(errorOf(g)).toContain('GROUP-SHARED');
  }, 60_000);

  it('an operator’s write in their home succeeds and the file is theirs', async () => {
    const target = join(op.home, 'from-aios.txt');
    const g = await operatorRuns('fs.write', { path: target, content: 'hello\n' });
    expect(g.state).toBe('succeeded');
    expect(statSync(target)).toMatchObject({ uid: op.uid, gid: op.gid });
    expect(readFileSync(target, 'utf8')).toBe('hello\n');
  }, 60_000);

  it('an operator may approve a write to /etc/cron.d, and the kernel refuses it', async () => {
    const g = await operatorRuns('fs.write', { path: cron, content: '* * * * * root touch /tmp/pwned\n' });
    expect(g.state).toBe('failed');
    expect(errorOf(g)).toMatch(/EACCES|permission denied/i);
    expect(existsSync(cron)).toBe(false);
    // Nothing of it was snapshotted as root, so no rollback of this goal can touch /etc/cron.d.
    expect(g.plan?.steps[0]?.snapshotId).toBeNull();
  }, 60_000);

  it('a rollback is judged as the operator: a directory swapped for a link to /etc/cron.d gets nothing restored there', async () => {
    const dir = join(op.home, 'jobs');
    mkdirSync(dir);
    chownSync(dir, op.uid, op.gid);
    const payload = join(dir, basename(cron));
    writeFileSync(payload, '* * * * * root touch /tmp/pwned\n');
    chownSync(payload, op.uid, op.gid);
    const g = await operatorRuns('fs.write', { path: payload, content: 'harmless\n' });
    expect(g.state).toBe('succeeded');
    // What the operator could do themselves: their directory becomes a link to one root owns.
    renameSync(dir, `${dir}.old`);
    symlinkSync('/etc/cron.d', dir);
    const rolled = await asOp.call<GoalView>('goal/rollback', { goalId: g.id });
    expect(rolled.message).toMatch(/NOT brought back: .*EACCES/);
    expect(existsSync(cron)).toBe(false);
  }, 60_000);

  it('the helper holds only its channel, a minimal environment and the operator’s credentials', async () => {
    const helper = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .find((pid) => {
        const stat = readFileSafe(`/proc/${pid}/stat`);
        return (
          stat.split(') ')[1]?.split(' ')[1] === String(d.proc.pid) &&
          readFileSafe(`/proc/${pid}/cmdline`).includes('runas-helper')
        );
      });
    expect(helper).toBeDefined();
    const fds = readdirSync(`/proc/${helper}/fd`).map((fd) => ({
      fd: Number(fd),
      to: readlinkSafe(`/proc/${helper}/fd/${fd}`),
    }));
    expect(fds.filter((f) => f.fd <= 2).map((f) => f.to)).toEqual(['/dev/null', '/dev/null', '/dev/null']);
    expect(fds.filter((f) => f.to.startsWith('socket:'))).toHaveLength(1);
    // Nothing of the daemon's (its socket, its database, its log) is open in the helper.
    expect(fds.filter((f) => f.to.startsWith('/') && f.to !== '/dev/null')).toEqual([]);
    const env = readFileSafe(`/proc/${helper}/environ`).split('\0').filter(Boolean);
    expect(env.map((kv) => kv.slice(0, kv.indexOf('='))).sort()).toEqual([
      'HOME',
      'LANG',
      'LOGNAME',
      'NODE_CHANNEL_FD',
      'NODE_CHANNEL_SERIALIZATION_MODE',
      'PATH',
      'TERM',
      'USER',
    ]);
    expect(env.join('\n')).not.toMatch(/AIOS_/);
    expect(readFileSafe(`/proc/${helper}/status`)).toMatch(
      new RegExp(`^Uid:\\s+${op.uid}\\s+${op.uid}\\s+${op.uid}\\s+${op.uid}$`, 'm'),
    );
  }, 60_000);

  it('an admin’s goal still runs as root', async () => {
    const target = join(files, 'by-root');
    const g = await root.call('tool/plan', { tool: 'fs.write', args: { path: target, content: 'root\n' } });
    if (g.plan !== null && g.state === 'awaiting_approval')
      await root.call('plan/decide', { planId: g.plan.id, planHash: g.plan.hash, decision: 'approve', confirm: true });
    expect((await settled(g.id)).state).toBe('succeeded');
    expect(statSync(target)).toMatchObject({ uid: 0, gid: 0 });
  }, 60_000);
});

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}
