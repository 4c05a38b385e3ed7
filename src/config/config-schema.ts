// The whole of config.toml. Keys are snake_case as written in TOML, and every table is strict
// so that a misspelt key is an error instead of a setting silently ignored.
import { z } from 'zod';

const MiB = 1024 * 1024;

const regexSource = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(err as Error).message}` });
  }
});

// Tables use prefault, not default: zod 4 returns a default as-is, so {} would skip the inner defaults.
const System = z.strictObject({
  hostname: z.string().min(1).optional(),
  log_level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  autonomy_level: z.enum(['manual', 'supervised', 'full']).default('supervised'),
}).prefault({});

const Security = z.strictObject({
  mode: z.enum(['safe', 'normal', 'paranoid', 'trusted']).default('normal'),
  dangerous_patterns: z.array(regexSource).default([]),
  require_confirm: z.array(regexSource).default([]),
}).prefault({});

const Tools = z.strictObject({
  exec_timeout_ms: z.number().int().min(100).max(3_600_000).default(30_000),
  output_cap_bytes: z.number().int().min(1024).max(64 * MiB).default(MiB),
}).prefault({});

const Recovery = z.strictObject({
  snapshot_interval: z.enum(['off', 'hourly', 'daily']).default('hourly'),
  max_snapshots: z.number().int().min(1).default(24),
}).prefault({});

const Daemon = z.strictObject({
  max_clients: z.number().int().min(1).max(4096).default(64),
  max_frame_bytes: z.number().int().min(1024).max(64 * MiB).default(MiB),
}).prefault({});

// Model and API tables are filled in by a later issue; until then they are kept as written.
const LooseTable = z.record(z.string(), z.unknown());

const Models = z.strictObject({
  model_dir: z.string().min(1).optional(),
  operational: LooseTable.optional(),
  tactical: LooseTable.optional(),
}).prefault({});

export const AiosConfig = z.strictObject({
  system: System,
  security: Security,
  tools: Tools,
  recovery: Recovery,
  daemon: Daemon,
  models: Models,
  api: z.record(z.string(), LooseTable).optional(),
});
export type AiosConfig = z.output<typeof AiosConfig>;
