// The composition root: every service aiosd runs is built here and passed in, once.
import { mkdirSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { GoalEngine } from '../agents/goal-engine.js';
import { FailureAnalysis, MAX_ANALYSED_STEPS } from '../agents/failure-analysis.js';
import { GoalAnswers } from '../agents/goal-answers.js';
import type { Actor } from '../agents/approval-policy.js';
import type { SecurityMode } from '../protocol/vocabulary.js';
import { ReactivePlanner, ruleExamples } from '../agents/reactive-planner.js';
import { ProcedurePlanner } from '../agents/procedure-planner.js';
import { ProcedureStore } from '../agents/procedure-store.js';
import type { GoalEmbedder } from '../agents/goal-embedding.js';
import { FactGatherer } from '../agents/facts/fact-gatherer.js';
import { MonitorLoop } from '../agents/monitor/monitor-loop.js';
import { Scheduler } from '../agents/schedule/scheduler.js';
import { AutoPatcher } from '../agents/patch/auto-patcher.js';
import { AgentMesh } from '../agents/mesh/agent-mesh.js';
import { readOnlySandbox, writeSandbox } from '../sandbox/read-only-sandbox.js';
import { meshAgents, stepDeadline } from '../agents/mesh/mesh-config.js';
import { aiosProtectedPaths, createPolicy } from '../agents/plan-policy.js';
import { PackageStateProvider } from '../tools/apt.js';
import { FirewallStateProvider } from '../tools/firewall.js';
import { detectServiceManager, ServiceStateProvider } from '../tools/service-manager.js';
import { INIT_SOCKET_ENV, INIT_SOCKET_NAME } from '../protocol/init-control.js';
import { createUpdateService } from './update-service.js';
import { goalEnded } from '../protocol/model.js';
import { SnapshotScheduler } from '../recovery/snapshot-scheduler.js';
import type { Db } from '../memory/database.js';
import { ExecJournal } from '../memory/exec-journal.js';
import { GoalStore } from '../memory/goal-store.js';
import { MemoryStore } from '../memory/memory-store.js';
import { DEFAULT_SPACE, StateSpace, storageFailure } from '../memory/state-space.js';
import { createBuiltinRegistry } from '../tools/builtin-tools.js';
import { ReloadableIntelligence } from '../models/reloadable-intelligence.js';
import { SnapshotStore } from '../recovery/snapshot-store.js';
import type { AiosConfig } from '../config/config.js';
import { keyFingerprint, Secret, storeSecret } from '../config/secrets.js';
import type { AiosPaths } from '../config/paths.js';
import { createHandlers } from './handlers.js';
import { createTuiViews } from './tui-views.js';
import { assertPeerCredAvailable } from './peer-cred.js';
import { openStateStore } from './state-store.js';
import { assertFsMetaAvailable } from '../recovery/fs-meta.js';
import { RpcServer } from './rpc-server.js';
import { cachedAccess } from './users.js';
import { eventViews } from './visibility.js';
import { HelperPool } from '../runas/helper-pool.js';
import { createModelPullHandler } from './model-pull-handler.js';
import { recommendForThisNode } from '../models/recommend.js';
import { gpus } from '../tools/hw-tools.js';
import { hostOf, runAs } from '../runas/step-host.js';
import { VERSION } from '../version.js';
import type { Logger } from './logger.js';
import { MetricsExport } from './metrics-export.js';
import { parseListen } from '../config/listen-address.js';
import { createRetention } from './retention.js';
import { ageMs, retentionSettings } from '../config/retention-schema.js';
import { maintenanceAgent } from './maintenance-setup.js';
import { createFleetNode } from '../fleet/daemon-fleet.js';
import type { FleetNode } from '../fleet/node-agent.js';
import { consoleGoalsStore, memoryConsoleGoals } from '../fleet/console-goals-store.js';

export interface RunningDaemon {
  socketPath: string;
  db: Db;
  engine: GoalEngine;
  /** Re-reads the model settings (SIGHUP); the running ones stay if the new ones are broken. */
  reloadModels(): Promise<{ reloaded: boolean; message: string; problems: string[] }>;
  close(): Promise<void>;
}

export const NOT_UNDERSTOOD_HELP =
  `No model is configured, so only the built-in rules plan goals. They understand, for example: ${ruleExamples()
    .map((e) => `"${e}"`)
    .join(', ')}. ` +
  'For anything else, configure a model: a local GGUF under [models.operational] in config.toml, or an API key in secrets.toml (see the README).';

export async function startDaemon(opts: {
  paths: AiosPaths;
  config: AiosConfig;
  log: Logger;
  /** Reads the config files again (models/reload, SIGHUP); throws when they do not load. */
  reloadConfig?: () => AiosConfig;
}): Promise<RunningDaemon> {
  const { paths, config, log } = opts;
  assertPeerCredAvailable();
  // Snapshots record xattrs and ACLs through it: a missing build fails here, not at the first step.
  assertFsMetaAvailable();
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  // A full or read-only state directory refuses changes but still serves what can be read.
  const space = new StateSpace(paths.stateDir, { ...DEFAULT_SPACE, log });
  const readOnly = space.readOnly;
  if (readOnly)
    log.warn(
      `the state directory ${paths.stateDir} is READ-ONLY: aiosd serves the goal list, the audit view and snapshots, and refuses every change until it is writable and aiosd restarts`,
    );
  // Locked, watched, and the ledger compared with its head log (a broken one refuses changes via guard).
  const state = openStateStore(paths.stateDir, space, log);
  const { db, ledger, dbWatch, integrity, guard } = state;
  const bestEffort = (what: string, f: () => void): void => {
    try {
      f();
    } catch (err) {
      log.warn(`could not ${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const store = new GoalStore(db);
  const memory = new MemoryStore(db);
  const serviceManager = detectServiceManager({ initSocket: join(paths.runtimeDir, INIT_SOCKET_NAME) });
  const packagesRoot = config.packages?.root ?? '/';
  const snapshots = new SnapshotStore(
    db,
    join(paths.stateDir, 'snapshots'),
    [new PackageStateProvider(packagesRoot), new ServiceStateProvider(serviceManager), new FirewallStateProvider()],
    { target: config.recovery.spare_files, log },
  );
  bestEffort('finish interrupted restores', () => {
    for (const line of snapshots.recover()) log(line);
  });
  const locations = {
    stateDir: paths.stateDir,
    configDirs: [
      dirname(paths.systemConfigFile),
      ...(paths.userConfigFile === null ? [] : [dirname(paths.userConfigFile)]),
    ],
    secretsFile: paths.secretsFile,
  };
  const protectedPaths = aiosProtectedPaths(locations);
  // Shell commands run in bubblewrap (read-only, or with only their declared files writable);
  // where it cannot start, say so now and in status, and judge them strictly. An operator's
  // helper builds the same two sandboxes from sandboxOptions.
  const sandboxOptions = {
    hide: [paths.stateDir, ...locations.configDirs, paths.secretsFile],
    cpuSeconds: Math.ceil(config.tools.exec_timeout_ms / 1000) + 5,
  };
  const sandbox = readOnlySandbox(sandboxOptions);
  // A writing command may be given up to shell.exec's longest timeout (an hour) of CPU time.
  const writing = writeSandbox({ hide: sandboxOptions.hide, cpuSeconds: 3600 + 5 });
  (sandbox.available ? log.info : log.warn)(
    sandbox.available
      ? `sandbox: ${sandbox.reason}`
      : `sandbox UNAVAILABLE: ${sandbox.reason}; read-only commands run unsandboxed only when an admin confirms each one, and never without a person`,
  );
  const policy = createPolicy({
    mode: () => config.security.mode as SecurityMode,
    dangerousPatterns: config.security.dangerous_patterns,
    requireConfirm: config.security.require_confirm,
    protectedPaths,
    sandboxed: () => sandbox.available,
  });
  const registry = createBuiltinRegistry({
    timeoutMs: config.tools.exec_timeout_ms,
    outputCapBytes: config.tools.output_cap_bytes,
    serviceManager,
    isSecret: (p) => protectedPaths.match(p)?.secret === true,
    isAios: (p) => protectedPaths.match(p) !== null,
    packagesRoot,
  });
  const ownerUid = process.getuid?.() ?? 0;
  // An operator's goal runs with the operator's credentials, in a helper per uid that drops
  // root before it does anything (src/runas). Only a root daemon in system mode can become
  // someone else; in user mode the daemon already is its one user.
  const initSocket = join(paths.runtimeDir, INIT_SOCKET_NAME);
  const helpers =
    paths.mode === 'system' && ownerUid === 0
      ? new HelperPool({
          log,
          tools: {
            timeoutMs: config.tools.exec_timeout_ms,
            outputCapBytes: config.tools.output_cap_bytes,
            initSocket,
            locations,
            serviceEnv: Object.fromEntries(
              ['AIOS_SERVICE_MANAGER', 'AIOS_INIT_SOCKET'].flatMap((k) =>
                process.env[k] === undefined ? [] : [[k, process.env[k]]],
              ),
            ),
            sandbox: sandbox.available ? sandboxOptions : null,
            packagesRoot,
          },
        })
      : null;
  // Root, admins, and the daemon's own actors (the monitor, schedules) run in the daemon.
  const lookup = cachedAccess(paths.mode);
  const owners = runAs({
    pool: helpers,
    sandbox: sandbox.wrap,
    writeSandbox: writing.wrap,
    runsAsRoot: (uid) => {
      const a = lookup(uid);
      return uid === ownerUid || (a.ok && a.role === 'admin');
    },
  });
  // Matched by embedding too while a local model is up (the intelligence below, built next).
  const procedures: ProcedureStore = new ProcedureStore(db, {
    embedder: (): GoalEmbedder | null => intelligence.embedder(),
    log,
  });
  // The hierarchy: rules, procedures, then local and cloud models as configured (src/models).
  const intelligence = new ReloadableIntelligence({
    loadConfig: opts.reloadConfig ?? (() => config),
    config,
    paths,
    db,
    registry,
    log,
    help: NOT_UNDERSTOOD_HELP,
    fixed: [new ReactivePlanner(), new ProcedurePlanner(procedures)],
    decisionLog: (type, goalId, payload) => store.recordEvent(type, goalId, payload),
    emit: (event) => server.broadcast(event),
    facts: new FactGatherer({
      registry,
      policy,
      ledger,
      record: (type, goalId, payload) => store.recordEvent(type, goalId, payload),
      hostFor: (goalId) => hostOf({ runAs: owners, sandbox: sandbox.wrap, store }, goalId),
    }),
  });
  const planner = intelligence;

  const accessOf = (cred: { uid: number }) => {
    const access = lookup(cred.uid);
    if (!access.ok) return access;
    const { user, role } = access;
    // In user mode the owner's $HOME wins over /etc/passwd, as it does for every other program.
    const home = paths.mode === 'user' && cred.uid === ownerUid ? homedir() : user.home;
    const actor: Actor = {
      uid: cred.uid,
      gid: user.gid,
      groups: user.groups.map((g) => g.gid),
      name: user.name,
      role,
      home,
    };
    // An operator who connects is about to plan: their first preview need not wait for a cold helper.
    if (actor.role === 'operator' && !owners.runsAsRoot(cred.uid)) helpers?.warm(cred.uid);
    return { ok: true as const, actor };
  };

  const server = new RpcServer({
    socketPath: paths.socketPath,
    mode: paths.mode,
    ownerUid,
    log: log.with({ component: 'rpc' }).warn,
    accessFor: accessOf,
    limits: {
      // In user mode the owner is the only account that may connect: there is nobody to lock out.
      maxClients: config.daemon.max_clients,
      maxPerUid: paths.mode === 'user' ? config.daemon.max_clients : config.daemon.max_clients_per_uid,
      adminReserve: config.daemon.admin_reserved_clients,
      handshakeMs: config.daemon.handshake_timeout_ms,
    },
    maxFrameBytes: config.daemon.max_frame_bytes,
    ownerOf: (ref) => store.ownerOf(ref),
    eventViews: (event) => eventViews(event, (goalId) => store.ownerOf({ goalId })),
    storageFailure: (err) =>
      storageFailure(err) === null ? null : `aiosd cannot write its state: ${space.problem() ?? String(err)}`,
  });
  const mesh = new AgentMesh({ agents: meshAgents(), emit: (event) => server.broadcast(event), log });
  // A failed goal's failed steps are diagnosed by a model in the background (the analyse task).
  const analysis = new FailureAnalysis({
    store,
    analyse: (request) => intelligence.analyse(request),
    emit: (event) => server.broadcast(event),
    log,
    maxSteps: () => config.models.diagnose_failures ?? MAX_ANALYSED_STEPS,
  });
  // A question's read-only steps ran: a model answers it from their outputs, in the background.
  const answers = new GoalAnswers({
    store,
    ledger,
    answer: (request) => intelligence.answer(request),
    emit: (event) => server.broadcast(event),
    log,
    readOnly: (tool) => registry.get(tool)?.mutates === false,
  });
  // [metrics] listen: figures for Prometheus; approval latency is observed from the engine's events.
  const metricsExport =
    config.metrics?.listen === undefined
      ? null
      : new MetricsExport({
          db,
          agents: () => mesh.list(),
          sessions: () => server.clientCount,
          models: () => intelligence.figures(),
          blobDir: join(paths.stateDir, 'snapshots'),
        });
  const engine = new GoalEngine({
    store,
    planner,
    registry,
    snapshots,
    ledger,
    memory,
    procedures,
    policy,
    mesh,
    stepDeadlineMs: (tool, args) => stepDeadline(config.tools.exec_timeout_ms, tool, args),
    sandbox: sandbox.wrap,
    writeSandbox: writing.wrap,
    autonomy: () => ({ level: config.system.autonomy_level, allow: config.system.autonomy_allow }),
    emit: (event) => {
      // A goal's end is signed, so that what it did is pinned before the next one starts.
      if (event.type === 'goal.updated' && goalEnded(event.goal.state))
        bestEffort("sign the audit ledger at a goal's end", () => ledger.checkpoint());
      metricsExport?.observe(event);
      server.broadcast(event);
    },
    securityMode: () => config.security.mode as SecurityMode,
    stateSpace: guard,
    // After a run: a failed goal's steps are diagnosed, a question that succeeded is answered.
    analysis: {
      start: (goalId) => {
        analysis.start(goalId);
        answers.start(goalId);
      },
      settled: (goalId, signal) => analysis.settled(goalId, signal),
      cancel: (goalId, why) => analysis.cancel(goalId, why),
    },
    runAs: owners,
    journal: new ExecJournal(db),
  });
  bestEffort('mark goals interrupted by the last shutdown', () => {
    const interrupted = engine.recoverInterrupted();
    if (interrupted.length > 0) log(`marked ${interrupted.length} goal(s) interrupted by the last shutdown`);
  });
  // Gives the reserve back before writes start failing, and sets it aside again once space is freed.
  // The same tick sees a deleted or replaced database within a second or two.
  const spaceWatch = setInterval(() => {
    space.problem();
    dbWatch.problem();
  }, 1000);
  spaceWatch.unref();

  // The monitor agent proposes diagnostic goals as an operator would; they go through the
  // same planning, policy and approval as anyone's.
  const monitorActor: Actor = {
    uid: ownerUid,
    gid: process.getgid?.() ?? 0,
    groups: process.getgroups?.() ?? [],
    name: 'monitor-agent',
    role: 'operator',
    home: homedir(),
  };
  const monitor = new MonitorLoop({
    db,
    intervalMs: config.monitor.interval_s * 1000,
    keepHours: ageMs(retentionSettings(config.retention).metrics) / 3_600_000,
    thresholds: config.monitor,
    custom: config.monitor.threshold ?? [],
    services: { units: config.monitor.services ?? [], state: (unit) => serviceManager.state(unit) },
    alert: (level, message) => {
      bestEffort('record an alert', () => store.recordEvent('alert', null, { level, message }));
      server.broadcast({ type: 'alert', level, message });
    },
    propose: (goalText, why) => {
      engine.submit(goalText, monitorActor, undefined, { task: 'analyse' }).then(
        (g) => log(`monitor proposed "${goalText}" (${why}): goal ${g.id} ${g.state}`),
        (err: unknown) =>
          log.warn(`monitor could not propose "${goalText}": ${err instanceof Error ? err.message : String(err)}`),
      );
    },
  });

  // [[schedule]]: goals submitted on their own, as the schedule actor, through the same approval as anyone's.
  const scheduleActor: Actor = {
    uid: ownerUid,
    gid: process.getgid?.() ?? 0,
    groups: process.getgroups?.() ?? [],
    name: 'schedule',
    role: 'operator',
    home: homedir(),
  };
  const schedules = new Scheduler({
    entries: config.schedule ?? [],
    nodeAutonomy: config.system.autonomy_level,
    log: log.warn,
    stateOf: (goalId) => store.getGoal(goalId)?.state,
    submit: async (entry) => {
      const g = await engine.submit(
        entry.goal,
        scheduleActor,
        undefined,
        entry.autonomy === undefined ? {} : { autonomy: entry.autonomy },
      );
      bestEffort('record a scheduled goal', () =>
        ledger.append({
          actor: 'schedule',
          action: 'schedule.fire',
          subject: g.id,
          detail: {
            name: entry.name,
            goal: entry.goal,
            autonomy: entry.autonomy ?? config.system.autonomy_level,
            state: g.state,
          },
        }),
      );
      log(`schedule "${entry.name}" submitted "${entry.goal}": goal ${g.id} ${g.state}`, { component: 'schedule' });
      return g;
    },
  });

  // [security] auto_patch: runs are goals of the patch actor, approved by that configured policy (src/agents/patch).
  const patchActor: Actor = { ...scheduleActor, name: 'patch', role: 'admin' };
  const patcher = new AutoPatcher({
    engine,
    registry,
    ledger,
    mode: config.security.auto_patch ?? 'off',
    ...(config.security.auto_patch_window === undefined ? {} : { window: config.security.auto_patch_window }),
    checks: config.security.auto_patch_checks ?? [],
    root: packagesRoot,
    activeServices: async () =>
      serviceManager.unavailable() === null
        ? (await serviceManager.list()).filter((s) => s.active === 'active').map((s) => s.unit)
        : [],
    actor: patchActor,
    log: (m) => log(m, { component: 'patch' }),
  });

  let fleetRef: FleetNode | null = null;
  const retention = createRetention({
    db,
    blobDir: join(paths.stateDir, 'snapshots'),
    stateDir: paths.stateDir,
    ledger,
    // The fleet is made further down; collection runs on a timer, long after both exist.
    unpublishedFrom: () => fleetRef?.auditUnpublishedFrom() ?? null,
    retention: config.retention,
    refusal: () => (readOnly ? `the state directory ${paths.stateDir} is read-only` : dbWatch.problem()),
    log: (m) => log(m, { component: 'retention' }),
  });
  // The maintenance agent: retention daily and on low disk (src/agents/maintenance).
  const maintenance = maintenanceAgent({
    stateDir: paths.stateDir,
    readOnly,
    config,
    mesh,
    retention,
    alert: (message) => {
      bestEffort('record an alert', () => store.recordEvent('alert', null, { level: 'warning', message }));
      server.broadcast({ type: 'alert', level: 'warning', message });
    },
    log: log.with({ component: 'maintenance' }),
    submit: (text, chorePlanner) => engine.submit(text, { ...monitorActor, name: 'maintenance-agent' }, chorePlanner),
    stateOf: (goalId) => store.getGoal(goalId)?.state,
    keep: (p) => protectedPaths.match(p) !== null,
  });
  const nodeName = config.system.hostname ?? hostname();
  const problems = (): string[] => [
    ...intelligence.problems(),
    ...(sandbox.available
      ? []
      : [`sandbox unavailable: ${sandbox.reason}; read-only commands need an admin's explicit confirmation`]),
    ...[space.recentProblem(), integrity(), ledger.durabilityProblem()].filter((p) => p !== null),
  ];
  // The fleet (src/fleet): connects out to the hub once this node has joined one.
  const fleet = createFleetNode({
    stateDir: paths.stateDir,
    mode: paths.mode,
    ownerUid,
    nodeName: config.fleet?.node ?? nodeName,
    version: VERSION,
    config: () => config.fleet,
    engine,
    ledger,
    server,
    access: accessOf,
    problems,
    log: (m) => log(m, { component: 'fleet' }),
    warn: (m) => log.warn(m, { component: 'fleet' }),
  });
  fleetRef = fleet;
  const views = createTuiViews({
    db,
    ledger,
    snapshots,
    stateDir: paths.stateDir,
    mode: paths.mode,
    settings: () => ({
      autonomy: config.system.autonomy_level,
      escapeHatch: config.shell?.escape_hatch ?? 'admin',
      guardMs: config.shell?.guard_ms ?? 700,
      burstMs: config.shell?.burst_ms ?? 250,
    }),
    models: () => intelligence.figures(),
  });
  const updates = createUpdateService({
    db,
    ledger,
    env: process.env,
    initSocket: process.env[INIT_SOCKET_ENV] || null,
  });
  // An update that ended while no aiosd ran (a slot that failed and the node came back) is recorded now.
  if (!readOnly) bestEffort('record the last update of aiOS', () => void updates.recordOutcomes());
  await server.listen(
    createHandlers({
      version: VERSION,
      mode: paths.mode,
      stateDir: paths.stateDir,
      socketPath: paths.socketPath,
      startedAt: Date.now(),
      nodeName,
      engine,
      store,
      snapshots,
      ledger,
      memory,
      registry,
      mesh,
      procedures,
      schedules: () => schedules.list(),
      patching: { status: () => patcher.status(), run: (by) => patcher.run(by) },
      unrecordable: () => dbWatch.problem(),
      gc: (o) => retention.run(o),
      agentJobs: (agent) => (agent === 'maintenance' ? maintenance.views() : []),
      updates,
      planners: () => planner.names,
      problems,
      fleet,
      consoleGoals: {
        store: readOnly ? memoryConsoleGoals() : consoleGoalsStore(db, (m) => log.warn(m, { component: 'fleet' })),
        log: (m) => log(m, { component: 'fleet' }),
      },
      planner,
      clientCount: () => server.clientCount,
      views,
      tiers: () => intelligence.tiers(),
      models: () => intelligence.list(),
      reloadModels: () => intelligence.reload(),
      pullModel: createModelPullHandler({
        paths,
        config: opts.reloadConfig ?? (() => config),
        reload: () => intelligence.reload(),
        helpers,
        log,
      }),
      recommendModels: async () => {
        const listed = await intelligence.list();
        return recommendForThisNode(gpus, {
          plannerConfigured: listed.models.length > 0 || listed.providers.length > 0,
          rules: ruleExamples(),
        });
      },
      setApiKey: async (provider, key) => {
        const secret = new Secret(key);
        storeSecret(paths.secretsFile, provider, secret);
        return { ...(await intelligence.reload({ force: true })), fingerprint: keyFingerprint(secret) };
      },
      budget: () => {
        const f = intelligence.figures();
        return f.spendUsd === null ? null : { spentUsd: f.spendUsd, limitUsd: f.budgetUsd };
      },
    }),
  );
  const metricsAt = config.metrics?.listen === undefined ? null : parseListen(config.metrics.listen);
  if (metricsExport !== null && metricsAt !== null && typeof metricsAt !== 'string') {
    // A metrics port taken by something else is said, not fatal: the node goes on without its figures.
    await metricsExport.listen(metricsAt).then(
      (where) =>
        log(
          `metrics for Prometheus: GET ${metricsAt.kind === 'unix' ? `/metrics over the Unix socket ${where}` : `http://${where}/metrics`}`,
          { component: 'metrics' },
        ),
      (err: unknown) =>
        log.error(
          `metrics endpoint not started on ${config.metrics?.listen ?? ''}: ${err instanceof Error ? err.message : String(err)}`,
          { component: 'metrics' },
        ),
    );
  }
  void fleet
    .start()
    .catch((err: unknown) =>
      log.warn(`fleet: ${err instanceof Error ? err.message : String(err)}`, { component: 'fleet' }),
    );
  intelligence
    .start()
    .catch((err: unknown) => log.warn(`local models: ${err instanceof Error ? err.message : String(err)}`));
  monitor.start();
  schedules.start();
  if (!readOnly) patcher.start();
  const scheduler = new SnapshotScheduler({
    snapshots,
    interval: config.recovery.snapshot_interval,
    keep: retentionSettings(config.retention).auto_snapshots,
    roots: config.recovery.snapshot_paths,
    onSnapshot: (r, pruned) =>
      ledger.append({
        actor: 'aiosd',
        action: 'snapshot.auto',
        subject: r.snapshot.id,
        detail: {
          roots: config.recovery.snapshot_paths,
          entries: r.entries,
          hashed: r.hashed,
          skipped: r.skipped.length,
          pruned,
        },
      }),
    onError: (err) => log.warn(`automatic snapshot failed: ${err instanceof Error ? err.message : String(err)}`),
  });
  scheduler.start();
  maintenance.start();
  // Spare inodes for restores, made in the background (removed when spare_files is 0).
  if (!readOnly) void snapshots.spares.refill();
  log(`aiosd ${VERSION} listening on ${paths.socketPath} (${paths.mode} mode, state in ${paths.stateDir})`);

  return {
    socketPath: paths.socketPath,
    db,
    engine,
    reloadModels: () => intelligence.reload(),
    async close() {
      monitor.stop();
      schedules.stop();
      patcher.stop();
      clearInterval(spaceWatch);
      await metricsExport?.close();
      views.hatches.closeAll();
      await fleet.stop();
      await server.close();
      await engine.idle();
      helpers?.close();
      await analysis.close();
      await answers.close();
      mesh.stop();
      await intelligence.close();
      scheduler.stop();
      maintenance.stop();
      await snapshots.spares.stop();
      await policy.close();
      state.close();
    },
  };
}
