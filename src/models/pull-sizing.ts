// Whether a model fits this node before a byte of it is fetched: its memory once loaded against
// the share its tier may take, and its file against the free space where it will be written.
import { statfs } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { dirname } from 'node:path';
import type { PullTier } from '../protocol/model-pull.js';

/**
 * The share of the node's memory each tier may take. The operational model stays loaded beside
 * everything else the node runs, so it gets half; the tactical one is loaded for a task and
 * unloaded after, so it may take three quarters.
 */
export const TIER_SHARE: Record<PullTier, number> = { operational: 0.5, tactical: 0.75 };

/** A loaded GGUF costs its weights (mmapped), plus the KV cache and llama.cpp's buffers: about a tenth more and 256 MiB. */
export function loadedBytes(fileBytes: number): number {
  return Math.round(fileBytes * 1.1 + 256 * 1024 * 1024);
}

export interface MemoryFit {
  neededBytes: number;
  budgetBytes: number;
  totalBytes: number;
}

export function memoryFit(fileBytes: number, tier: PullTier, totalBytes = totalmem()): MemoryFit {
  return { neededBytes: loadedBytes(fileBytes), budgetBytes: Math.floor(totalBytes * TIER_SHARE[tier]), totalBytes };
}

export const gb = (bytes: number): string =>
  bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

/** Why the model does not fit its tier, or null when it does. */
export function memoryRefusal(fileName: string, fileBytes: number, tier: PullTier, fit: MemoryFit): string | null {
  if (fit.neededBytes <= fit.budgetBytes) return null;
  const other =
    tier === 'operational' && fit.neededBytes <= fit.totalBytes * TIER_SHARE.tactical
      ? ', or pull it as the tactical model (--tier tactical), which may take 75%'
      : '';
  return (
    `${fileName} is ${gb(fileBytes)}; loaded, it needs about ${gb(fit.neededBytes)}, and the ${tier} model may take ` +
    `${gb(fit.budgetBytes)} (${Math.round(TIER_SHARE[tier] * 100)}% of this node's ${gb(fit.totalBytes)} of memory): ` +
    `choose a smaller quantisation or model (aios models recommend)${other}; nothing was downloaded`
  );
}

/** Free bytes for an unprivileged writer on the filesystem that holds `dir` (or would: its nearest existing parent). */
export async function freeBytes(dir: string): Promise<number> {
  let at = dir;
  for (;;) {
    try {
      const s = await statfs(at);
      return s.bavail * s.bsize;
    } catch (err) {
      const parent = dirname(at);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === at) throw err;
      at = parent;
    }
  }
}

export function diskRefusal(dir: string, neededBytes: number, free: number): string | null {
  if (neededBytes <= free) return null;
  return `${dir} has ${gb(free)} free and the model needs ${gb(neededBytes)} more: free some space or set [models] model_dir to a larger disk; nothing was downloaded`;
}
