import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aiosBin, disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { runCli, type CliRun } from '../helpers/aios-cli.js';

const run = promisify(execFile);
let d: TestDaemon;
beforeAll(async () => {
  d = await startTestDaemon();
});
afterAll(async () => {
  await disposeTestDaemon(d);
});

const aios = (...args: string[]): Promise<CliRun> => runCli(d, args);

describe('aios CLI', () => {
  it('goal without --yes prints the plan and changes nothing', async () => {
    const file = join(d.dir, 'cli.txt');
    const r = await aios('goal', `create a file ${file} containing from the cli`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/awaiting_approval/);
    expect(r.stdout).toMatch(/fs\.write/);
    expect(r.stdout).toContain(file);
    expect(existsSync(file)).toBe(false);
  });

  it('goal --yes --json approves, runs, prints the result and exits 0', async () => {
    const file = join(d.dir, 'cli-yes.txt');
    const r = await aios('goal', '--yes', '--json', `create a file ${file} containing yes`);
    expect(r.code).toBe(0);
    const goal = JSON.parse(r.stdout) as { state: string; id: string };
    expect(goal.state).toBe('succeeded');
    expect(readFileSync(file, 'utf8')).toBe('yes\n');

    const snaps = JSON.parse((await aios('snapshots', '--json')).stdout) as {
      snapshots: { id: string; paths: string[] }[];
    };
    const snap = snaps.snapshots.find((s) => s.paths.includes(file));
    expect(snap).toBeDefined();
    const refused = await aios('restore', snap?.id ?? '');
    expect(refused.code).toBe(2); // no TTY and no --yes: it asks for confirmation instead
    expect(existsSync(file)).toBe(true);
    const restored = await aios('restore', snap?.id ?? '', '--yes', '--json');
    expect(restored.code).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  it('exits non-zero with a clear message for failures', async () => {
    const notUnderstood = await aios('goal', '--yes', 'make everything better');
    expect(notUnderstood.code).toBe(1);
    expect(notUnderstood.stderr).toMatch(/did not understand/);
    const failed = await aios('goal', '--yes', `delete ${join(d.dir, 'missing.txt')}`);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/failed/);
    const unknown = await aios('restore', '--yes', 'no-such-snapshot');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no snapshot "no-such-snapshot"/);
  });

  it('status, audit verify and memory search answer in --json', async () => {
    const status = JSON.parse((await aios('status', '--json')).stdout) as {
      health: string;
      mode: string;
      user: { role: string };
    };
    expect(status).toMatchObject({ health: 'ok', mode: 'user', user: { role: 'admin' } });
    const audit = await aios('audit', 'verify', '--json');
    expect(audit.code).toBe(0);
    expect(JSON.parse(audit.stdout)).toMatchObject({ ok: true });
    const mem = JSON.parse((await aios('memory', 'search', '--json', 'yes')).stdout) as { hits: unknown[] };
    expect(mem.hits.length).toBeGreaterThan(0);
  });

  it("agents lists the mesh, and goal show prints a goal's decision trace", async () => {
    const agents = JSON.parse((await aios('agents', '--json')).stdout) as {
      agents: { name: string; state: string; done: number }[];
      procedures: { stored: number };
    };
    expect(agents.agents.map((a) => a.name)).toEqual(
      expect.arrayContaining([
        'system',
        'storage',
        'monitor',
        'network',
        'security',
        'package',
        'maintenance',
        'learning',
      ]),
    );
    expect(agents.agents.find((a) => a.name === 'storage')?.done).toBeGreaterThan(0); // it wrote the files above
    expect(agents.procedures).toMatchObject({ ftsHits: expect.any(Number), embeddingHits: 0 }); // no local model here
    expect((await aios('agents')).stdout).toMatch(
      /learned procedures: \d+ stored, \d+\/\d+ lookups reused \(\d+%: \d+ by words, 0 by embedding\)/,
    );
    const file = join(d.dir, 'traced.txt');
    const goal = JSON.parse(
      (await aios('goal', '--yes', '--json', `create a file ${file} containing traced`)).stdout,
    ) as { id: string };
    const shown = await aios('goal', 'show', goal.id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/decision trace:/);
    expect(shown.stdout).toMatch(/plan\.approve/);
    expect(shown.stdout).toMatch(/tool\.call/);
    const notAnId = await aios('goal', 'show', 'notes.txt'); // a verb, never a goal: refused (test/cli/goal-verbs.test.ts)
    expect(notAnId.code).toBe(2);
  });

  it('says the daemon is not running (exit 3) instead of hanging', async () => {
    const r = await run(process.execPath, [aiosBin, 'status'], {
      env: { ...d.env, AIOS_SOCKET: join(d.dir, 'nothing.sock') },
    }).catch((e: unknown) => e as { code: number; stderr: string });
    expect((r as { code: number }).code).toBe(3);
    expect((r as { stderr: string }).stderr).toMatch(/not running/);
  });

  it('aios-shell -c refuses instead of handing the command to a shell', async () => {
    const r = await run(process.execPath, [join(aiosBin, '..', 'aios-shell.js'), '-c', 'cat /etc/shadow']).catch(
      (e: unknown) => e as { code: number; stderr: string; stdout: string },
    );
    expect((r as { code: number }).code).toBe(1);
    expect((r as { stdout: string }).stdout).toBe('');
    expect((r as { stderr: string }).stderr).toMatch(/not run through a shell/);
  });
});
