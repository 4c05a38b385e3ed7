// Roles by explicit grant: the uid range of login accounts, and what root and a user-mode owner get.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withStepRules } from '../../src/agents/approval-policy.js';
import { accessFor, cachedAccess, loginUidRange } from '../../src/daemon/users.js';
import type { PolicyVerdict } from '../../src/policy/policy-engine.js';

describe('accounts and roles', () => {
  it('reads UID_MIN and UID_MAX from login.defs, with the shadow-utils defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aios-logindefs-'));
    const file = join(dir, 'login.defs');
    writeFileSync(file, '# comment\nUID_MIN\t\t 500\n#UID_MAX 100\nUID_MAX 59999\n');
    expect(loginUidRange(file)).toEqual({ min: 500, max: 59999 });
    expect(loginUidRange(join(dir, 'missing'))).toEqual({ min: 1000, max: 60000 });
  });

  it('makes root an admin in system mode, and the owner an admin in user mode', () => {
    expect(accessFor(0, 'system')).toMatchObject({ ok: true, role: 'admin', user: { name: 'root', uid: 0 } });
    const me = process.getuid?.() ?? 0;
    expect(accessFor(me, 'user')).toMatchObject({ ok: true, role: 'admin' });
  });

  it('asks NSS once per account in a burst, and again once the answer is a few seconds old', () => {
    const access = cachedAccess('system', 1000);
    const first = access(0, 10_000);
    expect(access(0, 10_500)).toBe(first);
    expect(access(0, 11_500)).not.toBe(first);
    expect(access(0, 11_500)).toEqual(first);
  });

  it('refuses a system account by its uid range', () => {
    expect(accessFor(1, 'system', { min: 1000, max: 60000 })).toMatchObject({
      ok: false,
      refusal: expect.stringMatching(/system account/) as unknown,
    });
  });
});

describe('per-step rules', () => {
  const verdict: PolicyVerdict = {
    decision: 'allow',
    reasons: [],
    adminReasons: [],
    autoApprove: true,
    paths: [],
    commands: [],
  };
  it('needs an admin for changes by the pkg, service, net and sec families, not for their reads', () => {
    for (const name of ['pkg.install', 'service.start', 'net.firewall_apply', 'sec.harden']) {
      const v = withStepRules(verdict, { name, mutates: true });
      expect(v.adminReasons).toHaveLength(1);
      expect(v.autoApprove).toBe(false);
    }
    for (const name of ['pkg.search', 'service.status'])
      expect(withStepRules(verdict, { name, mutates: false })).toBe(verdict);
    expect(withStepRules(verdict, { name: 'fs.write', mutates: true })).toBe(verdict);
  });
});
