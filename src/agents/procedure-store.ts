// Learned procedures: a goal that succeeded, kept with its plan so the same goal later is
// planned without a model call. Matching is exact on the normalised text, or an FTS hit
// whose content words are the same set (word order and filler words aside).
import { ulid } from 'ulid';
import { statementCache, type Db } from '../memory/database.js';
import type { PlanStepSpec, Tier } from '../protocol/model.js';

const FILLER = new Set(['a', 'an', 'the', 'please', 'to', 'for', 'me', 'my', 'of', 'and', 'now', 'can', 'you', 'could', 'would']);

export function normalizeGoal(text: string): string {
  return text.toLowerCase().normalize('NFKC').replace(/[^\p{L}\p{N}/._~-]+/gu, ' ').trim().replace(/\s+/g, ' ');
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

interface Row { id: string; goal_text: string; normalized: string; tier: Tier; steps: string; outcome: string; uses: number }

export class ProcedureStore {
  private readonly sql: ReturnType<typeof statementCache>;
  private lookups = 0;
  private hits = 0;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  /** Records a succeeded goal's plan; the same normalised goal keeps its newest plan. */
  learn(goalText: string, tier: Tier, steps: readonly PlanStepSpec[], home: string): void {
    const normalized = normalizeGoal(goalText);
    if (normalized === '') return;
    this.sql(`INSERT INTO procedures (id, goal_text, normalized, tier, steps, outcome, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(normalized) DO UPDATE SET steps = excluded.steps, tier = excluded.tier, outcome = excluded.outcome`)
      .run(ulid(), goalText, normalized, tier, JSON.stringify(steps), JSON.stringify({ home }), new Date().toISOString());
  }

  find(goalText: string, home: string): Procedure | null {
    this.lookups++;
    const normalized = normalizeGoal(goalText);
    let row = this.sql('SELECT * FROM procedures WHERE normalized = ?').get(normalized) as Row | undefined;
    if (row === undefined) {
      const words = contentWords(normalized);
      if (words === '') return null;
      const query = words.split(' ').map((w) => `"${w.replace(/"/g, '""')}"`).join(' AND ');
      const candidates = this.sql(`SELECT p.* FROM procedures_fts f JOIN procedures p ON p.rowid = f.rowid
        WHERE procedures_fts MATCH ? ORDER BY bm25(procedures_fts) LIMIT 10`).all(query) as Row[];
      row = candidates.find((c) => contentWords(c.normalized) === words);
    }
    if (row === undefined) return null;
    const { home: learnedHome } = JSON.parse(row.outcome) as { home: string };
    // Plans hold absolute paths resolved against the learner's home; another home needs a new plan.
    if (learnedHome !== home && row.steps.includes(learnedHome)) return null;
    this.hits++;
    this.sql('UPDATE procedures SET uses = uses + 1, last_used_at = ? WHERE id = ?').run(new Date().toISOString(), row.id);
    return { id: row.id, goalText: row.goal_text, tier: row.tier, steps: JSON.parse(row.steps) as PlanStepSpec[], home: learnedHome, uses: row.uses + 1 };
  }

  stats(): { lookups: number; hits: number; hitRate: number; stored: number } {
    const stored = (this.sql('SELECT COUNT(*) AS n FROM procedures').get() as { n: number }).n;
    return { lookups: this.lookups, hits: this.hits, hitRate: this.lookups === 0 ? 0 : this.hits / this.lookups, stored };
  }
}
