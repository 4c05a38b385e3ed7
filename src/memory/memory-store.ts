// Long-term memory: short texts the agents recall by full-text search (FTS5, bm25-ranked).
import { ulid } from 'ulid';
import type { MemoryHit } from '../protocol/model.js';
import type { Db } from './database.js';
import { toFtsQuery } from './fts-query.js';

export interface NewMemory {
  kind: string;
  content: string;
  metadata?: Record<string, unknown>;
}

/** Marks around matched words in a snippet; chosen to be rare in shell output. */
export const SNIPPET_OPEN = '«';
export const SNIPPET_CLOSE = '»';
const SNIPPET_TOKENS = 16;
const MAX_LIMIT = 500;

export class MemoryStore {
  private readonly insertStmt;
  private readonly searchStmt;
  private readonly goalStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare<[string, string, string, string, string]>(
      'INSERT INTO memories (id, kind, content, metadata, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.goalStmt = db.prepare<[string]>(
      `SELECT json_extract(metadata, '$.goalId') AS goalId FROM memories WHERE id = ?`,
    );
    this.searchStmt = db.prepare<[string, number], MemoryHit>(`
      SELECT m.id, m.kind, m.content, m.created_at AS createdAt,
             snippet(memories_fts, 0, '${SNIPPET_OPEN}', '${SNIPPET_CLOSE}', '…', ${SNIPPET_TOKENS}) AS snippet
      FROM memories_fts JOIN memories m ON m.rowid = memories_fts.rowid
      WHERE memories_fts MATCH ?
      ORDER BY bm25(memories_fts), m.created_at DESC
      LIMIT ?`);
  }

  add(memory: NewMemory): string {
    const id = ulid();
    this.insertStmt.run(
      id,
      memory.kind,
      memory.content,
      JSON.stringify(memory.metadata ?? {}),
      new Date().toISOString(),
    );
    return id;
  }

  /** The goal a memory was recorded for, or null when it belongs to none. */
  goalOf(id: string): string | null {
    const row = this.goalStmt.get(id) as { goalId: unknown } | undefined;
    return typeof row?.goalId === 'string' ? row.goalId : null;
  }

  /** Best matches first. Any text is a valid query; one with no words finds nothing. */
  search(query: string, limit = 20): MemoryHit[] {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer; got ${limit}`);
    const match = toFtsQuery(query);
    if (match === null) return [];
    return this.searchStmt.all(match, Math.min(limit, MAX_LIMIT));
  }
}
