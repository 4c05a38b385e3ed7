// The agent mesh's figures, each against a baseline from the same run:
// - goal → plan from a learned procedure vs from the (fake) cloud model through the real
//   Anthropic SDK against the local fake: the engine's whole planning path (persist, validate,
//   route, preview, judge, hash), as a ratio;
// - 100 goals of 4 steps queued at once across the agents of the mesh (storage, monitor,
//   network), against the same tool calls run one after another with no engine at all; and a
//   check, printed with the figures, that no step was lost or run twice;
// - a procedure lookup that matches by embedding (stories260K in the real runtime process) vs one
//   that matches by words (FTS), when the shared model is there.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '../src/agents/approval-policy.js';
import { GoalEngine } from '../src/agents/goal-engine.js';
import { AgentMesh } from '../src/agents/mesh/agent-mesh.js';
import { meshAgents } from '../src/agents/mesh/mesh-config.js';
import { PlannerChain, type Planner, type PlanOutcome, type PlanRequest } from '../src/agents/planner.js';
import { ProcedurePlanner } from '../src/agents/procedure-planner.js';
import { ProcedureStore } from '../src/agents/procedure-store.js';
import { ApiConfig, ModelsConfig } from '../src/config/models-schema.js';
import { Secret } from '../src/config/secrets.js';
import { AuditLedger } from '../src/memory/audit-ledger.js';
import { openDatabase, type Db } from '../src/memory/database.js';
import { GoalStore } from '../src/memory/goal-store.js';
import { MemoryStore } from '../src/memory/memory-store.js';
import { CloudPlanner } from '../src/models/cloud-planner.js';
import { ApiGateway } from '../src/models/gateway/api-gateway.js';
import { resolveProviders } from '../src/models/gateway/provider-settings.js';
import { localEmbedder } from '../src/models/local/local-embedder.js';
import { LocalRuntime } from '../src/models/local/local-runtime.js';
import { modelSettings } from '../src/models/local/model-settings.js';
import type { PlanStepSpec } from '../src/protocol/model.js';
import { createBuiltinRegistry } from '../src/tools/builtin-tools.js';
import type { ToolRegistry } from '../src/tools/registry.js';
import { SnapshotStore } from '../src/recovery/snapshot-store.js';
import { FakeProvider } from '../test/models/fakes/fake-provider.js';
import { fmt, median, type Row } from './stats.js';

const PLAN_RUNS = Number(process.env['BENCH_AGENT_PLAN_RUNS'] ?? 40);
const GOALS = Number(process.env['BENCH_AGENT_GOALS'] ?? 100);

function rig(
  dir: string,
  planner: (procedures: ProcedureStore, registry: ToolRegistry) => Planner,
  mesh: AgentMesh | undefined,
): { engine: GoalEngine; db: Db; procedures: ProcedureStore; actor: Actor } {
  const db = openDatabase(join(dir, 'aios.db'));
  const procedures = new ProcedureStore(db);
  const registry = createBuiltinRegistry({ timeoutMs: 10_000, outputCapBytes: 1 << 20 });
  const engine = new GoalEngine({
    store: new GoalStore(db),
    planner: planner(procedures, registry),
    registry,
    snapshots: new SnapshotStore(db, join(dir, 'snapshots')),
    ledger: new AuditLedger(db),
    memory: new MemoryStore(db),
    procedures,
    emit: () => undefined,
    securityMode: () => 'normal',
    ...(mesh === undefined ? {} : { mesh }),
  });
  return {
    engine,
    db,
    procedures,
    actor: {
      uid: process.getuid?.() ?? 0,
      gid: process.getgid?.() ?? 0,
      groups: [],
      name: 'bench',
      role: 'admin',
      home: dir,
    },
  };
}

async function procedureVsModel(rows: Row[], results: Record<string, unknown>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aios-bench-agents-'));
  const fake = await FakeProvider.start('anthropic');
  try {
    fake.fallback = {
      kind: 'plan',
      plan: {
        explanation: 'look at the directory',
        steps: [{ tool: 'fs.stat', args: { path: dir }, rationale: 'see it', depends_on: [] }],
      },
    };
    const db = openDatabase(join(dir, 'gateway.db'));
    const { providers } = resolveProviders(
      ApiConfig.parse({ claude: { model: 'claude-fake', base_url: fake.baseURL, max_retries: 0 } }),
    );
    const gateway = new ApiGateway({
      providers,
      db,
      keys: new Map([['claude', new Secret('sk-ant-bench-0123456789abcdef')]]),
      decisionLog: () => undefined,
    });
    let tiers: string[] = [];
    const r = rig(
      dir,
      (procedures, registry) => {
        const cloud = new CloudPlanner(gateway, registry);
        const model: Planner = {
          tier: 'cloud',
          plan: (req: PlanRequest): Promise<PlanOutcome> => cloud.plan(req, { goalId: req.goalId ?? null }),
        };
        return new PlannerChain([new ProcedurePlanner(procedures), model], 'no plan');
      },
      undefined,
    );
    const engine = r.engine;
    const submit = async (text: string): Promise<number> => {
      const t = performance.now();
      const g = await engine.submit(text, r.actor);
      const ms = performance.now() - t;
      tiers.push(g.plan?.tier ?? g.state);
      await engine.idle(); // a read-only plan runs on its own; that is not planning
      return ms;
    };
    await submit('inspect the bench directory'); // planned by the model, runs, is learned
    tiers = [];
    const fromModel: number[] = [];
    const fromProcedure: number[] = [];
    // Interleaved, so drift on a loaded machine hits both alike. Distinct texts miss the procedure and the response cache.
    for (let i = 0; i < PLAN_RUNS; i++) {
      fromModel.push(await submit(`inspect the bench directory, variant ${i}`));
      fromProcedure.push(await submit('inspect the bench directory'));
    }
    const wrong = tiers.filter((t, i) => t !== (i % 2 === 0 ? 'cloud' : 'procedure'));
    if (wrong.length > 0) throw new Error(`bench: goals were planned by the wrong tier: ${wrong.join(', ')}`);
    const m = median(fromModel);
    const p = median(fromProcedure);
    results['agentPlanning'] = { modelMs: m, procedureMs: p, runs: PLAN_RUNS, hitRate: r.procedures.stats().hitRate };
    rows.push({
      name: 'goal → plan from a learned procedure (median ms, engine path)',
      value: fmt(p, 2),
      baseline: `fake cloud model via SDK: ${fmt(m, 2)}`,
      ratio: `${fmt(p / m, 2)}×`,
      goal: '< 1× (no model call)',
    });
    db.close();
    r.db.close();
  } finally {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Four steps per goal on three agents: write then stat a file (storage), disk usage (monitor), interfaces (network). */
function goalSteps(dir: string, i: number): PlanStepSpec[] {
  const path = join(dir, `goal-${i}.txt`);
  const s = (
    id: string,
    agent: string,
    tool: string,
    args: Record<string, unknown>,
    dependsOn: string[] = [],
  ): PlanStepSpec => ({ id, agent, tool, args, rationale: '', risk: 'low', reversible: true, dependsOn });
  return [
    s('s1', 'storage', 'fs.write', { path, content: `goal ${i}\n` }),
    s('s2', 'storage', 'fs.stat', { path }, ['s1']),
    s('s3', 'monitor', 'disk.usage', {}),
    s('s4', 'network', 'net.interfaces', {}),
  ];
}

async function queuedGoals(rows: Row[], results: Record<string, unknown>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aios-bench-mesh-'));
  const mesh = new AgentMesh({ agents: meshAgents(), emit: () => undefined, log: () => undefined });
  try {
    const planner: Planner = {
      tier: 'local',
      plan: (req) =>
        Promise.resolve({
          kind: 'plan',
          tier: 'local',
          explanation: 'bench',
          steps: goalSteps(dir, Number(/\d+$/.exec(req.text)?.[0])),
        }),
    };
    const r = rig(dir, () => planner, mesh);
    const registry = createBuiltinRegistry({ timeoutMs: 10_000, outputCapBytes: 1 << 20 });
    // Baseline: the same tool calls, one after another, straight through the registry.
    mkdirSync(join(dir, 'direct'));
    const began0 = performance.now();
    for (let i = 0; i < GOALS; i++) {
      for (const step of goalSteps(join(dir, 'direct'), i)) {
        const v = registry.validate(step.tool, step.args);
        if (!v.ok) throw new Error(v.error);
        const out = await v.tool.execute(v.args, { signal: new AbortController().signal, onOutput: () => undefined });
        if (!out.ok) throw new Error(out.error);
      }
    }
    const directMs = performance.now() - began0;

    const began = performance.now();
    const goals = await Promise.all(
      Array.from({ length: GOALS }, (_, i) => r.engine.submit(`bench goal ${i}`, r.actor)),
    );
    for (const g of goals)
      if (g.plan !== null && g.state === 'awaiting_approval')
        r.engine.decide(g.plan.id, g.plan.hash, 'approve', undefined, r.actor);
    await r.engine.idle();
    const meshMs = performance.now() - began;

    // No lost or duplicated steps: every step of every goal ran exactly once and succeeded.
    const calls = r.db
      .prepare("SELECT goal_id || '/' || step_id AS k, COUNT(*) AS n FROM tool_calls GROUP BY k")
      .all() as { k: string; n: number }[];
    const counts = new Map(calls.map((c) => [c.k, c.n]));
    const problems: string[] = [];
    for (const g of goals) {
      const done = r.engine.get(g.id);
      if (done.state !== 'succeeded') problems.push(`${g.id} ${done.state}: ${done.message ?? ''}`);
      for (const s of done.plan?.steps ?? [])
        if (counts.get(`${g.id}/${s.id}`) !== 1)
          problems.push(`${g.id}/${s.id} ran ${counts.get(`${g.id}/${s.id}`) ?? 0} times`);
    }
    goals.forEach((_, i) => {
      if (readFileSync(join(dir, `goal-${i}.txt`), 'utf8') !== `goal ${i}\n`) problems.push(`goal-${i}.txt is wrong`);
    });
    const steps = GOALS * 4;
    const ran = [...counts.values()].reduce((a, b) => a + b, 0);
    if (problems.length > 0 || ran !== steps)
      throw new Error(
        `bench: ${problems.length} problem(s), ${ran} of ${steps} steps ran: ${problems.slice(0, 5).join('; ')}`,
      );
    results['agentQueue'] = {
      goals: GOALS,
      steps,
      meshMs,
      directMs,
      stepsPerS: steps / (meshMs / 1000),
      lost: 0,
      duplicated: 0,
    };
    rows.push({
      name: `${GOALS} goals × 4 steps queued across agents (steps/s; 0 lost, 0 duplicated)`,
      value: fmt(steps / (meshMs / 1000)),
      baseline: `same tool calls in a row, no engine: ${fmt(steps / (directMs / 1000))}`,
      ratio: `${fmt(directMs / meshMs, 2)}×`,
      goal: 'no step lost or run twice',
    });
    r.db.close();
  } finally {
    mesh.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What matching by embedding adds to a lookup: the local model's embedding of the goal and the cosines. */
async function embeddingLookup(rows: Row[], results: Record<string, unknown>): Promise<void> {
  const { storiesMissing, storiesPath, workerScript } = await import('../test/models/helpers/stories-model.js');
  if (storiesMissing !== null) {
    rows.push({
      name: 'procedure lookup by embedding',
      value: 'skipped',
      baseline: storiesMissing,
      ratio: '-',
      goal: '-',
    });
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'aios-bench-embed-'));
  const runtime = new LocalRuntime({
    settings: modelSettings(ModelsConfig.parse({ operational: { path: storiesPath, threads: 1 } }), dir),
    workerScript,
  });
  const db = openDatabase(join(dir, 'aios.db'));
  try {
    await runtime.start();
    const store = new ProcedureStore(db, { embedder: localEmbedder(runtime, 0.99) });
    store.learn('write the greeting file please', 'cloud', [], dir);
    await store.settled();
    const byWords: number[] = [];
    const byEmbedding: number[] = [];
    const time = async (text: string, by: string): Promise<number> => {
      const t = performance.now();
      const found = await store.find(text, dir);
      const ms = performance.now() - t;
      if (found?.match.by !== by)
        throw new Error(`bench: "${text}" matched ${found === null ? 'nothing' : found.match.by}, not ${by}`);
      return ms;
    };
    for (let i = 0; i < PLAN_RUNS; i++) {
      byWords.push(await time('write the greeting file', 'fts'));
      byEmbedding.push(await time('write the greeting files please', 'embedding'));
    }
    const w = median(byWords);
    const e = median(byEmbedding);
    results['procedureEmbeddingLookup'] = { ftsMs: w, embeddingMs: e, runs: PLAN_RUNS };
    rows.push({
      name: 'procedure lookup matched by embedding (median ms, stories260K, 1 thread)',
      value: fmt(e, 2),
      baseline: `matched by words (FTS): ${fmt(w, 3)}`,
      ratio: `${fmt(e / w, 0)}×`,
      goal: 'well under the model call it saves',
    });
  } finally {
    await runtime.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function agentBenchmarks(rows: Row[], results: Record<string, unknown>): Promise<void> {
  await procedureVsModel(rows, results);
  await embeddingLookup(rows, results);
  await queuedGoals(rows, results);
}
