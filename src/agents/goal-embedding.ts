// Embeddings of goal text for procedure matching: what gives them (a local model), how they
// are stored (a Float32 BLOB) and compared (cosine similarity).

/** A local model that embeds text, as the procedure store sees it. */
export interface GoalEmbedder {
  /** Vectors are only compared when this matches: the model file and its sha256 (or size and mtime). */
  identity(): Promise<string>;
  /** The cosine similarity at or above which a goal is taken for a stored procedure's. */
  readonly minSimilarity: number;
  /** background: behind every planning request in the model's queue (saves and backfill). */
  embed(text: string, opts: { signal?: AbortSignal; background: boolean }): Promise<Float32Array>;
}

export function vectorToBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function blobToVector(b: Uint8Array): Float32Array {
  // A copy: a Buffer from SQLite need not start on a 4-byte boundary.
  return new Float32Array(Uint8Array.from(b).buffer);
}

/** -1 … 1; 0 when either vector is all zeros or the lengths differ. */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
