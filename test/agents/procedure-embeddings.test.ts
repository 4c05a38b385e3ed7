// Procedure matching by embedding, with the real stories260K model in a real runtime process:
// a reworded goal that FTS misses is planned from the stored procedure when the local model
// embeds it close enough, never across model identities, and FTS alone without a local model.
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GoalEmbedder } from '../../src/agents/goal-embedding.js';
import { cosineSimilarity } from '../../src/agents/goal-embedding.js';
import { ProcedurePlanner } from '../../src/agents/procedure-planner.js';
import { matchAnchors } from '../../src/agents/procedure-store.js';
import { ReactivePlanner } from '../../src/agents/reactive-planner.js';
import { ModelsConfig } from '../../src/config/models-schema.js';
import { localEmbedder } from '../../src/models/local/local-embedder.js';
import { LocalRuntime } from '../../src/models/local/local-runtime.js';
import { modelSettings } from '../../src/models/local/model-settings.js';
import { Router } from '../../src/models/router.js';
import { engineRig, type EngineRig } from '../helpers/engine.js';
import { ScriptedModel } from './helpers/scripted-model.js';
import { STORIES_SHA256, storiesMissing, storiesPath, workerScript } from '../models/helpers/stories-model.js';

/**
 * Measured with stories260K (cosine of each text against "write the greeting file please", CPU):
 * "write the greeting files please" 0.993, "restart the web server" 0.796, "install nginx" 0.735,
 * "please write the greeting file" 0.803. Its embeddings are weak (they follow the last tokens
 * more than the meaning), so the test threshold sits at 0.99, between the reworded goal and the
 * unrelated ones; 0.92, the default, is meant for real models.
 */
const TEST_SIMILARITY = 0.99;
const LEARNED = 'Write the greeting file please';
const REWORDED = 'write the greeting files please'; // "files": other content words, so FTS misses it
const OPPOSITE = 'delete the greeting file please'; // 0.998: this model reads the last words, not the verb
const UNRELATED = 'restart the greeting web server'; // 0.79 against "write the greeting file": the last words decide

interface Logged {
  type: string;
  payload: unknown;
}

/** The daemon's router over the rules, the procedures and the scripted model, logging its decisions. */
function routedRig(
  embedder: () => GoalEmbedder | null,
  lookupEmbedMs?: number,
): { rig: EngineRig; model: () => ScriptedModel; log: Logged[] } {
  let model: ScriptedModel | undefined;
  const log: Logged[] = [];
  const rig = engineRig(
    (procedures, dir) => {
      model = new ScriptedModel(dir);
      return new Router({
        fixed: [new ReactivePlanner(), new ProcedurePlanner(procedures), model],
        planners: {},
        availability: () => {
          throw new Error('not asked: no model tiers here');
        },
        budgetLeft: () => null,
        decisionLog: (type, _goalId, payload) => {
          log.push({ type, payload });
        },
        emit: () => undefined,
        help: 'help',
      });
    },
    { procedures: { embedder, ...(lookupEmbedMs === undefined ? {} : { lookupEmbedMs }) } },
  );
  return { rig, model: () => model as ScriptedModel, log };
}

async function runToEnd(
  r: EngineRig,
  text: string,
): Promise<{ tier: string | undefined; state: string; explanation: string | null }> {
  const goal = await r.engine.submit(text, r.actor);
  if (goal.plan === null) return { tier: undefined, state: goal.state, explanation: goal.message };
  r.engine.decide(goal.plan.id, goal.plan.hash, 'approve', undefined, r.actor);
  await r.engine.idle();
  return { tier: goal.plan.tier, state: r.engine.get(goal.id).state, explanation: goal.message };
}

let rig: EngineRig | undefined;
afterEach(() => {
  rig?.dispose();
  rig = undefined;
});

describe.skipIf(storiesMissing !== null)('procedure matching by embedding (stories260K)', () => {
  let rt: LocalRuntime;
  let embedder: () => GoalEmbedder | null;
  beforeAll(async () => {
    const settings = modelSettings(
      ModelsConfig.parse({
        operational: { name: 'stories260K', path: storiesPath, sha256: STORIES_SHA256, threads: 1 },
      }),
      '/nonexistent',
    );
    rt = new LocalRuntime({ settings, workerScript });
    await rt.start();
    embedder = localEmbedder(rt, TEST_SIMILARITY);
  }, 60_000);
  afterAll(async () => {
    await rt.close();
  });

  it("embeds with the model's dimension, and the same text twice gives cosine 1", async () => {
    const info = await readGgufFileInfo(storiesPath);
    const dims = (info.architectureMetadata as { embedding_length?: number }).embedding_length;
    const a = await rt.embed('operational', 'write the greeting file');
    const b = await rt.embed('operational', 'write the greeting file');
    expect(dims).toBeGreaterThan(0);
    expect(a.length).toBe(dims);
    expect(cosineSimilarity(a, b)).toBeCloseTo(1, 6);
    expect(cosineSimilarity(a, await rt.embed('operational', UNRELATED))).toBeLessThan(TEST_SIMILARITY);
    expect(await rt.identity('operational')).toBe(`${storiesPath} sha256:${STORIES_SHA256}`);
  });

  it('a cancelled embedding is rejected and the runtime goes on serving', async () => {
    const ac = new AbortController();
    ac.abort(new Error('cancelled by the test'));
    await expect(rt.embed('operational', 'anything', { signal: ac.signal })).rejects.toThrow('cancelled by the test');
    expect((await rt.embed('operational', 'anything')).length).toBeGreaterThan(0);
  });

  it('a reworded goal that FTS misses is planned from the procedure by embedding, shown and logged as such', async () => {
    const r = routedRig(embedder);
    rig = r.rig;
    expect(await runToEnd(rig, LEARNED)).toMatchObject({ tier: 'local', state: 'succeeded' });
    await rig.procedures.settled();
    const stored = rig.db.prepare('SELECT model, dims, length(vector) AS bytes FROM procedure_embeddings').all() as {
      model: string;
      dims: number;
      bytes: number;
    }[];
    expect(stored).toHaveLength(1);
    expect(stored[0]?.model).toBe(`${storiesPath} sha256:${STORIES_SHA256}`);
    expect(stored[0]?.bytes).toBe((stored[0]?.dims ?? 0) * 4);

    const reworded = await runToEnd(rig, REWORDED);
    expect(reworded.tier).toBe('procedure');
    expect(reworded.state).toBe('succeeded');
    expect(reworded.explanation).toMatch(
      /reused the procedure learned from "Write the greeting file please" \(matched by embedding, similarity 0\.99\d/,
    );
    expect(r.model().calls).toBe(1);
    const decision = r.log.filter((l) => l.type === 'router.decision').at(-1)?.payload as {
      tier: string;
      match?: { by: string; score: number };
    };
    expect(decision.tier).toBe('procedure');
    expect(decision.match?.by).toBe('embedding');
    expect(decision.match?.score).toBeGreaterThanOrEqual(TEST_SIMILARITY);

    const exact = await runToEnd(rig, 'write the greeting file');
    expect(exact.explanation).toMatch(/matched by its words/);
    expect((r.log.filter((l) => l.type === 'router.decision').at(-1)?.payload as { match?: unknown }).match).toEqual({
      by: 'fts',
    });

    expect(await runToEnd(rig, UNRELATED)).toMatchObject({ tier: 'local' });
    expect(r.model().calls).toBe(2);
    expect(rig.procedures.stats()).toMatchObject({ lookups: 4, hits: 2, ftsHits: 1, embeddingHits: 1 });

    // The opposite action embeds at 0.998 with this model, above the threshold: the anchors
    // (the action word and the literals acted on) must agree, so the model plans it instead.
    expect(await runToEnd(rig, OPPOSITE)).toMatchObject({ tier: 'local' });
    expect(r.model().calls).toBe(3);
  });

  it('an embedding match keeps the action and every literal the plan acts on', () => {
    expect(matchAnchors('write the greeting files please')).toBe(matchAnchors('write the greeting file please'));
    expect(matchAnchors('delete the greeting file please')).not.toBe(matchAnchors('write the greeting file please'));
    expect(matchAnchors('create a file /tmp/a containing 1')).not.toBe(
      matchAnchors('create a file /tmp/b containing 1'),
    );
    expect(matchAnchors('create a file /tmp/a containing 1')).not.toBe(
      matchAnchors('create a file /tmp/a containing 2'),
    );
    expect(matchAnchors('please restart nginx.service now')).toBe('restart nginx.service');
  });

  it("vectors of another model identity are never compared; that model's are backfilled lazily", async () => {
    let identity = 'model-a';
    const relabelled = (): GoalEmbedder | null => {
      const e = embedder();
      return e === null ? null : { ...e, identity: () => Promise.resolve(identity) };
    };
    const r = routedRig(relabelled);
    rig = r.rig;
    await runToEnd(rig, LEARNED);
    await rig.procedures.settled();
    identity = 'model-b'; // the same vectors, but labelled as another model's: not to be compared
    expect(await rig.procedures.find(REWORDED, rig.actor.home)).toBeNull();
    await rig.procedures.settled(); // the lookup queued the backfill for model-b
    const models = (
      rig.db.prepare('SELECT DISTINCT model FROM procedure_embeddings ORDER BY model').all() as { model: string }[]
    ).map((m) => m.model);
    expect(models).toEqual(['model-a', 'model-b']);
    expect((await rig.procedures.find(REWORDED, rig.actor.home))?.match).toMatchObject({ by: 'embedding' });
    expect(r.model().calls).toBe(1);
  });

  it('an embedding that does not come in time falls through to the model tiers', async () => {
    const hanging = (): GoalEmbedder => ({
      minSimilarity: TEST_SIMILARITY,
      identity: () => Promise.resolve('hangs'),
      embed: (_text, opts) =>
        new Promise((_resolve, reject) => opts.signal?.addEventListener('abort', () => reject(new Error('timed out')))),
    });
    const r = routedRig(hanging, 200);
    rig = r.rig;
    const outcome = await runToEnd(rig, REWORDED);
    expect(outcome).toMatchObject({ tier: 'local', state: 'succeeded' });
    expect(rig.procedures.stats()).toMatchObject({ hits: 0, embeddingHits: 0 });
  });
});

describe('procedure matching without a local model', () => {
  it('takes its threshold from [models] procedure_similarity, a cosine between 0 and 1', () => {
    expect(ModelsConfig.parse({ procedure_similarity: 0.95 }).procedure_similarity).toBe(0.95);
    expect(() => ModelsConfig.parse({ procedure_similarity: 1.5 })).toThrow();
    expect(
      localEmbedder(new LocalRuntime({ settings: { gpu: 'off', models: [], problems: [] }, workerScript }))(),
    ).toBeNull();
    // Configured but not loaded (on demand): matching does not load a model to embed a goal.
    const onDemand = modelSettings(ModelsConfig.parse({ tactical: { path: storiesPath } }), '/nonexistent');
    expect(localEmbedder(new LocalRuntime({ settings: onDemand, workerScript }))()).toBeNull();
  });

  it('is FTS only, as before: the reworded goal goes to the model and nothing is embedded', async () => {
    const r = routedRig(() => null);
    rig = r.rig;
    await runToEnd(rig, LEARNED);
    await rig.procedures.settled();
    expect(await runToEnd(rig, REWORDED)).toMatchObject({ tier: 'local' });
    expect(await runToEnd(rig, 'greeting file write')).toMatchObject({ tier: 'procedure' });
    expect(r.model().calls).toBe(2);
    expect(rig.db.prepare('SELECT COUNT(*) AS n FROM procedure_embeddings').get()).toEqual({ n: 0 });
    expect(rig.procedures.stats()).toMatchObject({ ftsHits: 1, embeddingHits: 0 });
  });
});
