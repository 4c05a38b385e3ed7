// The model tiers, rebuilt from config.toml while aiosd runs (`aios models add`, `models/reload`,
// SIGHUP). The new config is checked whole before anything changes: a file that does not load,
// a model table without a file, or a file that is not a GGUF is reported and the running tiers
// kept. Goals planned while the swap happens finish on the tiers they started with.
import { join } from 'node:path';
import type { GoalEmbedder } from '../agents/goal-embedding.js';
import type { PlanOutcome, PlanRequest, Planner } from '../agents/planner.js';
import type { AiosConfig } from '../config/config.js';
import type { Tier } from '../protocol/model.js';
import type { TierStatus } from '../protocol/intelligence.js';
import { ENVIRONMENT_VARIABLES, resolveProviders } from './gateway/provider-settings.js';
import { checkGguf } from './local/gguf-file.js';
import { modelSettings } from './local/model-settings.js';
import { createIntelligence, type Intelligence, type IntelligenceOptions } from './intelligence.js';
import type { AnalyseOutcome, AnalyseRequest, AnswerOutcome, AnswerRequest } from './router.js';

export interface ReloadResult {
  reloaded: boolean;
  message: string;
  problems: string[];
  tiers: TierStatus[];
}

interface Generation {
  intel: Intelligence;
  inFlight: number;
  retired: boolean;
}

/** The env variables that may hold API keys for these providers (the defaults, and any named). */
function keyVariables(config: AiosConfig): string[] {
  const named = resolveProviders(config.api)
    .providers.map((p) => p.envVar)
    .filter((v): v is string => v !== null);
  return [...new Set([...ENVIRONMENT_VARIABLES, ...named])];
}

export class ReloadableIntelligence implements Planner {
  readonly tier: Tier = 'reactive';
  private current: Generation;
  private config: AiosConfig;
  /** Keys as aiosd found them at start: the real environment is scrubbed, a reload reads them here. */
  private readonly keys: NodeJS.ProcessEnv;

  constructor(private readonly opts: IntelligenceOptions & { loadConfig: () => AiosConfig }) {
    const env = opts.env ?? process.env;
    this.config = opts.config;
    this.keys = {};
    for (const v of keyVariables(opts.config)) if (env[v] !== undefined) this.keys[v] = env[v];
    for (const [k, v] of Object.entries(env)) if (/_API_KEY$/.test(k)) this.keys[k] = v;
    this.current = this.build(opts.config);
    for (const v of Object.keys(this.keys)) Reflect.deleteProperty(env, v);
  }

  get names(): string[] {
    return this.current.intel.router.names;
  }

  plan(request: PlanRequest): Promise<PlanOutcome> {
    return this.onCurrent((router) => router.plan(request));
  }

  /** The answer task for a question whose read-only steps ran (Router.answer), on the tiers of now. */
  answer(request: AnswerRequest): Promise<AnswerOutcome> {
    return this.onCurrent((router) => router.answer(request));
  }

  /** The analyse task for a failed step (Router.analyse), on the tiers of now. */
  analyse(request: AnalyseRequest): Promise<AnalyseOutcome> {
    return this.onCurrent((router) => router.analyse(request));
  }

  /** Work on the current generation's router; a generation retired meanwhile closes after it. */
  private async onCurrent<T>(work: (router: Intelligence['router']) => Promise<T>): Promise<T> {
    const gen = this.current;
    gen.inFlight++;
    try {
      return await work(gen.intel.router);
    } finally {
      gen.inFlight--;
      if (gen.retired && gen.inFlight === 0) void this.retire(gen);
    }
  }

  start(): Promise<void> {
    return this.current.intel.start();
  }

  /** The current generation's: a reload that drops or changes the local model changes it too. */
  embedder(): GoalEmbedder | null {
    return this.current.intel.embedder();
  }

  tiers(): TierStatus[] {
    return this.current.intel.tiers();
  }

  problems(): string[] {
    return this.current.intel.problems();
  }

  list(): ReturnType<Intelligence['list']> {
    return this.current.intel.list();
  }

  figures(): ReturnType<Intelligence['figures']> {
    return this.current.intel.figures();
  }

  async close(): Promise<void> {
    await this.current.intel.close();
  }

  /** Reads the config again; applies it only when it is whole, and says what happened. */
  async reload(opts: { force?: boolean } = {}): Promise<ReloadResult> {
    const keep = (message: string, problems: string[]): ReloadResult => {
      this.opts.log(`models/reload: ${message}${problems.length > 0 ? `: ${problems.join('; ')}` : ''}`);
      return { reloaded: false, message, problems, tiers: this.tiers() };
    };
    let next: AiosConfig;
    try {
      next = this.opts.loadConfig();
    } catch (err) {
      return keep('the config does not load; the running model tiers are kept', [
        err instanceof Error ? err.message : String(err),
      ]);
    }
    const problems = await this.check(next);
    if (problems.length > 0)
      return keep('the new model settings cannot be used; the running model tiers are kept', problems);
    // `force`: something outside config.toml changed (a key stored in secrets.toml).
    if (
      opts.force !== true &&
      JSON.stringify([next.models, next.api]) === JSON.stringify([this.config.models, this.config.api])
    ) {
      return {
        reloaded: false,
        message: 'the model settings did not change; nothing was reloaded',
        problems: [],
        tiers: this.tiers(),
      };
    }
    const old = this.current;
    this.config = next;
    this.current = this.build(next);
    old.retired = true;
    if (old.inFlight === 0) await this.retire(old);
    this.opts.log('models/reload: model settings reloaded from the config');
    // The always-loaded models load and are probed in the background, as at start.
    this.current.intel
      .start()
      .catch((err: unknown) => this.opts.log(`local models: ${err instanceof Error ? err.message : String(err)}`));
    return {
      reloaded: true,
      message: 'model settings reloaded; always-loaded models load in the background (see aios models)',
      problems: this.problems(),
      tiers: this.tiers(),
    };
  }

  private build(config: AiosConfig): Generation {
    return { intel: createIntelligence({ ...this.opts, config, env: { ...this.keys } }), inFlight: 0, retired: false };
  }

  private async retire(gen: Generation): Promise<void> {
    await gen.intel
      .close()
      .catch((err: unknown) =>
        this.opts.log(`closing the old model runtime: ${err instanceof Error ? err.message : String(err)}`),
      );
  }

  /** What would make the new settings unusable, found before the running ones are touched. */
  private async check(config: AiosConfig): Promise<string[]> {
    const settings = modelSettings(config.models, join(this.opts.paths.stateDir, 'models'));
    const problems = [...settings.problems, ...resolveProviders(config.api).problems];
    for (const m of settings.models) {
      const gguf = await checkGguf(m.path);
      if (!gguf.ok) problems.push(`models.${m.key}: ${gguf.problem}`);
    }
    return problems;
  }
}
