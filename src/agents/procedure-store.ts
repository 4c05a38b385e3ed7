// Learned procedures: a goal that succeeded, kept with its plan so the same goal later is
// planned without a model call. Matching is exact on the normalised text, or an FTS hit
// whose content words are the same set (word order and filler words aside); when neither
// finds one and a local model is up, the goal's embedding against the stored ones.
import { ulid } from 'ulid';
import { statementCache, type Db } from '../memory/database.js';
import type { PlanStepSpec, Tier } from '../protocol/model.js';
import { blobToVector, cosineSimilarity, vectorToBlob, type GoalEmbedder } from './goal-embedding.js';

const FILLER = new Set([
  'a',
  'an',
  'the',
  'please',
  'to',
  'for',
  'me',
  'my',
  'of',
  'and',
  'now',
  'can',
  'you',
  'could',
  'would',
]);

/** A person waits on the lookup: past this, planning goes on to the model tiers. */
const LOOKUP_EMBED_MS = 3_000;
/** Saves and backfill wait behind planning in the model's queue, so they get longer. */
const BACKGROUND_EMBED_MS = 60_000;
/** Old procedures embedded per lookup that finds some missing (lazily, in the background). */
const BACKFILL_BATCH = 32;

export function normalizeGoal(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}/._~-]+/gu, ' ')
    .trim()
    .replace(/\s+/g, ' ');
}

/**
 * What an embedding match may not change: the action (the first word that is not filler) and
 * every literal the plan acts on (paths, names with dots, numbers). A small model's embedding
 * scores "delete the greeting file" 0.998 against "write the greeting file", and a stored plan
 * replays its own paths, so similarity alone could offer the opposite action or another target.
 */
export function matchAnchors(normalized: string): string {
  const words = normalized.split(' ').filter((w) => w !== '' && !FILLER.has(w));
  const literals = words.filter((w) => /[/.\d~]/.test(w));
  return [words[0] ?? '', ...[...new Set(literals)].sort()].join(' ');
}

function contentWords(normalized: string): string {
  return [...new Set(normalized.split(' ').filter((w) => w !== '' && !FILLER.has(w)))].sort().join(' ');
}

export interface Procedure {
  id: string;
  goalText: string;
  tier: Tier;
  steps: PlanStepSpec[];
  home: string;
  uses: number;
}

/** How a goal was matched to a procedure: by its words, or by its embedding and how close. */
export type ProcedureMatch = { by: 'fts' } | { by: 'embedding'; score: number };

interface Row {
  id: string;
  goal_text: string;
  normalized: string;
  tier: Tier;
  steps: string;
  outcome: string;
  uses: number;
}

export interface ProcedureStoreOptions {
  /** The local model to embed with, when one is configured and up; null: FTS only. */
  embedder?: () => GoalEmbedder | null;
  lookupEmbedMs?: number;
  log?: (line: string) => void;
}

export class ProcedureStore {
  private readonly sql: ReturnType<typeof statementCache>;
  private lookups = 0;
  private ftsHits = 0;
  private embeddingHits = 0;
  /** Background embedding work, one batch after another, so none is embedded twice at once. */
  private background: Promise<void> = Promise.resolve();

  constructor(
    db: Db,
    private readonly opts: ProcedureStoreOptions = {},
  ) {
    this.sql = statementCache(db);
  }

  /** Records a succeeded goal's plan; the same normalised goal keeps its newest plan. */
  learn(goalText: string, tier: Tier, steps: readonly PlanStepSpec[], home: string): void {
    const normalized = normalizeGoal(goalText);
    if (normalized === '') return;
    this.sql(
      `INSERT INTO procedures (id, goal_text, normalized, tier, steps, outcome, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(normalized) DO UPDATE SET steps = excluded.steps, tier = excluded.tier, outcome = excluded.outcome`,
    ).run(
      ulid(),
      goalText,
      normalized,
      tier,
      JSON.stringify(steps),
      JSON.stringify({ home }),
      new Date().toISOString(),
    );
    const embedder = this.opts.embedder?.() ?? null;
    if (embedder !== null) this.embedMissing(embedder);
  }

  async find(
    goalText: string,
    home: string,
    signal?: AbortSignal,
  ): Promise<{ procedure: Procedure; match: ProcedureMatch } | null> {
    this.lookups++;
    const normalized = normalizeGoal(goalText);
    const row = this.findByWords(normalized);
    if (row !== undefined) {
      const procedure = this.reuse(row, home);
      if (procedure === null) return null;
      this.ftsHits++;
      return { procedure, match: { by: 'fts' } };
    }
    const found = await this.findByEmbedding(normalized, home, signal);
    if (found === null) return null;
    this.embeddingHits++;
    return found;
  }

  stats(): { lookups: number; hits: number; hitRate: number; stored: number; ftsHits: number; embeddingHits: number } {
    const stored = (this.sql('SELECT COUNT(*) AS n FROM procedures').get() as { n: number }).n;
    const hits = this.ftsHits + this.embeddingHits;
    return {
      lookups: this.lookups,
      hits,
      hitRate: this.lookups === 0 ? 0 : hits / this.lookups,
      stored,
      ftsHits: this.ftsHits,
      embeddingHits: this.embeddingHits,
    };
  }

  /** Resolves when the background embedding queued so far is done (tests, shutdown). */
  settled(): Promise<void> {
    return this.background;
  }

  private findByWords(normalized: string): Row | undefined {
    const row = this.sql('SELECT * FROM procedures WHERE normalized = ?').get(normalized) as Row | undefined;
    if (row !== undefined) return row;
    const words = contentWords(normalized);
    if (words === '') return undefined;
    const query = words
      .split(' ')
      .map((w) => `"${w.replace(/"/g, '""')}"`)
      .join(' AND ');
    const candidates = this.sql(
      `SELECT p.* FROM procedures_fts f JOIN procedures p ON p.rowid = f.rowid
      WHERE procedures_fts MATCH ? ORDER BY bm25(procedures_fts) LIMIT 10`,
    ).all(query) as Row[];
    return candidates.find((c) => contentWords(c.normalized) === words);
  }

  /**
   * The stored procedure whose goal embeds closest to this one, at or above the threshold.
   * Never throws and never waits past its bound: a failure only means the model tiers plan it.
   */
  private async findByEmbedding(
    normalized: string,
    home: string,
    signal: AbortSignal | undefined,
  ): Promise<{ procedure: Procedure; match: ProcedureMatch } | null> {
    const embedder = this.opts.embedder?.() ?? null;
    if (embedder === null || normalized === '') return null;
    try {
      const bound = AbortSignal.timeout(this.opts.lookupEmbedMs ?? LOOKUP_EMBED_MS);
      const model = await embedder.identity();
      const goal = await embedder.embed(normalized, {
        signal: signal === undefined ? bound : AbortSignal.any([signal, bound]),
        background: false,
      });
      const stored = this.sql(
        `SELECT p.*, e.vector FROM procedure_embeddings e JOIN procedures p ON p.id = e.procedure_id
        WHERE e.model = ? AND e.dims = ?`,
      ).all(model, goal.length) as (Row & { vector: Buffer })[];
      const anchors = matchAnchors(normalized);
      const ranked = stored
        .map((r) => ({ row: r, score: cosineSimilarity(goal, blobToVector(r.vector)) }))
        .filter((c) => c.score >= embedder.minSimilarity && matchAnchors(c.row.normalized) === anchors)
        .sort((a, b) => b.score - a.score);
      this.embedMissing(embedder);
      for (const { row, score } of ranked) {
        const procedure = this.reuse(row, home);
        if (procedure !== null) return { procedure, match: { by: 'embedding', score } };
      }
      return null;
    } catch (err) {
      if (signal?.aborted !== true)
        this.opts.log?.(`procedure matching by embedding skipped: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  }

  /** The row as a procedure for this user, counted as used; null when its paths are another home's. */
  private reuse(row: Row, home: string): Procedure | null {
    const { home: learnedHome } = JSON.parse(row.outcome) as { home: string };
    // Plans hold absolute paths resolved against the learner's home; another home needs a new plan.
    if (learnedHome !== home && row.steps.includes(learnedHome)) return null;
    this.sql('UPDATE procedures SET uses = uses + 1, last_used_at = ? WHERE id = ?').run(
      new Date().toISOString(),
      row.id,
    );
    return {
      id: row.id,
      goalText: row.goal_text,
      tier: row.tier,
      steps: JSON.parse(row.steps) as PlanStepSpec[],
      home: learnedHome,
      uses: row.uses + 1,
    };
  }

  /** Embeds, in the background, procedures this model has no vector for: the new one, and old ones lazily. */
  private embedMissing(embedder: GoalEmbedder): void {
    this.background = this.background
      .then(async () => {
        const model = await embedder.identity();
        const missing = this.sql(
          `SELECT id, normalized FROM procedures p WHERE NOT EXISTS
        (SELECT 1 FROM procedure_embeddings e WHERE e.model = ? AND e.procedure_id = p.id) ORDER BY created_at DESC LIMIT ?`,
        ).all(model, BACKFILL_BATCH) as { id: string; normalized: string }[];
        for (const { id, normalized } of missing) {
          const v = await embedder.embed(normalized, {
            signal: AbortSignal.timeout(BACKGROUND_EMBED_MS),
            background: true,
          });
          this.sql(
            'INSERT OR REPLACE INTO procedure_embeddings (procedure_id, model, dims, vector, created_at) VALUES (?, ?, ?, ?, ?)',
          ).run(id, model, v.length, vectorToBlob(v), new Date().toISOString());
        }
      })
      .catch((err: unknown) => {
        this.opts.log?.(`embedding learned procedures stopped: ${err instanceof Error ? err.message : String(err)}`);
      });
  }
}
