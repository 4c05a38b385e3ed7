// [models.operational] / [models.tactical] as the runtime uses them: paths resolved,
// durations in milliseconds, the load policy decided.
import { basename, isAbsolute, join } from 'node:path';
import type { LocalModelConfig, ModelsConfig } from '../../config/models-schema.js';
import { durationMs } from '../duration.js';
import type { GpuSetting } from './worker-protocol.js';
import { LocalModelKey } from '../../protocol/vocabulary.js';

export type ModelKey = LocalModelKey;
export const MODEL_KEYS: readonly ModelKey[] = LocalModelKey.options;

export interface ModelSettings {
  key: ModelKey;
  name: string;
  path: string;
  sha256: string | null;
  alwaysLoaded: boolean;
  /** 0: never unloaded for idleness. */
  unloadAfterIdleMs: number;
  maxTokens: number;
  temperature: number;
  threads: number | 'auto';
  contextSize: number | null;
  planAttempts: number;
  /** A round of read-only fact calls before the plan. */
  facts: boolean;
}

export interface RuntimeSettings {
  gpu: GpuSetting;
  models: ModelSettings[];
  /** Tables that cannot be used, and why. */
  problems: string[];
}

export function modelSettings(config: ModelsConfig, defaultModelDir: string): RuntimeSettings {
  const dir = config.model_dir ?? defaultModelDir;
  const models: ModelSettings[] = [];
  const problems: string[] = [];
  for (const key of MODEL_KEYS) {
    const m: LocalModelConfig | undefined = config[key];
    if (m === undefined) continue;
    const file = m.path ?? m.name;
    // Each config layer is checked alone, so a missing file is caught here, after merging.
    if (file === undefined) {
      problems.push(
        `models.${key}: no model file: set path = "/path/to/model.gguf" (or add one with: aios models add <path>)`,
      );
      continue;
    }
    models.push({
      key,
      name: m.name ?? basename(file, '.gguf'),
      path: isAbsolute(file) ? file : join(dir, file),
      sha256: m.sha256 ?? null,
      // The seed's defaults: the operational model stays loaded, the tactical one comes and goes.
      alwaysLoaded: m.always_loaded ?? (m.load_on_demand === undefined ? key === 'operational' : !m.load_on_demand),
      unloadAfterIdleMs: durationMs(m.unload_after_idle),
      maxTokens: m.max_tokens,
      temperature: m.temperature,
      threads: m.threads,
      contextSize: m.context_size ?? null,
      planAttempts: m.plan_attempts,
      facts: m.facts,
    });
  }
  return { gpu: config.gpu ?? 'auto', models, problems };
}
