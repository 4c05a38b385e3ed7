// The AI runtime phase asks this interface about the operational model. aiosd owns the model
// runtime (src/models loads and probes it inside the daemon); what aios-init can do before
// the daemon starts is find the configured model and check that the file is a GGUF model
// that fits in memory. A real health probe plugs in here through `ModelRuntimeProbe`.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import type { ModelsConfig } from '../../src/config/models-schema.js';

export interface OperationalModel {
  name: string;
  file: string;
}

export interface ProbeResult {
  status: 'ok' | 'warn' | 'failed' | 'skipped';
  details: string[];
  error?: string;
}

export interface ModelRuntimeProbe {
  probe(models: ModelsConfig, memAvailableMb: number, signal: AbortSignal): Promise<ProbeResult>;
}

/** The operational model's file, or null when none is configured. */
export function operationalModel(models: ModelsConfig, defaultDir: string): OperationalModel | null {
  const op = models.operational;
  if (op === undefined) return null;
  const rel = op.path ?? op.name;
  // Neither key: the file is unknown, which the probe reports as a configuration error.
  if (rel === undefined) return { name: 'operational', file: '' };
  return { name: op.name ?? basename(rel), file: isAbsolute(rel) ? rel : join(models.model_dir ?? defaultDir, rel) };
}

function readMagic(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4);
    readSync(fd, buf, 0, 4, 0);
    return buf.toString('latin1');
  } finally {
    closeSync(fd);
  }
}

/** Checks the file; the load and the short prompt happen in aiosd when it starts. */
export class ModelFileProbe implements ModelRuntimeProbe {
  constructor(private readonly defaultModelDir: string) {}

  probe(models: ModelsConfig, memAvailableMb: number): Promise<ProbeResult> {
    const model = operationalModel(models, this.defaultModelDir);
    if (model === null) {
      return Promise.resolve({
        status: 'skipped',
        details: ['no model configured: the reactive rules plan goals ([models.operational] in config.toml adds one)'],
      });
    }
    if (model.file === '') {
      return Promise.resolve({
        status: 'failed',
        details: [],
        error: '[models.operational] names no model: set path (or name, a file under model_dir)',
      });
    }
    let sizeMb: number;
    try {
      sizeMb = Math.round(statSync(model.file).size / (1024 * 1024));
      if (readMagic(model.file) !== 'GGUF') {
        return Promise.resolve({
          status: 'failed',
          details: [],
          error: `${model.file} is not a GGUF model file; point [models.operational] at a .gguf file`,
        });
      }
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (err as Error).message;
      return Promise.resolve({
        status: 'failed',
        details: [],
        error: `operational model ${model.name}: ${model.file} ${reason}; fix [models.operational] in config.toml`,
      });
    }
    const details = [
      `operational model ${model.name}: ${model.file} (${sizeMb} MiB, GGUF)`,
      'loaded and health-probed by aiosd as it starts',
    ];
    if (sizeMb > memAvailableMb) {
      return Promise.resolve({
        status: 'warn',
        details: [...details, `the model (${sizeMb} MiB) is larger than the memory available (${memAvailableMb} MiB)`],
      });
    }
    return Promise.resolve({ status: 'ok', details });
  }
}
