// The seed design's example config.toml loads: what aiOS takes is honoured, the rest is set
// aside with a warning naming the key, and a misspelt key is still an error.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { configFromText } from '../helpers/config-text.js';
import { SEED_KEYS, setAsideSeedKeys } from '../../src/config/seed-keys.js';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'seed-config.toml');
const config = configFromText('aios-seed-');
const loadText = config.load;
const dir = config.dir;

describe("the seed's config.toml", () => {
  it('loads, honouring what aiOS takes and warning about each key it does not', () => {
    const file = join(dir(), 'config.toml');
    copyFileSync(fixture, file);
    const { config, warnings } = loadConfig({ systemFile: file, userFile: null, env: {} });
    expect(config.system).toMatchObject({ hostname: 'aios-node-01', log_level: 'info', autonomy_level: 'full' });
    expect(config.models).toMatchObject({
      model_dir: '/var/lib/aios/models',
      operational: {
        name: 'tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf',
        always_loaded: true,
        max_tokens: 512,
        temperature: 0.1,
      },
      tactical: { name: 'mistral-7b-instruct-v0.3.Q4_K_M.gguf', load_on_demand: true, unload_after_idle: '5m' },
    });
    expect(config.api).toMatchObject({
      claude: { model: 'claude-sonnet-4-5-20250929', monthly_budget_usd: 100, rate_limit_rpm: 50 },
      openai: { model: 'gpt-4o', fallback_only: true },
    });
    expect(config.security.mode).toBe('normal');
    // Honoured: the seed's auto_patch = true is patching with security updates (docs/operations.md).
    expect(config.security.auto_patch).toBe('security');
    expect(warnings.map((w) => w.key)).toEqual([
      'models.runtime',
      'memory.operational_max_entries',
      'memory.working_db',
      'memory.longterm_db',
      'memory.vector_db',
      'security.capability_mode',
      'security.audit_all_tool_calls',
      'security.sandbox_untrusted',
      'network.management_port',
      'network.management_tls',
      'network.allow_outbound',
      'network.dns_servers',
    ]);
    for (const w of warnings) {
      expect(w.file).toBe(file);
      expect(w.instead.length).toBeGreaterThan(20);
    }
  });

  it("keeps a misspelt key an error, in aiOS's tables and in the seed's", () => {
    expect(() => loadText('[security]\ncapability_mod = "strict"\n')).toThrow(ConfigError);
    expect(() => loadText('[security]\nmode = "normal"\nauto_patch = true\nautopatch = true\n')).toThrow(
      /security\.autopatch/,
    );
    expect(() => loadText('[memory]\nworking_db = "/x"\nworkingdb = "/x"\n')).toThrow(ConfigError);
    expect(() => loadText('[system]\nlog_levl = "info"\n')).toThrow(/system\.log_levl/);
  });

  it('reads a seed key as a setting once the schema knows it', () => {
    const schema = z.strictObject({
      security: z.strictObject({ auto_patch: z.boolean().nullable().optional() }).optional(),
    });
    const r = setAsideSeedKeys({ security: { auto_patch: true }, network: { dns_servers: ['1.1.1.1'] } }, schema);
    expect(r.table).toEqual({ security: { auto_patch: true } });
    expect(r.setAside.map((w) => w.key)).toEqual(['network.dns_servers']);
    expect(SEED_KEYS.every((k) => k.instead !== '')).toBe(true);
  });
});
