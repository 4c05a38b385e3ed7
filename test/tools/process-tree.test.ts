// Process trees with real processes: a program started in a step's cgroup is there before its
// first fork; ending the tree reaches a descendant that called setsid; aios-init's clean-up
// before it starts aiosd ends what a dead aiosd's steps left; and a recorded process group whose
// leader is gone is not trusted (its id may now be someone else's).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stepCgroupsOf } from '../../init/boot/daemon-service.js';
import { killCgroupsUnder, liveStat, ProcessTree, stepCgroupBase } from '../../src/tools/process-tree.js';
import { runProgram } from '../../src/tools/run-program.js';
import { eventually } from '../helpers/until.js';

const base = stepCgroupBase().path;
const cleanup: string[] = [];
afterEach(() => {
  for (const d of cleanup.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(base === null)('with a cgroup v2 (here: ' + String(base) + ')', () => {
  it('starts the program inside the cgroup and ends a setsid descendant with the tree', async () => {
    const tree = ProcessTree.create(`test.${process.pid}.${Date.now()}`);
    expect(tree.cgroup).not.toBeNull();
    const seen: { pid: number; pgid: number }[] = [];
    const run = runProgram(['sh', '-c', 'setsid sleep 33.1 & echo started; sleep 30'], {
      timeoutMs: 60_000,
      outputCapBytes: 4096,
      cgroup: tree.cgroup as string,
      onProcess: (p) => {
        seen.push(p);
        tree.add(p.pid, p.pgid);
      },
    });
    await eventually('both processes in the cgroup', () => tree.running().length >= 3, 5000);
    const procs = readFileSync(join(tree.cgroup as string, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map(Number);
    expect(procs).toContain(seen[0]?.pid);
    const ended = await tree.end(500);
    expect(tree.running()).toEqual([]);
    expect(ended.signalled).toBeGreaterThanOrEqual(3);
    const result = await run;
    expect(result.started && result.signal).toBe('SIGTERM');
    tree.release();
    expect(existsSync(tree.cgroup as string)).toBe(false);
  }, 20_000);

  it("aios-init's clean-up ends every cgroup a dead aiosd's steps left, and removes them", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'aios-tree-'));
    cleanup.push(stateDir);
    const dir = stepCgroupsOf(stateDir);
    expect(dir).not.toBeNull();
    const step = join(dir as string, 'leftover');
    mkdirSync(step);
    const child = spawn('/bin/sh', ['-c', `echo $$ > ${step}/cgroup.procs; exec sleep 30`], {
      detached: true,
      stdio: 'ignore',
    });
    await eventually(
      'the leftover to be in its cgroup',
      () => readFileSync(join(step, 'cgroup.procs'), 'utf8').trim() !== '',
      5000,
    );
    expect(killCgroupsUnder(dir as string)).toEqual(['leftover']);
    await eventually('the leftover to end', () => child.exitCode !== null || child.signalCode !== null, 5000);
    expect(existsSync(step)).toBe(false);
    rmdirSync(dir as string);
  }, 20_000);
});

describe('without a cgroup', () => {
  it('reports the program and ends its process group', async () => {
    const tree = new ProcessTree(null);
    const run = runProgram(['sh', '-c', 'sleep 30 & sleep 30'], {
      timeoutMs: 60_000,
      outputCapBytes: 4096,
      onProcess: (p) => tree.add(p.pid, p.pgid),
    });
    await eventually('two processes in the group', () => tree.running().length >= 2, 5000);
    const pids = tree.running();
    await tree.end(500);
    for (const pid of pids) expect(liveStat(pid)).toBeNull();
    expect((await run).started).toBe(true);
  }, 20_000);

  it('does not trust a recorded group whose leader is gone or is another process now', () => {
    const tree = new ProcessTree(null);
    // This test process leads no group of that id with that start time: a reused id.
    tree.track({ pid: process.pid, pgid: process.pid, startTime: 1 });
    expect(tree.running()).toEqual([]);
  });

  it('a program that cannot run in a cgroup is reported as not found, as without one', async () => {
    const r = await runProgram(['no-such-program-ab'], {
      timeoutMs: 1000,
      outputCapBytes: 100,
      cgroup: '/nonexistent',
    });
    expect(r).toMatchObject({ started: false, error: 'program not found: no-such-program-ab' });
  });
});
