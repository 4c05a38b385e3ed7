// fs.write's if-match: content computed at plan time (the "append to a file" rule) is written
// only over the very content it was computed from. A file changed between plan and run fails
// the step and keeps the change; the check is part of the approved arguments (the plan hash).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReactivePlanner } from '../../src/agents/reactive-planner.js';
import type { AiosClient } from '../../src/protocol/client.js';
import { daemonForSuite, type TestDaemon } from '../helpers/daemon.js';
import { waitForGoal } from '../helpers/wait.js';
import { ok, preview, run, tempDir } from './helpers.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

async function appendStep(text: string, home: string): Promise<Record<string, unknown>> {
  const out = await new ReactivePlanner().plan({ text, home });
  if (out.kind !== 'plan') throw new Error(out.reason);
  return out.steps[0]?.args ?? {};
}

describe('fs.write with if-match', () => {
  it('the append rule names the content it appended to, or "absent" for a new file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'notes.txt'), 'one\n');
    expect(await appendStep('append "two" to notes.txt', dir)).toEqual({
      path: join(dir, 'notes.txt'),
      content: 'one\ntwo',
      ifMatch: sha('one\n'),
    });
    expect(await appendStep('append "first" to fresh.txt', dir)).toEqual({
      path: join(dir, 'fresh.txt'),
      content: 'first',
      ifMatch: 'absent',
    });
  });

  it('writes when the file is unchanged, and refuses (keeping the change) when it changed', async () => {
    const dir = tempDir();
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'one\n');
    const args = await appendStep('append "two" to notes.txt', dir);
    ok(await run('fs.write', args));
    expect(readFileSync(file, 'utf8')).toBe('one\ntwo');

    const stale = await appendStep('append "three" to notes.txt', dir);
    writeFileSync(file, 'one\ntwo\nsomeone else\n');
    expect((await preview('fs.write', stale)).summary).toMatch(/the file changed since the plan was approved/);
    const r = await run('fs.write', stale);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.error).toMatch(
      /the file changed since the plan was approved: .*notes\.txt .*nothing was written/,
    );
    expect(readFileSync(file, 'utf8')).toBe('one\ntwo\nsomeone else\n');
  });

  it('"absent" fails once a file has appeared there', async () => {
    const dir = tempDir();
    const args = await appendStep('append "first" to fresh.txt', dir);
    writeFileSync(join(dir, 'fresh.txt'), 'made meanwhile\n');
    const r = await run('fs.write', args);
    expect(r.ok ? '' : r.error).toMatch(/the file changed since the plan was approved/);
    expect(readFileSync(join(dir, 'fresh.txt'), 'utf8')).toBe('made meanwhile\n');
  });

  it('refuses an if-match that is not a sha256', async () => {
    await expect(run('fs.write', { path: '/tmp/x', content: '', ifMatch: 'abc' })).rejects.toThrow(/sha256/);
  });

  // Root reads any file, so there is nothing to refuse when the tests run as root.
  it.skipIf(process.getuid?.() === 0)(
    'a file that cannot be read is not appended to by a blind overwrite (skipped as root)',
    async () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'secret.txt'), 'x\n', { mode: 0o000 });
      const out = await new ReactivePlanner().plan({ text: 'append "y" to secret.txt', home: dir });
      expect(out.kind === 'plan' ? '' : out.reason).toMatch(
        /cannot append to .*secret\.txt: it cannot be read \(EACCES\)/,
      );
    },
  );
});

describe('through the daemon: a file changed between approval and run', () => {
  let d: TestDaemon;
  let c: AiosClient;
  daemonForSuite((daemon, client) => {
    d = daemon;
    c = client;
  });

  it('the approved plan carries the if-match in its hash, and the step fails rather than lose the change', async () => {
    const file = join(d.dir, 'log.txt');
    writeFileSync(file, 'a\n');
    const goal = await c.call('goal/submit', { text: `append "b" to ${file}` });
    expect(goal.plan?.steps[0]?.args).toMatchObject({ ifMatch: sha('a\n') });
    writeFileSync(file, 'a\nwritten after the plan\n');
    await c.call('plan/decide', { planId: goal.plan?.id ?? '', planHash: goal.plan?.hash ?? '', decision: 'approve' });
    const done = await waitForGoal(c, goal.id);
    expect(done.state).toBe('failed');
    expect(done.plan?.steps[0]?.error).toMatch(/the file changed since the plan was approved/);
    expect(readFileSync(file, 'utf8')).toBe('a\nwritten after the plan\n');
    expect(existsSync(file)).toBe(true);
  });
});
