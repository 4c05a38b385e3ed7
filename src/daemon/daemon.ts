// The composition root: every service aiosd runs is built here and passed in, once.
import { mkdirSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { GoalEngine } from '../agents/goal-engine.js';
import type { Actor, SecurityMode } from '../agents/approval-policy.js';
import { PlannerChain } from '../agents/planner.js';
import { ReactivePlanner, ruleExamples } from '../agents/reactive-planner.js';
import { ProcedurePlanner } from '../agents/procedure-planner.js';
import { ProcedureStore } from '../agents/procedure-store.js';
import { AuditLedger } from '../memory/audit-ledger.js';
import { openDatabase, type Db } from '../memory/database.js';
import { GoalStore } from '../memory/goal-store.js';
import { MemoryStore } from '../memory/memory-store.js';
import { createBuiltinRegistry } from '../tools/builtin-tools.js';
import { SnapshotStore } from '../tools/snapshot-store.js';
import type { AiosConfig } from '../config/config.js';
import type { AiosPaths } from '../config/paths.js';
import { createHandlers } from './handlers.js';
import { assertPeerCredAvailable } from './peer-cred.js';
import { RpcServer } from './rpc-server.js';
import { lookupUser, roleFor } from './users.js';
import { VERSION } from '../version.js';

export interface RunningDaemon {
  socketPath: string;
  db: Db;
  engine: GoalEngine;
  close(): Promise<void>;
}

export const NOT_UNDERSTOOD_HELP =
  `No model is configured, so only the built-in rules plan goals. They understand, for example: ${ruleExamples().map((e) => `"${e}"`).join(', ')}. ` +
  'For anything else, configure a model: a local GGUF under [models.operational] in config.toml, or an API key in secrets.toml (see the README).';

export async function startDaemon(opts: { paths: AiosPaths; config: AiosConfig; log: (line: string) => void }): Promise<RunningDaemon> {
  const { paths, config, log } = opts;
  assertPeerCredAvailable();
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  const db = openDatabase(join(paths.stateDir, 'aios.db'));
  const store = new GoalStore(db);
  const ledger = new AuditLedger(db);
  const memory = new MemoryStore(db);
  const snapshots = new SnapshotStore(db, join(paths.stateDir, 'snapshots'));
  const registry = createBuiltinRegistry({ timeoutMs: config.tools.exec_timeout_ms, outputCapBytes: config.tools.output_cap_bytes });
  const procedures = new ProcedureStore(db);
  const planner = new PlannerChain([new ReactivePlanner(), new ProcedurePlanner(procedures)], NOT_UNDERSTOOD_HELP);
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
  });
  const engine = new GoalEngine({
    store, planner, registry, snapshots, ledger, memory, procedures,
    emit: (event) => server.broadcast(event),
    securityMode: () => config.security.mode as SecurityMode,
  });
  const interrupted = engine.recoverInterrupted();
  if (interrupted.length > 0) log(`marked ${interrupted.length} goal(s) interrupted by the last shutdown`);

  const nodeName = config.system.hostname ?? hostname();
  await server.listen(createHandlers({
    version: VERSION, mode: paths.mode, stateDir: paths.stateDir, socketPath: paths.socketPath, startedAt: Date.now(), nodeName,
    engine, store, snapshots, ledger, memory,
    planners: () => planner.names, problems: () => [], clientCount: () => server.clientCount,
  }));
  log(`aiosd ${VERSION} listening on ${paths.socketPath} (${paths.mode} mode, state in ${paths.stateDir})`);

  return {
    socketPath: paths.socketPath, db, engine,
    async close() {
      await server.close();
      await engine.idle();
      db.close();
    },
  };
}
