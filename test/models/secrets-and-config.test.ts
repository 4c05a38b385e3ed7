// Keys from secrets.toml (only when private) or the environment, never printed; and the
// [models] / [api.*] tables checked strictly, with what is missing said after merging.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { loadSecrets, scrubSecrets, Secret } from '../../src/config/secrets.js';
import { resolveProviders } from '../../src/models/gateway/provider-settings.js';
import { modelSettings } from '../../src/models/local/model-settings.js';
import { durationMs } from '../../src/models/duration.js';
import { cgroupQuota, usableCores } from '../../src/models/local/usable-cores.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aios-secrets-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const KEY = 'sk-ant-secret-abcdef123456';
const requests = [
  { provider: 'claude', envVar: 'ANTHROPIC_API_KEY' },
  { provider: 'openai', envVar: 'OPENAI_API_KEY' },
];

function secretsFile(text: string, mode: number): string {
  const file = join(dir, 'secrets.toml');
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
}

describe('loadSecrets', () => {
  it('reads keys from a file only its owner can read', () => {
    const file = secretsFile(`[api.claude]\napi_key = "${KEY}"\n`, 0o600);
    const s = loadSecrets({ file, env: {}, requests });
    expect(s.problems).toEqual([]);
    expect(s.keys.get('claude')?.reveal()).toBe(KEY);
    expect(s.sources.get('claude')).toBe('secrets.toml');
    expect(s.keys.has('openai')).toBe(false);
  });

  it('refuses a file readable by group or others, saying how to fix it', () => {
    const file = secretsFile(`[api.claude]\napi_key = "${KEY}"\n`, 0o644);
    const s = loadSecrets({ file, env: {}, requests });
    expect(s.keys.size).toBe(0);
    expect(s.problems).toEqual([
      `${file} is readable or writable by group or others (mode 0644); its API keys are not used: run chmod 600 ${file}`,
    ]);
    expect(
      loadSecrets({ file: secretsFile(`[api.claude]\napi_key = "${KEY}"\n`, 0o640), env: {}, requests }).keys.size,
    ).toBe(0);
  });

  it('never quotes the file in a parse error', () => {
    const file = secretsFile(`[api.claude]\napi_key = "${KEY}\n`, 0o600);
    const s = loadSecrets({ file, env: {}, requests });
    expect(s.problems[0]).toMatch(/not valid TOML at line \d+, column \d+/);
    expect(s.problems.join('')).not.toContain(KEY);
  });

  it('takes the environment over the file, and removes what it read from the environment', () => {
    const file = secretsFile(`[api.claude]\napi_key = "from-file-key"\n`, 0o600);
    const env: NodeJS.ProcessEnv = { ANTHROPIC_API_KEY: KEY, OPENAI_API_KEY: 'sk-openai-zzzz', PATH: '/bin' };
    const s = loadSecrets({ file, env, requests, scrubEnv: true });
    expect(s.keys.get('claude')?.reveal()).toBe(KEY);
    expect(s.sources.get('claude')).toBe('ANTHROPIC_API_KEY');
    expect(env).toEqual({ PATH: '/bin' });
  });

  it('shows a Secret as [redacted] however it is printed, and scrubs it from text', () => {
    const s = new Secret(KEY);
    expect(`${String(s)} ${JSON.stringify({ s })} ${inspect({ s })}`).not.toContain(KEY);
    expect(scrubSecrets(`401: bad key ${KEY}!`, [s])).toBe('401: bad key [redacted]!');
  });
});

describe('[models] and [api.*] in config.toml', () => {
  const load = (text: string) => {
    const file = join(dir, 'config.toml');
    writeFileSync(file, text);
    return loadConfig({ systemFile: null, userFile: file, env: {} }).config;
  };
  const error = (text: string): string => {
    try {
      load(text);
    } catch (err) {
      if (err instanceof ConfigError) return err.message;
      throw err;
    }
    throw new Error('expected a ConfigError');
  };

  it('fills in defaults and resolves paths, policies and durations', () => {
    const c = load(
      '[models]\nmodel_dir = "/srv/m"\n[models.operational]\nname = "tiny.gguf"\n[models.tactical]\npath = "/abs/big.gguf"\nunload_after_idle = "90s"\n',
    );
    const s = modelSettings(c.models, '/var/lib/aios/models');
    expect(s.models).toEqual([
      expect.objectContaining({
        key: 'operational',
        name: 'tiny.gguf',
        path: '/srv/m/tiny.gguf',
        alwaysLoaded: true,
        threads: 'auto',
        maxTokens: 1024,
      }),
      expect.objectContaining({
        key: 'tactical',
        name: 'big',
        path: '/abs/big.gguf',
        alwaysLoaded: false,
        unloadAfterIdleMs: 90_000,
      }),
    ]);
    expect(s.gpu).toBe('auto');
  });

  it('rejects misspelt keys and bad values in model and API tables', () => {
    expect(error('[models.operational]\nname = "a"\nthreds = 2\n')).toMatch(
      /models\.operational\.threds: unknown key; expected one of name, path, sha256/,
    );
    expect(error('[models.operational]\nunload_after_idle = "five minutes"\n')).toMatch(
      /unload_after_idle: expected a duration such as "30s"/,
    );
    expect(error('[api.claude]\nmodel = "m"\nrate_limit_rpm = 0\n')).toMatch(
      /api\.claude\.rate_limit_rpm: expected at least 1/,
    );
    expect(error('[api.claude]\nbase_url = "ftp://x"\n')).toMatch(/api\.claude\.base_url/);
  });

  it('says after merging what a provider still lacks, and orders the usable ones', () => {
    const c = load(
      [
        '[api.mine]\nmodel = "qwen"\n',
        '[api.local]\nkind = "openai-compatible"\nmodel = "q"\nbase_url = "http://127.0.0.1:8080/v1"\nfallback_only = true\n',
        '[api.openai]\nmodel = "gpt"\n',
        '[api.claude]\nmodel = "c"\nmonthly_budget_usd = 5.0\n',
        '[api.anthropic]\nmodel = "c"\n',
      ].join(''),
    );
    const r = resolveProviders(c.api);
    expect(r.providers.map((p) => [p.name, p.kind, p.envVar])).toEqual([
      ['anthropic', 'anthropic', 'ANTHROPIC_API_KEY'],
      ['openai', 'openai', 'OPENAI_API_KEY'],
      ['local', 'openai-compatible', null],
    ]);
    expect(r.problems).toEqual([
      expect.stringMatching(/^api\.mine: set kind = /),
      expect.stringMatching(/^api\.claude: monthly_budget_usd needs a price table/),
    ]);
  });

  it('parses durations', () => {
    expect([durationMs('500ms'), durationMs('30s'), durationMs('5m'), durationMs('1.5h'), durationMs('0s')]).toEqual([
      500, 30_000, 300_000, 5_400_000, 0,
    ]);
  });
});

describe('usable cores', () => {
  it('takes the cgroup quota when it is below the cores offered', () => {
    const files =
      (map: Record<string, string>) =>
      (p: string): string | null =>
        map[p] ?? null;
    expect(cgroupQuota(files({ '/sys/fs/cgroup/cpu.max': 'max 100000\n' }))).toBeNull();
    expect(cgroupQuota(files({ '/sys/fs/cgroup/cpu.max': '150000 100000\n' }))).toBe(1.5);
    expect(
      cgroupQuota(
        files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '100000', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' }),
      ),
    ).toBe(1);
    expect(usableCores(files({ '/sys/fs/cgroup/cpu.max': '100000 100000' }))).toBe(1);
    expect(usableCores(files({}))).toBeGreaterThanOrEqual(1);
  });
});
