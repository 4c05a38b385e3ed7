// The local runtime as the procedure store's embedder: the operational model, else the
// tactical one, and only while it is loaded: matching never makes a model load (seconds, and
// gigabytes for a large one); what was stored meanwhile is embedded lazily once one is.
import type { GoalEmbedder } from '../../agents/goal-embedding.js';
import { Priority } from './inference-queue.js';
import type { LocalRuntime } from './local-runtime.js';
import { MODEL_KEYS } from './model-settings.js';

/** Generic sentence embeddings of paraphrases score above this; unrelated sentences well below. */
export const DEFAULT_PROCEDURE_SIMILARITY = 0.92;

export function localEmbedder(
  runtime: LocalRuntime,
  minSimilarity = DEFAULT_PROCEDURE_SIMILARITY,
): () => GoalEmbedder | null {
  return () => {
    const key = MODEL_KEYS.find((k) => runtime.loaded(k));
    if (key === undefined) return null;
    return {
      minSimilarity,
      identity: () => runtime.identity(key),
      embed: (text, opts) =>
        runtime.embed(key, text, {
          priority: opts.background ? Priority.background : Priority.normal,
          ...(opts.signal === undefined ? {} : { signal: opts.signal }),
        }),
    };
  };
}
