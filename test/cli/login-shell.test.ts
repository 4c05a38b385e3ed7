// The login shell's -c (what sshd runs for `ssh node <command>`): exactly one `aios …` command
// runs, without a shell, as the logged-in user; every other command string is refused.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginCommand } from '../../src/cli/login-command.js';
import type { GoalView } from '../../src/protocol/model.js';
import { runCli } from '../helpers/aios-cli.js';
import { aiosBin, disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

const shellBin = join(aiosBin, '..', 'aios-shell.js');
let d: TestDaemon;
beforeAll(async () => {
  d = await startTestDaemon();
});
afterAll(async () => {
  await disposeTestDaemon(d);
});

describe('aios-shell -c', () => {
  it('answers an aios command, split into words without a shell', async () => {
    const c = await d.client();
    const goal = await c.call('goal/submit', { text: `create a file ${join(d.dir, 'ssh.txt')} containing over ssh` });
    c.close();
    const r = await runCli(d, ['-c', 'aios goal list --json'], shellBin);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { goals: GoalView[] }).goals.map((g) => g.id)).toContain(goal.id);
    const quoted = await runCli(d, ['-c', `aios 'goal' "show" ${goal.id.slice(-8)} --json`], shellBin);
    expect(quoted.code).toBe(0);
    expect((JSON.parse(quoted.stdout) as { goal: GoalView }).goal.id).toBe(goal.id);
  });

  it.each([
    ['cat /etc/shadow', /only aios runs here, not cat/],
    ['aios goal list; sh', /more than one command/],
    ['aios goal list && sh', /more than one command/],
    ['aios status\nsh', /more than one command/],
    ['aios goal list &', /more than one command/],
    ['aios goal list | sh', /a pipeline/],
    ['aios $(id)', /\$\(id\) is computed by a shell/],
    ['aios `id`', /is computed by a shell/],
    ['aios $HOME', /\$HOME is computed by a shell/],
    ['aios goal list > /tmp/aios-ssh-out', /redirects/],
    ['PATH=/tmp aios status', /sets variables/],
    ['aios *', /is computed by a shell/],
    ['aios ~root', /is computed by a shell/],
    ['(aios status)', /subshell/],
    ['aios daemon', /would start an aiosd of this account's own/],
    ['aios --state-dir /tmp/x up', /would start an aiosd/],
    ['/usr/bin/aios status', /only aios runs here/],
    ['aios "unterminated', /does not parse/],
    ['', /empty/],
  ])('refuses %j', async (line, why) => {
    expect(loginCommand(line)).toEqual({ refused: expect.stringMatching(why) as unknown });
    const r = await runCli(d, ['-c', line], shellBin);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/commands are not run through a shell/);
  });

  it("keeps an aios command's words as written", () => {
    expect(loginCommand(`aios goal -- 'restart nginx; now' "x\\$y"`)).toEqual({
      argv: ['goal', '--', 'restart nginx; now', 'x$y'],
    });
    expect(loginCommand('aios --socket /run/aios/aiosd.sock status --json')).toEqual({
      argv: ['--socket', '/run/aios/aiosd.sock', 'status', '--json'],
    });
  });
});
