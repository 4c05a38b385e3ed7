// The local runtime as the procedure store's embedder: the operational model, else the
// tactical one, and only while it can serve (never a restart loop or a failed file).
import type { GoalEmbedder } from '../../agents/goal-embedding.js';
import { Priority } from './inference-queue.js';
import type { LocalRuntime } from './local-runtime.js';
import { MODEL_KEYS } from './model-settings.js';

/** Generic sentence embeddings of paraphrases score above this; unrelated sentences well below. */
export const DEFAULT_PROCEDURE_SIMILARITY = 0.92;

export function localEmbedder(runtime: LocalRuntime, minSimilarity = DEFAULT_PROCEDURE_SIMILARITY): () => GoalEmbedder | null {
  return () => {
    const key = MODEL_KEYS.find((k) => runtime.has(k));
    if (key === undefined || !runtime.usable(key).up) return null;
    return {
      minSimilarity,
      identity: () => runtime.identity(key),
      embed: (text, opts) => runtime.embed(key, text, {
        priority: opts.background ? Priority.background : Priority.normal, ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      }),
    };
  };
}
