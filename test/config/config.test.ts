import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AiosConfig } from '../../src/config/config-schema.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';

let dir: string;
let systemFile: string;
let userFile: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aios-config-'));
  systemFile = join(dir, 'etc', 'config.toml');
  userFile = join(dir, 'home', 'config.toml');
  mkdirSync(join(dir, 'etc'));
  mkdirSync(join(dir, 'home'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function load(files: { system?: string; user?: string }, env: NodeJS.ProcessEnv = {}) {
  if (files.system !== undefined) writeFileSync(systemFile, files.system);
  if (files.user !== undefined) writeFileSync(userFile, files.user);
  return loadConfig({ systemFile, userFile, env });
}

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig layering', () => {
  it('gives the defaults when no file exists', () => {
    const { config, sources } = load({});
    expect(sources).toEqual([]);
    // Every table has its defaults; later tables are checked by their own tests.
    expect(config).toMatchObject({
      system: { log_level: 'info', autonomy_level: 'supervised' },
      security: { mode: 'normal', dangerous_patterns: [], require_confirm: [] },
      tools: { exec_timeout_ms: 30_000, output_cap_bytes: 1024 * 1024 },
      recovery: { snapshot_interval: 'hourly' },
      daemon: {
        max_clients: 64,
        max_frame_bytes: 1_048_576,
        max_clients_per_uid: 16,
        admin_reserved_clients: 8,
        handshake_timeout_ms: 10_000,
      },
      monitor: { interval_s: 30, cpu_pct: 95, memory_pct: 90, disk_pct: 90, load_per_core: 4 },
    });
  });

  it('refuses an admin reserve that would leave no connection for anyone else', () => {
    const err = configError(() => load({ system: '[daemon]\nmax_clients = 8\nadmin_reserved_clients = 8\n' }));
    expect(err.message).toMatch(/daemon\.admin_reserved_clients: admin_reserved_clients must be less than max_clients/);
  });

  it('merges defaults < system file < user file < environment, table by table', () => {
    const { config, sources } = load(
      {
        system: '[security]\nmode = "paranoid"\ndangerous_patterns = ["^rm -rf /$"]\n[tools]\nexec_timeout_ms = 5000\n',
        user: '[security]\ndangerous_patterns = ["mkfs"]\n[system]\nlog_level = "debug"\nautonomy_level = "manual"\n',
      },
      { AIOS_LOG_LEVEL: 'warn', AIOS_AUTONOMY_LEVEL: '' },
    );
    expect(config.security).toEqual({ mode: 'paranoid', dangerous_patterns: ['mkfs'], require_confirm: [] });
    expect(config.tools.exec_timeout_ms).toBe(5000);
    expect(config.tools.output_cap_bytes).toBe(1024 * 1024);
    expect(config.system).toMatchObject({ log_level: 'warn', autonomy_level: 'manual' });
    expect(sources).toEqual([systemFile, userFile, 'AIOS_LOG_LEVEL']);
  });

  it('lets AIOS_SECURITY_MODE override both files', () => {
    const { config } = load(
      { system: '[security]\nmode = "paranoid"\n', user: '[security]\nmode = "trusted"\n' },
      { AIOS_SECURITY_MODE: 'safe' },
    );
    expect(config.security.mode).toBe('safe');
  });

  it('merges model and API tables key by key across layers', () => {
    const { config } = load({
      system:
        '[models]\nmodel_dir = "/srv/models"\n[models.operational]\nname = "a.gguf"\n[api.anthropic]\nmodel = "x"\n',
      user: '[models.operational]\nthreads = 4\n[api.anthropic]\nmax_tokens = 100\n',
    });
    expect(config.models).toMatchObject({ model_dir: '/srv/models', operational: { name: 'a.gguf', threads: 4 } });
    expect(config.api).toMatchObject({ anthropic: { model: 'x', max_tokens: 100 } });
  });

  it('refuses a TOML key named __proto__ as an unknown key, never merging it into a prototype', () => {
    const err = configError(() =>
      load({
        system: '[api.x]\n"__proto__" = { polluted = true }\n',
        user: '[api.x]\n"__proto__" = { also = true }\n',
      }),
    );
    expect(err.message).toMatch(/api\.x\.__proto__: unknown key/);
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
    expect(Object.hasOwn(Object.prototype, 'also')).toBe(false);
  });

  it('skips a missing file and a null layer', () => {
    writeFileSync(userFile, '[recovery]\nsnapshot_interval = "daily"\n');
    const { config, sources } = loadConfig({ systemFile: join(dir, 'nope.toml'), userFile, env: {} });
    expect(config.recovery.snapshot_interval).toBe('daily');
    expect(sources).toEqual([userFile]);
    expect(loadConfig({ systemFile: null, userFile: null, env: {} }).sources).toEqual([]);
  });
});

describe('loadConfig errors', () => {
  it('reports a TOML syntax error as file:line:col', () => {
    const err = configError(() => load({ user: '[system]\nlog_level = "info"\n\n[security]\nmode = = "safe"\n' }));
    expect(err.file).toBe(userFile);
    expect(err.key).toBeNull();
    expect(err.line).toBe(5);
    expect(err.message).toMatch(new RegExp(`^${escape(userFile)}:5:\\d+: \\S`));
    expect(err.message).not.toContain('\n');
  });

  it('names an unknown key and the keys that table accepts', () => {
    const err = configError(() => load({ user: '[security]\nmoed = "safe"\n' }));
    expect(err.key).toBe('security.moed');
    expect(err.message).toBe(
      `${userFile}: security.moed: unknown key; expected one of mode, dangerous_patterns, require_confirm, auto_patch, auto_patch_window, auto_patch_checks`,
    );
  });

  it('names an unknown table', () => {
    const err = configError(() => load({ system: '[sytem]\nlog_level = "info"\n' }));
    expect(err.message).toBe(
      `${systemFile}: sytem: unknown key; expected one of ${Object.keys(AiosConfig.shape).join(', ')}`,
    );
  });

  it('says which type was expected and what was found', () => {
    expect(configError(() => load({ user: '[tools]\nexec_timeout_ms = "fast"\n' })).message).toBe(
      `${userFile}: tools.exec_timeout_ms: expected a number; got "fast"`,
    );
    expect(configError(() => load({ user: '[tools]\nexec_timeout_ms = 1.5\n' })).message).toBe(
      `${userFile}: tools.exec_timeout_ms: expected an integer; got 1.5`,
    );
    expect(configError(() => load({ user: 'security = 3\n' })).message).toBe(
      `${userFile}: security: expected a table; got 3`,
    );
  });

  it('gives the allowed range of a number', () => {
    expect(configError(() => load({ user: '[tools]\nexec_timeout_ms = 5\n' })).message).toBe(
      `${userFile}: tools.exec_timeout_ms: expected at least 100; got 5`,
    );
    expect(configError(() => load({ user: '[tools]\noutput_cap_bytes = 999999999\n' })).message).toBe(
      `${userFile}: tools.output_cap_bytes: expected at most 67108864; got 999999999`,
    );
  });

  it('lists the allowed values of an enum', () => {
    const err = configError(() =>
      load({ system: '[security]\nmode = "yolo"\n', user: '[system]\nlog_level = "info"\n' }),
    );
    expect(err.file).toBe(systemFile);
    expect(err.key).toBe('security.mode');
    expect(err.problem).toBe('expected one of safe, normal, paranoid, trusted; got "yolo"');
    expect(err.message).toBe(
      `${systemFile}: security.mode: expected one of safe, normal, paranoid, trusted; got "yolo"`,
    );
  });

  it('names the index of a pattern that is not a valid regular expression', () => {
    const err = configError(() => load({ user: '[security]\nrequire_confirm = ["^apt ", "(unclosed"]\n' }));
    expect(err.key).toBe('security.require_confirm[1]');
    // Patterns are RE2: the message names the pattern and says what RE2 cannot compile.
    expect(err.message).toMatch(
      new RegExp(
        `^${escape(userFile)}: security\\.require_confirm\\[1\\]: the pattern "\\(unclosed" cannot be used: missing closing \\)`,
      ),
    );
  });

  it('names the environment variable that holds a bad value', () => {
    const err = configError(() => load({}, { AIOS_SECURITY_MODE: 'yolo' }));
    expect(err.file).toBeNull();
    expect(err.variable).toBe('AIOS_SECURITY_MODE');
    expect(err.message).toBe(
      'AIOS_SECURITY_MODE (security.mode): expected one of safe, normal, paranoid, trusted; got "yolo"',
    );
  });

  it('fails on a config path that cannot be read, instead of skipping it', () => {
    mkdirSync(userFile);
    const err = configError(() => loadConfig({ systemFile: null, userFile, env: {} }));
    expect(err.message).toBe(`${userFile}: is a directory, not a TOML file`);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
