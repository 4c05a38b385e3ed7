// A goal engine over real stores in a temp dir, with the planner, security mode and protected
// aiOS directories a test chooses: for approval and execution tests without a daemon process.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoalEngine } from '../../src/agents/goal-engine.js';
import type { Actor } from '../../src/agents/approval-policy.js';
import type { SecurityMode } from '../../src/protocol/vocabulary.js';
import { aiosProtectedPaths, createPolicy } from '../../src/agents/plan-policy.js';
import type { Planner } from '../../src/agents/planner.js';
import { ReactivePlanner } from '../../src/agents/reactive-planner.js';
import { AuditLedger } from '../../src/memory/audit-ledger.js';
import { openDatabase, type Db } from '../../src/memory/database.js';
import { GoalStore } from '../../src/memory/goal-store.js';
import { MemoryStore } from '../../src/memory/memory-store.js';
import type { PolicyEngine } from '../../src/policy/policy-engine.js';
import type { GoalView, PlanStepSpec, Tier } from '../../src/protocol/model.js';
import { createBuiltinRegistry } from '../../src/tools/builtin-tools.js';
import { SnapshotStore } from '../../src/recovery/snapshot-store.js';
import { PackageStateProvider } from '../../src/tools/apt.js';
import { FirewallStateProvider } from '../../src/tools/firewall.js';
import { detectServiceManager, ServiceStateProvider, type ServiceManager } from '../../src/tools/service-manager.js';

export interface Rig {
  dir: string;
  configDir: string;
  db: Db;
  engine: GoalEngine;
  ledger: AuditLedger;
  snapshots: SnapshotStore;
  admin: Actor;
  operator: Actor;
  /** The security mode from now on (as if the configuration changed). */
  setMode: (mode: SecurityMode) => void;
  /** Waits for the goal to finish running and returns it. */
  settle: (goalId: string) => Promise<GoalView>;
  actions: () => string[];
  dispose: () => Promise<void>;
}

/** A planner that proposes exactly these steps, as a model tier would. */
export function scripted(tier: Tier, steps: Omit<PlanStepSpec, 'dependsOn' | 'risk' | 'reversible'>[]): Planner {
  return {
    tier,
    plan: () =>
      Promise.resolve({
        kind: 'plan',
        tier,
        explanation: 'scripted',
        steps: steps.map((s) => ({ ...s, risk: 'low' as const, reversible: true, dependsOn: [] })),
      }),
  };
}

export function rig(opts: { mode?: SecurityMode; planner?: Planner; serviceManager?: ServiceManager } = {}): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'aios-rig-'));
  const configDir = join(dir, 'aios-config');
  mkdirSync(configDir);
  const db = openDatabase(join(dir, 'state', 'aios.db'));
  const ledger = new AuditLedger(db);
  const services = opts.serviceManager ?? detectServiceManager();
  const snapshots = new SnapshotStore(db, join(dir, 'state', 'snapshots'), [
    new PackageStateProvider(),
    new ServiceStateProvider(services),
    new FirewallStateProvider(),
  ]);
  let mode: SecurityMode = opts.mode ?? 'normal';
  const policy: PolicyEngine = createPolicy({
    mode: () => mode,
    protectedPaths: aiosProtectedPaths({
      stateDir: join(dir, 'state'),
      configDirs: [configDir],
      secretsFile: join(configDir, 'secrets.toml'),
    }),
  });
  const engine = new GoalEngine({
    store: new GoalStore(db),
    planner: opts.planner ?? new ReactivePlanner(),
    registry: createBuiltinRegistry({ timeoutMs: 10_000, outputCapBytes: 1 << 20, serviceManager: services }),
    snapshots,
    ledger,
    memory: new MemoryStore(db),
    emit: () => undefined,
    securityMode: () => mode,
    policy,
  });
  return {
    dir,
    configDir,
    db,
    engine,
    ledger,
    snapshots,
    admin: { uid: 0, gid: 0, groups: [], name: 'root', role: 'admin', home: dir },
    operator: { uid: 1000, gid: 1000, groups: [], name: 'ada', role: 'operator', home: dir },
    setMode: (m) => {
      mode = m;
    },
    settle: async (goalId) => {
      await engine.idle();
      return engine.get(goalId);
    },
    actions: () =>
      (db.prepare('SELECT action FROM audit ORDER BY seq').all() as { action: string }[]).map((r) => r.action),
    dispose: async () => {
      await engine.idle();
      await policy.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
