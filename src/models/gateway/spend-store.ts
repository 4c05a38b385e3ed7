// What each provider has cost this calendar month (UTC), from the tokens its answers
// really used, kept in SQLite so a restart does not reset a budget.
import { statementCache, type Db } from '../../memory/database.js';

export interface MonthSpend {
  usd: number;
  inputTokens: number;
  /** Of the input tokens, those read from the provider's prompt cache. */
  cachedInputTokens: number;
  outputTokens: number;
  requests: number;
}

export const monthOf = (t: number): string => new Date(t).toISOString().slice(0, 7);

export class SpendStore {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.sql = statementCache(db);
  }

  get(provider: string): MonthSpend {
    const row = this.sql(
      'SELECT usd, input_tokens, cached_input_tokens, output_tokens, requests FROM api_spend WHERE provider = ? AND month = ?',
    ).get(provider, monthOf(this.now())) as
      | { usd: number; input_tokens: number; cached_input_tokens: number; output_tokens: number; requests: number }
      | undefined;
    return row === undefined
      ? { usd: 0, inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, requests: 0 }
      : {
          usd: row.usd,
          inputTokens: row.input_tokens,
          cachedInputTokens: row.cached_input_tokens,
          outputTokens: row.output_tokens,
          requests: row.requests,
        };
  }

  add(
    provider: string,
    usage: { usd: number; inputTokens: number; cachedInputTokens: number; outputTokens: number },
  ): MonthSpend {
    this.sql(
      `INSERT INTO api_spend (provider, month, usd, input_tokens, cached_input_tokens, output_tokens, requests) VALUES (?, ?, ?, ?, ?, ?, 1)
      ON CONFLICT (provider, month) DO UPDATE SET usd = usd + excluded.usd, input_tokens = input_tokens + excluded.input_tokens,
      cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens,
      output_tokens = output_tokens + excluded.output_tokens, requests = requests + 1`,
    ).run(provider, monthOf(this.now()), usage.usd, usage.inputTokens, usage.cachedInputTokens, usage.outputTokens);
    return this.get(provider);
  }
}
