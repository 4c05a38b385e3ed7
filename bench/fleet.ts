// The fleet at 200 nodes: a real hub (nats-server, JetStream, JWT auth) and 200 protocol-level
// nodes in this process, each the real FleetNode (own creds, own consumer, signed reports, request
// checks) over a fake engine that plans at once (two plan groups: 180 and 20 nodes) and runs in
// 100 ms. Measured: fleet goal → every plan grouped, and approval → every node running (p95 over
// runs), against a request-reply round trip to the same server measured in the same run.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream } from '@nats-io/jetstream';
import { ulid } from 'ulid';
import type { Actor } from '../src/agents/approval-policy.js';
import type { GoalView } from '../src/protocol/model.js';
import { fleetConnect } from '../src/fleet/creds.js';
import { hubIdentity, mintCreds } from '../src/fleet/hub-identity.js';
import { addHubNode, hubCreds } from '../src/fleet/hub-server.js';
import { FleetNode, type FleetNodeDeps } from '../src/fleet/node-agent.js';
import type { GoalEngineLike } from '../src/fleet/node-goals.js';
import { nodePermissions, personPermissions } from '../src/fleet/permissions.js';
import { personBus, type PersonBus } from '../src/fleet/person-bus.js';
import { runRollout } from '../src/fleet/rollout.js';
import { encodeEnvelope, loadOrCreateKey, seal, type SigningKey } from '../src/fleet/signing.js';
import { subjects } from '../src/fleet/subjects.js';
import { fmt, median, percentile, type Row } from './stats.js';

const NODES = Number(process.env['BENCH_FLEET_NODES'] ?? 200);
const RUNS = Number(process.env['BENCH_FLEET_RUNS'] ?? 7);

/** When each node's engine was last asked to plan and to run (BENCH_FLEET_TRACE: where a slow goal waited). */
const submittedAt = new Map<number, number>();
const decidedAt = new Map<number, number>();

const actor: Actor = { uid: 0, gid: 0, groups: [], name: 'root', role: 'admin', home: '/root' };

/**
 * Plans at once; runs for 100 ms once approved (plan/decide, as the node's RPC server would take
 * it). Nodes 0..179 plan A, the rest plan B.
 */
function fakeEngine(index: number): GoalEngineLike & { rpc: FleetNodeDeps['rpc'] } {
  const goals = new Map<string, GoalView>();
  const step = (path: string) => ({
    id: 's1',
    agent: 'files',
    tool: 'fs.write',
    args: { path, content: 'x' },
    rationale: '',
    risk: 'low' as const,
    reversible: true,
    dependsOn: [],
    state: 'pending' as const,
    preview: { summary: `write ${path}` },
    snapshotId: null,
    output: '',
    error: null,
    approvedBy: null,
  });
  return {
    submit: async (text) => {
      submittedAt.set(index, performance.now());
      const id = `G${index}-${goals.size}`;
      const now = new Date().toISOString();
      const g: GoalView = {
        id,
        text,
        state: 'awaiting_approval',
        message: null,
        submittedBy: 'root',
        createdAt: now,
        updatedAt: now,
        plan: {
          id: `P${id}`,
          goalId: id,
          tier: 'reactive',
          hash: id,
          createdAt: now,
          steps: [step(index < NODES * 0.9 ? '/etc/a' : '/etc/b')],
        },
      };
      goals.set(id, g);
      return g;
    },
    get: (id) => goals.get(id) as GoalView,
    rpc: async (_actor, method, params) => {
      if (method !== 'plan/decide') return { result: null };
      const planId = (params as { planId: string }).planId;
      const g = [...goals.values()].find((x) => x.plan?.id === planId) as GoalView;
      decidedAt.set(index, performance.now());
      g.state = 'running';
      setTimeout(() => {
        g.state = 'succeeded';
      }, 100);
      return { result: g };
    },
  };
}

/** BENCH_FLEET_PROFILE=FILE: a CPU profile of the bench's process over the measured goals only (not the setup). */
async function startProfile(): Promise<() => Promise<void>> {
  const file = process.env['BENCH_FLEET_PROFILE'];
  if (file === undefined) return async () => undefined;
  const { Session } = await import('node:inspector/promises');
  const s = new Session();
  s.connect();
  await s.post('Profiler.enable');
  await s.post('Profiler.start');
  return async () => {
    const { profile } = await s.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    s.disconnect();
  };
}

export async function fleetBenchmarks(rows: Row[], results: Record<string, unknown>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aios-bench-fleet-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const names = Array.from({ length: NODES }, (_, i) => `sim${String(i).padStart(3, '0')}`);
  for (const n of names) addHubNode(dir, n);
  // Made before the hub starts, so the hub and this process read the same keys.
  const id = await hubIdentity(dir);
  const hub = spawn(
    process.execPath,
    [
      join(import.meta.dirname, '..', '..', 'bin', 'aios.js'),
      'fleet',
      'hub',
      '--dir',
      dir,
      '--listen',
      `127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  const url = `nats://127.0.0.1:${port}`;
  const nodes: FleetNode[] = [];
  try {
    const personKey = loadOrCreateKey(join(dir, 'person.pem'));
    const personCreds = await mintCreds(id, 'bench', { ...personPermissions('bench'), tags: ['aios-person'] });
    let nc = null;
    for (let i = 0; i < 200 && nc === null; i++) {
      nc = await fleetConnect({ url, creds: personCreds }).catch(async () => {
        await sleep(100);
        return null;
      });
    }
    if (nc === null) throw new Error('the bench hub did not come up');
    await sleep(500);
    for (const [i, name] of names.entries()) {
      const stateDir = join(dir, 'nodes', name);
      mkdirSync(stateDir, { recursive: true });
      const engine = fakeEngine(i);
      const node = new FleetNode({
        stateDir,
        nodeName: name,
        version: 'bench',
        config: () => ({
          labels: {},
          people: { [personKey.publicKey]: 'root' },
          max_age_s: 120,
          decide_within_s: 3600,
        }),
        engine,
        ledger: {
          list: () => [],
          checkpoints: () => [],
          publicKey: () => null,
          head: () => ({ seq: 0, hash: '0'.repeat(64) }),
        },
        audit: () => undefined,
        actorFor: () => actor,
        rpc: engine.rpc,
        problems: () => [],
        log: () => undefined,
        warn: () => undefined,
      });
      await node.join(url, await mintCreds(id, name, { ...nodePermissions(name), tags: ['aios-node'] }), undefined);
      nodes.push(node);
    }
    const bus = personBus(nc, personKey);
    const facts = await bus.nodes();
    // The baseline: one request-reply round trip to the same server (JetStream's account info).
    const rtt: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await nc.request('$JS.API.INFO', '');
      rtt.push(performance.now() - t);
    }
    const grouped: number[] = [];
    const running: number[] = [];
    const profiler = await startProfile();
    for (let run = 0; run < RUNS; run++) {
      const t0 = performance.now();
      let plannedAt = 0;
      let approvedAt = 0;
      let lastRunning = 0;
      const seen = new Set<string>();
      const r = await runRollout(bus, {
        text: `bench goal ${run}`,
        nodes: facts,
        canary: 0,
        batch: NODES,
        maxFailures: 0,
        timeoutMs: 30_000,
        confirm: false,
        decide: async () => 'approve',
        onEvent: (e) => {
          if (e.type === 'planned') plannedAt = performance.now();
          if (e.type === 'wave' && approvedAt === 0) approvedAt = performance.now();
          if (e.type === 'node' && e.report.state === 'running' && !seen.has(e.node)) {
            seen.add(e.node);
            lastRunning = performance.now();
          }
        },
      });
      if (r.groups.length !== 2 || seen.size !== NODES)
        throw new Error(
          `bench run ${run}: ${r.groups.length} groups, ${seen.size} running (${r.nodes
            .filter((n) => !seen.has(n.node))
            .map((n) => `${n.node} ${n.phase} ${n.report?.state}`)
            .join(', ')})`,
        );
      if (process.env['BENCH_FLEET_TRACE'] !== undefined) {
        const last = (m: Map<number, number>, from: number) => {
          const [i, t] = [...m].reduce((a, b) => (b[1] > a[1] ? b : a));
          return `${names[i] ?? i} at ${fmt(t - from)} ms`;
        };
        process.stderr.write(
          `run ${run}: grouped ${fmt(plannedAt - t0)} ms, running ${fmt(lastRunning - approvedAt)} ms; last planned ${last(submittedAt, t0)}, last run ${last(decidedAt, approvedAt)}\n`,
        );
      }
      grouped.push(plannedAt - t0);
      running.push(lastRunning - approvedAt);
    }
    await profiler();
    results['fleet'] = { nodes: NODES, grouped, running, rtt };
    const base = median(rtt);
    rows.push({
      name: `fleet goal → all ${NODES} nodes' plans grouped (p95 of ${RUNS} goals, ms)`,
      value: fmt(percentile(grouped, 95)),
      baseline: `$JS.API.INFO round trip: ${fmt(base, 2)}`,
      ratio: `${fmt(percentile(grouped, 95) / base, 0)}×`,
      goal: '≤ 2000 ms',
    });
    rows.push({
      name: `approval → all ${NODES} nodes running (p95 of ${RUNS} goals, ms)`,
      value: fmt(percentile(running, 95)),
      baseline: `$JS.API.INFO round trip: ${fmt(base, 2)}`,
      ratio: `${fmt(percentile(running, 95) / base, 0)}×`,
      goal: '≤ 1000 ms',
    });
    for (const [what, xs] of [
      ['fleet goal → all plans grouped', grouped],
      ['approval → all running', running],
    ] as const)
      rows.push({
        name: `${what} (median of ${RUNS} goals, ${NODES} nodes, ms)`,
        value: fmt(median(xs)),
        baseline: `$JS.API.INFO round trip: ${fmt(base, 2)}`,
        ratio: `${fmt(median(xs) / base, 0)}×`,
        goal: '—',
      });
    await followBench(dir, url, bus, personKey, names, rows, results);
    await bus.close();
  } finally {
    for (const n of nodes) await n.stop();
    hub.kill('SIGTERM');
    await new Promise((r) => hub.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const FILLER = Number(process.env['BENCH_FLEET_FILLER'] ?? 50_000);

/**
 * Following one fleet goal's reports while AIOS_OUT holds FILLER reports of older goals: from a
 * little before the goal's ULID time (what the initiator does) against from the stream's first
 * message (what it did, and still does for an id that is not a ULID), both in this run.
 */
async function followBench(
  dir: string,
  url: string,
  bus: PersonBus,
  key: SigningKey,
  names: readonly string[],
  rows: Row[],
  results: Record<string, unknown>,
): Promise<void> {
  const hubNc = await fleetConnect({ url, creds: await hubCreds(dir) });
  const js = jetstream(hubNc);
  const report = (node: string, fleetGoal: string) =>
    js.publish(
      subjects.goalOut(node, fleetGoal, 'plan'),
      encodeEnvelope(seal(key, 'plan', node, { fleetGoal, filler: 'x'.repeat(1000) })),
    );
  for (let i = 0; i < FILLER; i += 500)
    await Promise.all(
      Array.from({ length: Math.min(500, FILLER - i) }, (_, j) =>
        report(names[(i + j) % names.length] as string, `OLD${Math.floor((i + j) / names.length)}`),
      ),
    );
  const readAll = async (fleetGoal: string): Promise<number> => {
    await Promise.all(names.map((n) => report(n, fleetGoal)));
    const t = performance.now();
    let seen = 0;
    let done: () => void = () => undefined;
    const all = new Promise<void>((r) => (done = r));
    // A slack of 1 s, not 10 minutes: the filler was published just now, where in use older
    // goals' reports are hours or days old, well before any goal's slack.
    const stop = await bus.follow(
      fleetGoal,
      () => {
        if (++seen === names.length) done();
      },
      { clockSlackMs: 1000 },
    );
    await all;
    stop();
    return performance.now() - t;
  };
  const fromTime: number[] = [];
  const fromFirst: number[] = [];
  await sleep(1500);
  for (let i = 0; i < 5; i++) {
    fromTime.push(await readAll(ulid()));
    fromFirst.push(await readAll(`NOTULID${i}`));
  }
  await hubNc.close();
  results['fleetFollow'] = { filler: FILLER, fromTime, fromFirst };
  rows.push({
    name: `follow a fleet goal's ${names.length} reports with ${FILLER} older ones in AIOS_OUT (median of 5, ms)`,
    value: fmt(median(fromTime)),
    baseline: `from the stream's first message: ${fmt(median(fromFirst))}`,
    ratio: `${fmt(median(fromTime) / median(fromFirst), 2)}×`,
    goal: '—',
  });
}
