// The policy engine on tool calls: capabilities, protected paths (lexical, canonical, via
// symlinked parents), odd Unicode, hazards, modes; and who may approve what it decides.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { approvalRefusal, autoApprovalPolicy, type Actor } from '../../src/agents/approval-policy.js';
import type { PolicyVerdict } from '../../src/policy/policy-engine.js';
import { SystemdManager } from '../../src/tools/service-manager.js';
import { createServiceTools } from '../../src/tools/service-tools.js';
import { AIOS, judgeTool, policy, registry } from './helpers.js';

const normal = policy('normal');
const work = mkdtempSync(join(tmpdir(), 'aios-policy-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const admin: Actor = { uid: 0, gid: 0, groups: [], name: 'root', role: 'admin', home: '/root' };
const operator: Actor = { uid: 1000, gid: 1000, groups: [], name: 'ada', role: 'operator', home: work };
const viewer: Actor = { uid: 1001, gid: 1001, groups: [], name: 'vic', role: 'viewer', home: '/home/vic' };

describe('per-agent capabilities', () => {
  it('refuses a tool to an agent that lacks its capability, and an unknown agent', async () => {
    expect(
      await judgeTool(normal, 'fs.write', { path: join(work, 'x'), content: '' }, { agent: 'monitor' }),
    ).toMatchObject({ decision: 'deny', reasons: ['agent monitor lacks fs.write needed by fs.write'] });
    expect((await judgeTool(normal, 'fs.read', { path: '/etc/hostname' }, { agent: 'ghost' })).reasons).toEqual([
      'unknown agent "ghost"',
    ]);
  });
});

describe('protected paths', () => {
  it.each([
    ['/etc/shadow', /password hashes/],
    ['/etc/gshadow', /password hashes/],
    ['/etc/sudoers', /sudo rules/],
    ['/etc/sudoers.d/90-cloud', /sudo rules/],
    ['/home/ada/.ssh/authorized_keys', /SSH authorized keys/],
    ['/root/.ssh/authorized_keys2', /SSH authorized keys/],
    [`${AIOS.stateDir}/aios.db`, /aiOS state directory/],
    [AIOS.secretsFile, /secrets file/],
    [`${AIOS.configDirs[0] ?? ''}/config.toml`, /aiOS configuration/],
  ])("writing %s needs an admin, and a model's plan needs an explicit confirmation too", async (path, what) => {
    const typed = await judgeTool(normal, 'fs.write', { path, content: 'x' }, { tier: 'reactive' });
    expect(typed.decision).toBe('allow');
    expect(typed.adminReasons.join()).toMatch(what);
    const modelPlan = await judgeTool(normal, 'fs.write', { path, content: 'x' }, { tier: 'cloud' });
    expect(modelPlan.decision).toBe('confirm');
    expect(modelPlan.reasons.join()).toMatch(/a model's plan changes/);
  });

  it('a directory declared writable whole is a change to what is protected inside it', async () => {
    const etc = await judgeTool(normal, 'shell.exec', { command: 'true', writeDirs: ['/etc'] });
    expect(etc.adminReasons.join()).toMatch(/changes .* \(\/etc\//);
    expect(etc.paths).toContainEqual({ path: '/etc', access: 'write', tree: true });
    const state = await judgeTool(normal, 'shell.exec', { command: 'true', writeDirs: [join(AIOS.stateDir, '..')] });
    expect(state.adminReasons.join()).toMatch(/aiOS state directory/);
    const plain = await judgeTool(normal, 'shell.exec', { command: 'true', writeDirs: [join(work, 'data')] });
    expect(plain.adminReasons.filter((r) => /protect|hashes|aiOS|sudo/.test(r))).toEqual([]);
  });

  it('sees through .. and through a symlinked parent directory', async () => {
    expect(
      (
        await judgeTool(normal, 'fs.write', { path: '/home/ada/notes/../../../etc/shadow', content: '' })
      ).adminReasons.join(),
    ).toMatch(/password hashes/);
    const link = join(work, 'etc-link');
    symlinkSync('/etc', link);
    const v = await judgeTool(normal, 'fs.write', { path: join(link, 'sudoers'), content: '' });
    expect(v.adminReasons.join()).toMatch(/sudo rules \(\/etc\/sudoers\)/);
    expect(v.paths).toEqual([{ path: '/etc/sudoers', access: 'write' }]);
  });

  it('judges a read where it ends up: a link to /etc/shadow is a read of /etc/shadow', async () => {
    const link = join(work, 'innocent.txt');
    symlinkSync('/etc/shadow', link);
    const v = await judgeTool(normal, 'fs.read', { path: link });
    expect(v.adminReasons.join()).toMatch(/reads the password hashes/);
    expect(v.autoApprove).toBe(false);
    expect((await judgeTool(normal, 'fs.read', { path: '/etc/hostname' })).autoApprove).toBe(true);
  });

  it('finds protected names in shell commands, also relative ones', async () => {
    for (const command of [
      'cat /etc/shadow',
      'cp x /etc/sudoers.d/x',
      'cd /etc && vi shadow',
      'tee -a ~/.ssh/authorized_keys',
      'dd if=x of=/etc/shadow',
    ]) {
      const v = await judgeTool(normal, 'shell.exec', { command }, { agent: 'system' });
      expect(v.adminReasons.length, command).toBeGreaterThan(0);
    }
    expect(
      (
        await judgeTool(normal, 'shell.exec', { command: 'echo x >> /etc/sudoers' }, { agent: 'system', tier: 'local' })
      ).reasons.join(),
    ).toMatch(/a model's plan runs a command that names the sudo rules/);
  });
});

describe('paths that could deceive', () => {
  it.each([
    ['a right-to-left override', '/tmp/\u202Etxt.exe'],
    ['a zero-width space', '/etc/pass\u200Bwd'],
    ['a newline', '/tmp/a\nb'],
    ['an escape sequence', '/tmp/\u001b[2Jx'],
    ['a byte-order mark', '/tmp/\uFEFFx'],
  ])('refuses %s in a path before anything is judged', (_what, path) => {
    const v = registry.validate('fs.write', { path, content: '' });
    expect(v.ok).toBe(false);
    expect(!v.ok && v.error).toMatch(/path contains (a control character|an invisible or text-direction character)/);
  });

  it('normalises to NFC, so two spellings of one name are one path', () => {
    const decomposed = '/tmp/cafe\u0301';
    const v = registry.validate('fs.write', { path: decomposed, content: '' });
    expect(v.ok && (v.args as { path: string }).path).toBe('/tmp/caf\u00e9');
  });
});

describe('hazards and modes on tools', () => {
  it('a setuid or setgid mode needs an admin and an explicit confirmation', async () => {
    const file = join(work, 'tool');
    writeFileSync(file, '#!/bin/sh\n');
    const v = await judgeTool(normal, 'fs.chmod', { path: file, mode: '4755' });
    expect(v.decision).toBe('confirm');
    expect(v.adminReasons.join()).toMatch(/setuid or setgid/);
    expect((await judgeTool(normal, 'fs.chmod', { path: file, mode: '755' })).decision).toBe('allow');
  });

  it('refuses signalling init or aiosd itself', async () => {
    expect((await judgeTool(normal, 'process.signal', { pid: 1 })).reasons.join()).toMatch(/PID 1/);
    expect((await judgeTool(normal, 'process.signal', { pid: process.pid })).reasons.join()).toMatch(/aiosd itself/);
  });

  it('labels irreversible tools for explicit confirmation; safe mode refuses service control', async () => {
    expect((await judgeTool(normal, 'service.restart', { unit: 'ssh' })).reasons).toContain(
      'service.restart cannot be undone by a snapshot',
    );
    // Judged against the argv it would run under systemd, whether or not systemd runs here.
    const start = createServiceTools(new SystemdManager()).find((t) => t.name === 'service.start');
    if (start === undefined) throw new Error('no service.start');
    expect(
      (await normal.evaluate({ tool: start, args: { unit: 'ssh' }, agent: 'system', tier: 'reactive' })).reasons,
    ).toEqual(['changes a service: systemctl start ssh']);
    expect((await judgeTool(policy('safe'), 'service.start', { unit: 'ssh' })).reasons.join()).toMatch(
      /safe mode allows no service control/,
    );
    expect((await judgeTool(policy('trusted'), 'service.restart', { unit: 'ssh' })).decision).toBe('allow');
  });

  it('matches the programs a tool runs against the command rules too', async () => {
    const strict = policy('normal', { dangerousPatterns: ['^apt-get (.* )?(remove|purge) (.* )?libc6'] });
    expect((await judgeTool(strict, 'pkg.remove', { packages: ['libc6'] })).decision).toBe('deny');
    expect((await judgeTool(normal, 'pkg.install', { packages: ['hello'] })).reasons.join()).toMatch(
      /changes installed software: apt-get install -y --no-install-recommends hello/,
    );
  });
});

describe('who may approve what', () => {
  const step = (tool: string, risk: 'low' | 'medium' | 'high', reversible = true) => ({
    id: 's1',
    tool,
    risk,
    reversible,
  });
  const verdict = (v: Partial<PolicyVerdict>): PolicyVerdict => ({
    decision: 'allow',
    reasons: [],
    adminReasons: [],
    autoApprove: false,
    paths: [],
    commands: [],
    ...v,
  });

  it('viewers approve nothing; a denied step nobody', () => {
    expect(approvalRefusal(viewer, step('fs.read', 'low'), verdict({}), false)).toMatch(/viewer/);
    expect(
      approvalRefusal(
        admin,
        step('shell.exec', 'high', false),
        verdict({ decision: 'deny', reasons: ['removes everything'] }),
        true,
      ),
    ).toMatch(/denied by policy: removes everything/);
  });

  it('operators approve neither high-risk, irreversible nor admin-only steps; where they may write the kernel decides', () => {
    expect(approvalRefusal(operator, step('shell.exec', 'high', false), verdict({}), true)).toMatch(/only an admin/);
    expect(
      approvalRefusal(
        operator,
        step('fs.write', 'medium'),
        verdict({ adminReasons: ['changes the sudo rules (/etc/sudoers)'] }),
        true,
      ),
    ).toMatch(/changes the sudo rules.*only an admin/);
    // No path rule: the step runs with the operator's own credentials (src/runas), and the kernel refuses /etc/cron.d.
    expect(
      approvalRefusal(
        operator,
        step('fs.write', 'medium'),
        verdict({ paths: [{ path: '/etc/cron.d/x', access: 'write' }] }),
        false,
      ),
    ).toBeNull();
    expect(
      approvalRefusal(
        operator,
        step('fs.write', 'medium'),
        verdict({ paths: [{ path: join(work, 'notes'), access: 'write' }] }),
        false,
      ),
    ).toBeNull();
  });

  it('a step that needs confirmation is approved only with it, even by an admin', () => {
    const v = verdict({ decision: 'confirm', reasons: ['shell.exec cannot be undone by a snapshot'] });
    expect(approvalRefusal(admin, step('shell.exec', 'high', false), v, false)).toMatch(
      /needs an explicit confirmation: shell.exec cannot be undone/,
    );
    expect(approvalRefusal(admin, step('shell.exec', 'high', false), v, true)).toBeNull();
  });

  it('runs a plan alone only when every step may run alone', () => {
    expect(autoApprovalPolicy('normal', [verdict({ autoApprove: true }), verdict({ autoApprove: true })])).toBe(
      'policy:read-only(normal)',
    );
    expect(autoApprovalPolicy('normal', [verdict({ autoApprove: true }), verdict({})])).toBeNull();
    expect(autoApprovalPolicy('normal', [])).toBeNull();
  });
});
