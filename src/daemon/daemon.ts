// The composition root: every service aiosd runs is built here and passed in, once.
import { mkdirSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { GoalEngine } from '../agents/goal-engine.js';
import { FailureAnalysis, MAX_ANALYSED_STEPS } from '../agents/failure-analysis.js';
import { GoalAnswers } from '../agents/goal-answers.js';
import type { Actor, SecurityMode } from '../agents/approval-policy.js';
import { ReactivePlanner, ruleExamples } from '../agents/reactive-planner.js';
import { ProcedurePlanner } from '../agents/procedure-planner.js';
import { ProcedureStore } from '../agents/procedure-store.js';
import type { GoalEmbedder } from '../agents/goal-embedding.js';
import { FactGatherer } from '../agents/facts/fact-gatherer.js';
import { MonitorLoop } from '../agents/monitor/monitor-loop.js';
import { AgentMesh } from '../agents/mesh/agent-mesh.js';
import { readOnlySandbox } from '../sandbox/read-only-sandbox.js';
import { meshAgents, stepDeadline } from '../agents/mesh/mesh-config.js';
import { AuditLedger } from '../memory/audit-ledger.js';
import { AuditSigner } from '../memory/audit-signing.js';
import { aiosProtectedPaths, createPolicy } from '../agents/plan-policy.js';
import { PackageStateProvider } from '../tools/apt.js';
import { FirewallStateProvider } from '../tools/firewall.js';
import { detectServiceManager, ServiceStateProvider } from '../tools/service-manager.js';
import { INIT_SOCKET_NAME } from '../protocol/init-control.js';
import { SnapshotScheduler } from '../tools/snapshot-scheduler.js';
import { openDatabase, type Db } from '../memory/database.js';
import { GoalStore } from '../memory/goal-store.js';
import { MemoryStore } from '../memory/memory-store.js';
import { DEFAULT_SPACE, StateSpace, storageFailure } from '../memory/state-space.js';
import { createBuiltinRegistry } from '../tools/builtin-tools.js';
import { ReloadableIntelligence } from '../models/reloadable-intelligence.js';
import { SnapshotStore } from '../tools/snapshot-store.js';
import type { AiosConfig } from '../config/config.js';
import { keyFingerprint, Secret, storeSecret } from '../config/secrets.js';
import type { AiosPaths } from '../config/paths.js';
import { createHandlers } from './handlers.js';
import { createTuiViews } from './tui-views.js';
import { assertPeerCredAvailable } from './peer-cred.js';
import { RpcServer } from './rpc-server.js';
import { lookupUser, roleFor } from './users.js';
import { VERSION } from '../version.js';

export interface RunningDaemon {
  socketPath: string;
  db: Db;
  engine: GoalEngine;
  /** Re-reads the model settings (SIGHUP); the running ones stay if the new ones are broken. */
  reloadModels(): Promise<{ reloaded: boolean; message: string; problems: string[] }>;
  close(): Promise<void>;
}

export const NOT_UNDERSTOOD_HELP =
  `No model is configured, so only the built-in rules plan goals. They understand, for example: ${ruleExamples().map((e) => `"${e}"`).join(', ')}. ` +
  'For anything else, configure a model: a local GGUF under [models.operational] in config.toml, or an API key in secrets.toml (see the README).';

export async function startDaemon(opts: {
  paths: AiosPaths; config: AiosConfig; log: (line: string) => void;
  /** Reads the config files again (models/reload, SIGHUP); throws when they do not load. */
  reloadConfig?: () => AiosConfig;
}): Promise<RunningDaemon> {
  const { paths, config, log } = opts;
  assertPeerCredAvailable();
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  // A full or read-only state directory refuses changes but still serves what can be read.
  const space = new StateSpace(paths.stateDir, { ...DEFAULT_SPACE, log });
  const readOnly = space.readOnly;
  if (readOnly) log(`the state directory ${paths.stateDir} is READ-ONLY: aiosd serves the goal list, the audit view and snapshots, and refuses every change until it is writable and aiosd restarts`);
  const db = openDatabase(join(paths.stateDir, 'aios.db'), { readOnly });
  const bestEffort = (what: string, f: () => void): void => {
    try { f(); } catch (err) { log(`could not ${what}: ${err instanceof Error ? err.message : String(err)}`); }
  };
  const store = new GoalStore(db);
  // Signed checkpoints every 1000 entries and at shutdown; the key lives in the state dir.
  const ledger = new AuditLedger(db, { signer: AuditSigner.loadOrCreate(paths.stateDir), every: 1000, headFile: join(paths.stateDir, 'audit-head.json') });
  const memory = new MemoryStore(db);
  const serviceManager = detectServiceManager({ initSocket: join(paths.runtimeDir, INIT_SOCKET_NAME) });
  const snapshots = new SnapshotStore(db, join(paths.stateDir, 'snapshots'), [new PackageStateProvider(), new ServiceStateProvider(serviceManager), new FirewallStateProvider()], { target: config.recovery.spare_files, log });
  bestEffort('finish interrupted restores', () => { for (const line of snapshots.recover()) log(line); });
  const locations = { stateDir: paths.stateDir, configDirs: [dirname(paths.systemConfigFile), ...(paths.userConfigFile === null ? [] : [dirname(paths.userConfigFile)])], secretsFile: paths.secretsFile };
  const protectedPaths = aiosProtectedPaths(locations);
  // Read-only commands run in bubblewrap; where it cannot start, say so now and in status, and judge them strictly.
  const sandbox = readOnlySandbox({ hide: [paths.stateDir, ...locations.configDirs, paths.secretsFile], cpuSeconds: Math.ceil(config.tools.exec_timeout_ms / 1000) + 5 });
  log(sandbox.available ? `sandbox: ${sandbox.reason}` : `sandbox UNAVAILABLE: ${sandbox.reason}; read-only commands run unsandboxed only when an admin confirms each one, and never without a person`);
  const policy = createPolicy({
    mode: () => config.security.mode as SecurityMode, dangerousPatterns: config.security.dangerous_patterns, requireConfirm: config.security.require_confirm, protectedPaths,
    sandboxed: () => sandbox.available,
  });
  const registry = createBuiltinRegistry({
    timeoutMs: config.tools.exec_timeout_ms, outputCapBytes: config.tools.output_cap_bytes, serviceManager, isSecret: (p) => protectedPaths.match(p)?.secret === true,
  });
  // Matched by embedding too while a local model is up (the intelligence below, built next).
  const procedures: ProcedureStore = new ProcedureStore(db, { embedder: (): GoalEmbedder | null => intelligence.embedder(), log });
  // The hierarchy: rules, procedures, then local and cloud models as configured (src/models).
  const intelligence = new ReloadableIntelligence({
    loadConfig: opts.reloadConfig ?? (() => config), config, paths, db, registry, log, help: NOT_UNDERSTOOD_HELP, fixed: [new ReactivePlanner(), new ProcedurePlanner(procedures)],
    decisionLog: (type, goalId, payload) => store.recordEvent(type, goalId, payload),
    emit: (event) => server.broadcast(event),
    facts: new FactGatherer({ registry, policy, ledger, record: (type, goalId, payload) => store.recordEvent(type, goalId, payload) }),
  });
  const planner = intelligence;
  const ownerUid = process.getuid?.() ?? 0;

  const actorFor = (cred: { uid: number }): Actor => {
    const user = lookupUser(cred.uid);
    // In user mode the owner's $HOME wins over /etc/passwd, as it does for every other program.
    const home = paths.mode === 'user' && cred.uid === ownerUid ? homedir() : user.home;
    return { uid: cred.uid, name: user.name, role: roleFor(user, paths.mode), home };
  };

  const server = new RpcServer({
    socketPath: paths.socketPath, mode: paths.mode, ownerUid, log, actorFor,
    maxClients: config.daemon.max_clients, maxFrameBytes: config.daemon.max_frame_bytes,
    storageFailure: (err) => (storageFailure(err) === null ? null : `aiosd cannot write its state: ${space.problem() ?? String(err)}`),
  });
  const mesh = new AgentMesh({ agents: meshAgents(), emit: (event) => server.broadcast(event), log });
  // A failed goal's failed steps are diagnosed by a model in the background (the analyse task).
  const analysis = new FailureAnalysis({
    store, analyse: (request) => intelligence.analyse(request), emit: (event) => server.broadcast(event), log,
    maxSteps: () => config.models.diagnose_failures ?? MAX_ANALYSED_STEPS,
  });
  // A question's read-only steps ran: a model answers it from their outputs, in the background.
  const answers = new GoalAnswers({
    store, ledger, answer: (request) => intelligence.answer(request), emit: (event) => server.broadcast(event), log,
    readOnly: (tool) => registry.get(tool)?.mutates === false,
  });
  const engine = new GoalEngine({
    store, planner, registry, snapshots, ledger, memory, procedures, policy, mesh,
    stepDeadlineMs: (tool, args) => stepDeadline(config.tools.exec_timeout_ms, tool, args),
    sandbox: sandbox.wrap,
    autonomy: () => ({ level: config.system.autonomy_level, allow: config.system.autonomy_allow }),
    emit: (event) => server.broadcast(event),
    securityMode: () => config.security.mode as SecurityMode,
    stateSpace: space,
    // After a run: a failed goal's steps are diagnosed, a question that succeeded is answered.
    analysis: {
      start: (goalId) => { analysis.start(goalId); answers.start(goalId); },
      settled: (goalId, signal) => analysis.settled(goalId, signal),
      cancel: (goalId, why) => analysis.cancel(goalId, why),
    },
  });
  bestEffort('mark goals interrupted by the last shutdown', () => {
    const interrupted = engine.recoverInterrupted();
    if (interrupted.length > 0) log(`marked ${interrupted.length} goal(s) interrupted by the last shutdown`);
  });
  // Gives the reserve back before writes start failing, and sets it aside again once space is freed.
  const spaceWatch = setInterval(() => space.problem(), 1000);
  spaceWatch.unref();

  // The monitor agent proposes diagnostic goals as an operator would; they go through the
  // same planning, policy and approval as anyone's.
  const monitorActor: Actor = { uid: ownerUid, name: 'monitor-agent', role: 'operator', home: homedir() };
  const monitor = new MonitorLoop({
    db, intervalMs: config.monitor.interval_s * 1000, keepHours: config.monitor.keep_hours, thresholds: config.monitor,
    alert: (level, message) => {
      bestEffort('record an alert', () => store.recordEvent('alert', null, { level, message }));
      server.broadcast({ type: 'alert', level, message });
    },
    propose: (goalText, why) => {
      engine.submit(goalText, monitorActor, undefined, { task: 'analyse' }).then(
        (g) => log(`monitor proposed "${goalText}" (${why}): goal ${g.id} ${g.state}`),
        (err: unknown) => log(`monitor could not propose "${goalText}": ${err instanceof Error ? err.message : String(err)}`),
      );
    },
  });

  const nodeName = config.system.hostname ?? hostname();
  const views = createTuiViews({
    db, ledger, snapshots, stateDir: paths.stateDir, mode: paths.mode,
    settings: () => ({ autonomy: config.system.autonomy_level, escapeHatch: config.shell?.escape_hatch ?? 'admin' }),
    models: () => intelligence.figures(),
  });
  await server.listen(createHandlers({
    version: VERSION, mode: paths.mode, stateDir: paths.stateDir, socketPath: paths.socketPath, startedAt: Date.now(), nodeName,
    engine, store, snapshots, ledger, memory, registry, mesh, procedures,
    planners: () => planner.names, problems: () => [...intelligence.problems(), ...(sandbox.available ? [] : [`sandbox unavailable: ${sandbox.reason}; read-only commands need an admin's explicit confirmation`]), ...[space.recentProblem()].filter((p) => p !== null)], clientCount: () => server.clientCount, views,
    tiers: () => intelligence.tiers(), models: () => intelligence.list(), reloadModels: () => intelligence.reload(),
    setApiKey: async (provider, key) => {
      const secret = new Secret(key);
      storeSecret(paths.secretsFile, provider, secret);
      return { ...(await intelligence.reload({ force: true })), fingerprint: keyFingerprint(secret) };
    },
    budget: () => {
      const f = intelligence.figures();
      return f.spendUsd === null ? null : { spentUsd: f.spendUsd, limitUsd: f.budgetUsd };
    },
  }));
  intelligence.start().catch((err: unknown) => log(`local models: ${err instanceof Error ? err.message : String(err)}`));
  monitor.start();
  const scheduler = new SnapshotScheduler({
    snapshots, interval: config.recovery.snapshot_interval, keep: config.recovery.max_snapshots, roots: config.recovery.snapshot_paths,
    onSnapshot: (r, pruned) => ledger.append({ actor: 'aiosd', action: 'snapshot.auto', subject: r.snapshot.id, detail: { roots: config.recovery.snapshot_paths, entries: r.entries, hashed: r.hashed, skipped: r.skipped.length, pruned } }),
    onError: (err) => log(`automatic snapshot failed: ${err instanceof Error ? err.message : String(err)}`),
  });
  scheduler.start();
  // Spare inodes for restores, made in the background (removed when spare_files is 0).
  if (!readOnly) void snapshots.spares.refill();
  log(`aiosd ${VERSION} listening on ${paths.socketPath} (${paths.mode} mode, state in ${paths.stateDir})`);

  return {
    socketPath: paths.socketPath, db, engine,
    reloadModels: () => intelligence.reload(),
    async close() {
      monitor.stop();
      clearInterval(spaceWatch);
      views.hatches.closeAll();
      await server.close();
      await engine.idle();
      await analysis.close();
      await answers.close();
      mesh.stop();
      await intelligence.close();
      scheduler.stop();
      await snapshots.spares.stop();
      await policy.close();
      // The head at shutdown is signed, so a tail cut off while aiosd was down is detected.
      try { ledger.checkpoint(); } catch (err) { log(`could not sign the audit ledger's head: ${err instanceof Error ? err.message : String(err)}`); }
      db.close();
    },
  };
}
