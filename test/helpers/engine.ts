// A goal engine over real stores in a temp dir, with the planner a test chooses, for
// tests that need determinism without a daemon process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoalEngine } from '../../src/agents/goal-engine.js';
import type { Actor, Autonomy } from '../../src/agents/approval-policy.js';
import type { Tool } from '../../src/tools/tool.js';
import type { Planner } from '../../src/agents/planner.js';
import { ProcedureStore, type ProcedureStoreOptions } from '../../src/agents/procedure-store.js';
import { AuditLedger } from '../../src/memory/audit-ledger.js';
import { openDatabase, type Db } from '../../src/memory/database.js';
import { GoalStore } from '../../src/memory/goal-store.js';
import { MemoryStore } from '../../src/memory/memory-store.js';
import { createBuiltinRegistry } from '../../src/tools/builtin-tools.js';
import { SnapshotStore } from '../../src/recovery/snapshot-store.js';
import type { DaemonEvent } from '../../src/protocol/events.js';

export interface EngineRig {
  dir: string;
  db: Db;
  engine: GoalEngine;
  procedures: ProcedureStore;
  ledger: AuditLedger;
  events: DaemonEvent[];
  actor: Actor;
  dispose: () => void;
}

export function engineRig(
  planner: (procedures: ProcedureStore, dir: string) => Planner,
  opts: {
    autonomy?: Autonomy;
    tools?: (dir: string) => Tool[];
    procedures?: ProcedureStoreOptions;
    /** The sandbox writing shell commands run in (the daemon's writeSandbox().wrap); absent: they run unconfined. */
    writeSandbox?: (argv: readonly string[], writable: readonly string[]) => string[];
  } = {},
): EngineRig {
  const dir = mkdtempSync(join(tmpdir(), 'aios-engine-'));
  const db = openDatabase(join(dir, 'aios.db'));
  const procedures = new ProcedureStore(db, opts.procedures);
  const ledger = new AuditLedger(db);
  const events: DaemonEvent[] = [];
  const registry = createBuiltinRegistry({ timeoutMs: 5000, outputCapBytes: 1 << 20 });
  for (const tool of opts.tools?.(dir) ?? []) registry.register(tool);
  const engine = new GoalEngine({
    store: new GoalStore(db),
    planner: planner(procedures, dir),
    registry,
    ...(opts.autonomy === undefined ? {} : { autonomy: () => opts.autonomy as Autonomy }),
    snapshots: new SnapshotStore(db, join(dir, 'snapshots')),
    ledger,
    memory: new MemoryStore(db),
    procedures,
    emit: (e) => events.push(e),
    securityMode: () => 'normal',
    ...(opts.writeSandbox === undefined ? {} : { writeSandbox: opts.writeSandbox }),
  });
  return {
    dir,
    db,
    engine,
    procedures,
    ledger,
    events,
    actor: {
      uid: process.getuid?.() ?? 0,
      gid: process.getgid?.() ?? 0,
      groups: [],
      name: 'tester',
      role: 'admin',
      home: dir,
    },
    dispose: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
