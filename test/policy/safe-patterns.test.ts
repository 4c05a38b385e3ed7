// Configured patterns cannot hang the daemon: they are RE2 (linear-time), what RE2 cannot
// compile is refused when the configuration is loaded, naming the pattern, and judging one
// command has a hard budget.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { createPolicy } from '../../src/agents/plan-policy.js';
import { POLICY_BUDGET_MS } from '../../src/policy/budget.js';
import { compilePattern } from '../../src/policy/safe-regex.js';
import type { AiosClient } from '../../src/protocol/client.js';
import { disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { judge, policy } from './helpers.js';

/** A generous liveness bound, not a timing: the catastrophic pattern took 16 s on 30 characters under JS RegExp. */
const PROMPT_MS = 2000;

describe('patterns are compiled by RE2', () => {
  it.each([
    ['(?=x)a', /lookaround/],
    ['rm(?! -i)', /lookaround/],
    ['(?<=sudo )rm', /lookaround/],
    ['(?<!#)rm', /lookaround/],
    ['(rm) \\1', /backreferences/],
    ['(?<n>rm) \\k<n>', /backreferences/],
    ['[a-', /missing closing \]/],
  ])('refuses %s, naming the pattern and why', (pattern, why) => {
    const c = compilePattern(pattern);
    expect(c.ok).toBe(false);
    expect(!c.ok && c.reason).toContain(JSON.stringify(pattern));
    expect(!c.ok && c.reason).toMatch(why);
  });

  it('compiles what RE2 can, catastrophic-looking patterns included, and matches like RegExp on commands', () => {
    for (const [pattern, text, expected] of [
      ['(a+)+$', 'aaa', true],
      ['^curl( .*)? -o /etc/', 'curl -s x -o /etc/x', true],
      ['(?i)^DOCKER ', 'docker ps', true],
      ['\\bmkfs\\b', 'sudo mkfs.ext4', true],
      ['^rm$', 'rm -rf', false],
    ] as const) {
      const c = compilePattern(pattern);
      expect(c.ok && c.regex.test(text), pattern).toBe(expected);
    }
  });

  it('refuses a lookaround pattern when the configuration is loaded, naming the key and the pattern', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aios-re2-'));
    try {
      const file = join(dir, 'config.toml');
      writeFileSync(file, '[security]\ndangerous_patterns = ["^mkfs", "rm(?! -i)"]\nrequire_confirm = ["(a)\\\\1"]\n');
      let error: unknown;
      try {
        loadConfig({ systemFile: file, userFile: null, env: {} });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).key).toBe('security.dangerous_patterns[1]');
      expect((error as ConfigError).message).toMatch(/"rm\(\?! -i\)" cannot be used: lookaround/);
      writeFileSync(file, '[security]\nrequire_confirm = ["(a)\\\\1"]\n');
      expect(() => loadConfig({ systemFile: file, userFile: null, env: {} })).toThrow(
        /require_confirm\[0\].*backreferences/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an uncompilable pattern given to the engine directly, too', () => {
    expect(() => createPolicy({ mode: () => 'normal', dangerousPatterns: ['(?=x)'] })).toThrow(
      /"\(\?=x\)" cannot be used: lookaround/,
    );
  });
});

describe('judging cannot stall', () => {
  it('matches (a+)+$ against a long command promptly', async () => {
    const engine = policy('normal', { dangerousPatterns: ['(a+)+$'], requireConfirm: ['(a|aa)+$'] });
    for (const length of [30, 2000, 15_000]) {
      const started = performance.now();
      const v = await judge(engine, `echo ${'a'.repeat(length)}!`);
      expect(performance.now() - started, `${length} characters`).toBeLessThan(PROMPT_MS + 5000);
      expect(v.decision).not.toBe('deny');
    }
    expect((await judge(engine, `echo ${'a'.repeat(5000)}`)).decision).toBe('deny');
  });

  it('refuses a line that would take longer than the budget to judge, and says so', async () => {
    // Hundreds of anchored patterns, each tried on every inner command of a 7000-word line.
    const patterns = Array.from({ length: 300 }, (_, i) => `^x${i}( |$)`);
    // A budget of 1 ms, so that the refusal does not depend on how fast this machine is.
    const engine = policy('normal', { dangerousPatterns: patterns, budgetMs: 1 });
    const started = performance.now();
    const v = await judge(engine, `echo ${'a '.repeat(7000)}`);
    expect(v.decision).toBe('deny');
    expect(v.reasons.join()).toMatch(/longer than 1 ms/);
    // Past the budget by at most one pattern over one text (and the parser's own await): a liveness bound.
    expect(performance.now() - started).toBeLessThan(POLICY_BUDGET_MS * 2 + 5000);
  });
});

describe('a running daemon with a catastrophic pattern', () => {
  let d: TestDaemon | undefined;
  let a: AiosClient;
  let b: AiosClient;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aios-re2d-'));
    writeFileSync(join(dir, 'config.toml'), '[security]\ndangerous_patterns = ["(a+)+$"]\n');
    d = await startTestDaemon({ dir });
    a = await d.client('planner');
    b = await d.client('bystander');
  });
  afterAll(async () => {
    a.close();
    b.close();
    await disposeTestDaemon(d);
  });

  it('judges a long command promptly and keeps answering other clients meanwhile', async () => {
    const command = `echo ${'a'.repeat(12_000)}!`;
    const started = performance.now();
    const planned = a
      .call('tool/plan', { tool: 'shell.exec', args: { command } })
      .then((g) => ({ g, ms: performance.now() - started }));
    // The bystander's calls go out while the plan is judged; each is answered.
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await b.call('status/get', {});
      statuses.push(performance.now() - t);
    }
    const { g, ms } = await planned;
    expect(g.state).toBe('awaiting_approval');
    expect(ms).toBeLessThan(PROMPT_MS + 8000);
    expect(Math.max(...statuses)).toBeLessThan(PROMPT_MS + 3000);
  });
});
