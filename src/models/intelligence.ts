// Builds the intelligence hierarchy from config for the composition root: the local runtime
// (only when a model is configured), the API gateway (only when a provider is), and the
// router over them and the planners that need no model.
import { join } from 'node:path';
import type { FactSource } from '../agents/facts/fact-gatherer.js';
import type { GoalEmbedder } from '../agents/goal-embedding.js';
import type { Planner } from '../agents/planner.js';
import type { AiosConfig } from '../config/config.js';
import type { AiosPaths } from '../config/paths.js';
import { loadSecrets } from '../config/secrets.js';
import type { Db } from '../memory/database.js';
import type { DaemonEvent } from '../protocol/events.js';
import type { ModelsListResult, TierStatus } from '../protocol/intelligence.js';
import type { ToolRegistry } from '../tools/registry.js';
import { CloudAnalyst } from './cloud-analyst.js';
import { CloudPlanner } from './cloud-planner.js';
import { ApiGateway, type DecisionLog } from './gateway/api-gateway.js';
import { DEFAULT_PROVIDER_KEYS, resolveProviders } from './gateway/provider-settings.js';
import { localEmbedder } from './local/local-embedder.js';
import { LocalRuntime } from './local/local-runtime.js';
import { modelSettings, type ModelKey } from './local/model-settings.js';
import { defaultWorkerScript } from './local/worker-script.js';
import { LocalAnalyst } from './local-analyst.js';
import { LocalPlanner } from './local-planner.js';
import type { ModelAnalyst } from './model-analyst.js';
import type { ModelPlanner } from './model-planner.js';
import type { TierState } from './route.js';
import type { ModelTier } from '../protocol/vocabulary.js';
import { Router, type LocalTier, type Prober } from './router.js';

export interface Intelligence {
  router: Router;
  /** The local model that embeds goals for procedure matching, while one is configured and up. */
  embedder(): GoalEmbedder | null;
  /** Checks the model files, then loads and probes the always-loaded models (the router's probe task); resolves when done. */
  start(): Promise<void>;
  tiers(): TierStatus[];
  problems(): string[];
  list(): Promise<ModelsListResult>;
  /** For the dashboard: the fastest measured local speed, and the month's spend and budget. */
  figures(): { tokensPerS: number | null; spendUsd: number | null; budgetUsd: number | null };
  close(): Promise<void>;
}

export interface IntelligenceOptions {
  config: AiosConfig;
  paths: AiosPaths;
  db: Db;
  registry: ToolRegistry;
  fixed: readonly Planner[];
  decisionLog: DecisionLog;
  emit: (event: DaemonEvent) => void;
  log: (line: string) => void;
  help: string;
  /** The daemon's environment: keys are read from it and then removed from it. */
  env?: NodeJS.ProcessEnv;
  workerScript?: string;
  /** Read-only tools a model may call for facts before it plans (local tiers: with facts = true). */
  facts?: FactSource;
}

export function createIntelligence(opts: IntelligenceOptions): Intelligence {
  const { config, paths, registry, log } = opts;
  const problems: string[] = [];

  const settings = modelSettings(config.models, join(paths.stateDir, 'models'));
  problems.push(...settings.problems);
  let runtime: LocalRuntime | null = null;
  if (settings.models.length > 0) {
    try {
      runtime = new LocalRuntime({ settings, workerScript: opts.workerScript ?? defaultWorkerScript(), log });
    } catch (err) {
      problems.push(`local models: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  const env = opts.env ?? process.env;
  // With no [api.*] table, a key alone (the environment's, or one stored in secrets.toml) is enough.
  const stored = new Set(
    loadSecrets({ file: paths.secretsFile, env: {}, requests: DEFAULT_PROVIDER_KEYS }).keys.keys(),
  );
  const resolved = resolveProviders(config.api, { env, stored });
  problems.push(...resolved.problems);
  let gateway: ApiGateway | null = null;
  if (resolved.providers.length > 0) {
    const secrets = loadSecrets({
      file: paths.secretsFile,
      env: opts.env ?? process.env,
      scrubEnv: true,
      requests: resolved.providers.map((p) => ({ provider: p.name, envVar: p.envVar })),
    });
    problems.push(...secrets.problems);
    gateway = new ApiGateway({
      providers: resolved.providers,
      keys: secrets.keys,
      keySources: secrets.sources,
      secretsProblems: secrets.problems,
      db: opts.db,
      decisionLog: opts.decisionLog,
    });
  } else {
    // No provider configured: keys in the environment are still not for children to see.
    for (const v of ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY']) Reflect.deleteProperty(opts.env ?? process.env, v);
  }

  const planners: Partial<Record<ModelTier, ModelPlanner>> = {};
  const analysts: Partial<Record<ModelTier, ModelAnalyst>> = {};
  const probers: Partial<Record<LocalTier, Prober>> = {};
  if (runtime !== null) {
    const rt = runtime;
    for (const m of settings.models) {
      planners[m.key] = new LocalPlanner(rt, m.key, registry, opts.facts);
      analysts[m.key] = new LocalAnalyst(rt, m.key);
      probers[m.key] = async (onCost) => {
        const r = await rt.probe(m.key);
        if (r.ok) onCost({ usd: 0, tokens: r.tokens, via: `local ${m.name}` });
        return r;
      };
    }
  }
  if (gateway !== null) {
    planners.cloud = new CloudPlanner(gateway, registry, opts.facts);
    analysts.cloud = new CloudAnalyst(gateway);
  }
  const localPlanners = Object.values(planners).filter((p): p is LocalPlanner => p instanceof LocalPlanner);
  const local = (key: ModelKey): TierState =>
    runtime === null || !runtime.has(key)
      ? { configured: false, up: false, detail: `no [models.${key}] configured` }
      : { configured: true, ...runtime.usable(key) };
  const router = new Router({
    fixed: opts.fixed,
    planners,
    analysts,
    probers,
    decisionLog: opts.decisionLog,
    emit: opts.emit,
    help: opts.help,
    availability: () => ({
      operational: local('operational'),
      tactical: local('tactical'),
      cloud:
        gateway === null
          ? { configured: false, up: false, detail: 'no [api.*] provider configured' }
          : { configured: true, ...gateway.available() },
    }),
    budgetLeft: () => gateway?.budgetLeftFraction() ?? null,
  });

  const embedder = runtime === null ? null : localEmbedder(runtime, config.models.procedure_similarity);
  return {
    router,
    embedder: () => embedder?.() ?? null,
    start: async () => {
      if (runtime === null) return;
      await router.probe(await runtime.checkFiles());
      // The loaded models' sequences take the plan's system prompt while nothing waits.
      for (const p of localPlanners) void p.warm();
    },
    tiers: () => router.tiers(),
    problems: () => [
      ...problems,
      ...(runtime
        ?.status()
        .models.filter((m) => m.state === 'failed')
        .map((m) => `models.${m.key}: ${m.problem ?? 'failed'}`) ?? []),
    ],
    list: async () => {
      await runtime?.refreshMemory();
      const local = runtime?.status() ?? {
        runtime: { state: 'off' as const, device: 'not started', cores: 0, pid: null, rssBytes: null, problem: null },
        models: [],
      };
      return { ...local, providers: gateway?.status() ?? [], tiers: router.tiers() };
    },
    figures: () => {
      const speeds =
        runtime
          ?.status()
          .models.map((m) => m.tokensPerS)
          .filter((s): s is number => s !== null) ?? [];
      const totals = gateway?.totals();
      return {
        tokensPerS: speeds.length === 0 ? null : Math.max(...speeds),
        spendUsd: totals?.spentUsd ?? null,
        budgetUsd: totals?.budgetUsd ?? null,
      };
    },
    close: async () => {
      await runtime?.close();
    },
  };
}
