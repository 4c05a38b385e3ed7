// Facts before planning are read as the goal's owner: the fact gatherer's calls for an
// operator's goal go through that operator's helper (a real one, as a real account), so a model
// planner learns only what the operator could read; an admin's goal reads as root.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FactGatherer } from '../../src/agents/facts/fact-gatherer.js';
import { createPolicy } from '../../src/agents/plan-policy.js';
import { AuditLedger } from '../../src/memory/audit-ledger.js';
import { GoalStore } from '../../src/memory/goal-store.js';
import { HelperPool } from '../../src/runas/helper-pool.js';
import { hostOf, runAs } from '../../src/runas/step-host.js';
import { createBuiltinRegistry } from '../../src/tools/builtin-tools.js';
import { tempDatabase } from '../memory/temp-db.js';
import { createAccount, isRoot, type TestAccount } from '../helpers/system-users.js';

describe.skipIf(!isRoot)('facts before planning, as the goal’s owner', () => {
  let account: TestAccount;
  let dir: string;
  let pool: HelperPool;
  let tdb: ReturnType<typeof tempDatabase>;
  let facts: FactGatherer;

  beforeAll(() => {
    account = createAccount('ar', ['aios-operator']);
    dir = mkdtempSync('/var/tmp/aios-runas-facts-');
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'root-only'), 'ROOT-SECRET\n', { mode: 0o600 });
    tdb = tempDatabase();
    const store = new GoalStore(tdb.db);
    store.createGoal({
      id: 'OPERATOR',
      text: 'what is in the file',
      state: 'planning',
      submittedBy: account.name,
      submittedUid: account.uid,
    });
    store.createGoal({
      id: 'ADMIN',
      text: 'what is in the file',
      state: 'planning',
      submittedBy: 'root',
      submittedUid: 0,
    });
    pool = new HelperPool({
      tools: {
        timeoutMs: 10_000,
        outputCapBytes: 1 << 20,
        initSocket: join(dir, 'init.sock'),
        serviceEnv: {},
        locations: {
          stateDir: join(dir, 'state'),
          configDirs: [join(dir, 'etc')],
          secretsFile: join(dir, 'secrets.toml'),
        },
        sandbox: null,
      },
    });
    const owners = runAs({ pool, sandbox: null, runsAsRoot: (uid) => uid === 0 });
    facts = new FactGatherer({
      registry: createBuiltinRegistry({ timeoutMs: 10_000, outputCapBytes: 1 << 20 }),
      policy: createPolicy({ mode: () => 'normal' }),
      ledger: new AuditLedger(tdb.db),
      record: (type, goalId, payload) => store.recordEvent(type, goalId, payload),
      callTimeoutMs: 30_000,
      hostFor: (goalId) => hostOf({ runAs: owners, store }, goalId),
    });
  });
  afterAll(() => {
    pool.close();
    tdb.close();
    account.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an operator’s goal learns only what the operator may read', async () => {
    const answer = await facts.call('OPERATOR', 'fs.read', { path: join(dir, 'root-only') });
    expect(answer.refused).toBe(false);
    expect(answer.text).toMatch(/^failed: .*(EACCES|permission denied)/i);
    expect(answer.text).not.toContain('ROOT-SECRET');
  }, 60_000);

  it('an admin’s goal reads as root', async () => {
    const answer = await facts.call('ADMIN', 'fs.read', { path: join(dir, 'root-only') });
    expect(answer.text).toContain('ROOT-SECRET');
    expect(pool.running().map((r) => r.uid)).toEqual([account.uid]);
  }, 60_000);
});
