// Answers already paid for: keyed by the normalised request (provider, model, prompts,
// schema, limits), so asking the same thing again costs nothing and answers at once.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../text/canonical-json.js';
import { statementCache, type Db } from '../../memory/database.js';

export function cacheKey(parts: Record<string, unknown>): string {
  return createHash('sha256')
    .update(canonicalJson(normalise(parts)))
    .digest('hex');
}

/**
 * Surrounding whitespace and line-ending style do not change what is asked. Inner whitespace
 * does (it may be file content), so it is kept.
 */
function normalise(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/\r\n/g, '\n').trim();
  if (Array.isArray(value)) return value.map(normalise);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v)]));
  return value;
}

export class ResponseCache {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.sql = statementCache(db);
  }

  get(key: string): string | null {
    const row = this.sql('SELECT response FROM api_cache WHERE key = ? AND expires_at > ?').get(key, this.now()) as
      { response: string } | undefined;
    return row?.response ?? null;
  }

  put(key: string, provider: string, response: string, ttlMs: number): void {
    if (ttlMs <= 0) return;
    const t = this.now();
    this.sql(
      'INSERT OR REPLACE INTO api_cache (key, provider, created_at, expires_at, response) VALUES (?, ?, ?, ?, ?)',
    ).run(key, provider, t, t + ttlMs, response);
    // Expired rows go on the way, a few at a time, so the table never needs a sweep of its own.
    this.sql('DELETE FROM api_cache WHERE key IN (SELECT key FROM api_cache WHERE expires_at <= ? LIMIT 16)').run(t);
  }
}
