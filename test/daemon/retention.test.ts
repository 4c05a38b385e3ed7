// Retention (gc/run, aios gc) against a real aiosd and its real database: old final goals go with
// their snapshots and blobs; a retained goal keeps its undo; the ledger still verifies.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/memory/database.js';
import { RpcError, type AiosClient } from '../../src/protocol/client.js';
import { ErrorCode } from '../../src/protocol/jsonrpc.js';
import { aiosBin, daemonForSuite, type TestDaemon } from '../helpers/daemon.js';
import { waitForGoal } from '../helpers/wait.js';

let d: TestDaemon;
let c: AiosClient;
daemonForSuite((daemon, client) => {
  d = daemon;
  c = client;
});

const OLD = new Date(Date.now() - 200 * 86_400_000).toISOString();
const blobDir = (): string => join(d.stateDir, 'snapshots');
const blobPath = (sha: string): string => join(blobDir(), sha.slice(0, 2), sha);

/** Overwrites an existing file, so the step's snapshot holds its old content as a blob. */
async function overwrite(
  name: string,
  before: string,
  after: string,
): Promise<{ goalId: string; file: string; sha: string }> {
  const file = join(d.dir, name);
  writeFileSync(file, before);
  const goal = await c.call('goal/submit', { text: `write ${after} to ${file}` });
  await c.call('plan/decide', { planId: goal.plan?.id ?? '', planHash: goal.plan?.hash ?? '', decision: 'approve' });
  const done = await waitForGoal(c, goal.id);
  expect(done.state).toBe('succeeded');
  const snapshotId = done.plan?.steps[0]?.snapshotId ?? '';
  const db = openDatabase(join(d.stateDir, 'aios.db'));
  const row = db
    .prepare('SELECT sha256 FROM snapshot_entries WHERE snapshot_id = ? AND sha256 IS NOT NULL')
    .get(snapshotId) as { sha256: string } | undefined;
  db.close();
  if (row === undefined) throw new Error(`snapshot ${snapshotId} holds no content blob`);
  return { goalId: goal.id, file, sha: row.sha256 };
}

/** Blob files are kept for a grace period after they are written: make every one look old. */
function ageBlobFiles(): void {
  const then = new Date(Date.now() - 3_600_000);
  for (const sub of readdirSync(blobDir()).filter((s) => /^[0-9a-f]{2}$/.test(s))) {
    for (const name of readdirSync(join(blobDir(), sub))) utimesSync(join(blobDir(), sub, name), then, then);
  }
}

function aios(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [aiosBin, ...args], { env: d.env, encoding: 'utf8' });
}

async function code(p: Promise<unknown>): Promise<number | null> {
  try {
    await p;
  } catch (err) {
    if (err instanceof RpcError) return err.code;
    throw err;
  }
  throw new Error('expected an error');
}

describe('retention: gc/run and aios gc', () => {
  it("collects old final goals with their snapshots and blobs, keeps a retained goal's undo, and the ledger still verifies", async () => {
    const old = await overwrite('old.txt', 'old original\n', 'old-changed');
    const kept = await overwrite('kept.txt', 'kept original\n', 'kept-changed');
    expect(old.sha).not.toBe(kept.sha);

    // Age the first goal (and its rows) past 90 days, plus one stray event and one memory.
    const db = openDatabase(join(d.stateDir, 'aios.db'));
    db.prepare('UPDATE goals SET created_at = ?, updated_at = ? WHERE id = ?').run(OLD, OLD, old.goalId);
    db.prepare('INSERT INTO events (ts, type, goal_id, payload) VALUES (?, ?, NULL, ?)').run(OLD, 'test.old', '{}');
    db.prepare(
      "INSERT INTO memories (id, kind, content, metadata, created_at) VALUES ('gc-test-memory', 'note', 'an old note', '{}', ?)",
    ).run(OLD);
    db.close();
    ageBlobFiles();

    // A dry run reports and changes nothing.
    const dry = await c.call('gc/run', { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, goals: { count: 1 }, memories: { count: 1 } });
    expect(dry.events.count).toBeGreaterThanOrEqual(1);
    expect(dry.snapshots.count).toBe(1);
    expect(dry.blobs.count).toBeGreaterThanOrEqual(1);
    expect(dry.blobs.bytes).toBeGreaterThanOrEqual('old original\n'.length);
    expect((await c.call('goal/get', { goalId: old.goalId })).state).toBe('succeeded');
    expect(existsSync(blobPath(old.sha))).toBe(true);
    expect(aios('gc', '--dry-run', '--json').status).toBe(0);
    expect(existsSync(blobPath(old.sha))).toBe(true);

    // Without --yes the CLI only says what it would free, and exits 2.
    const refused = aios('gc');
    expect(refused.status).toBe(2);
    expect(refused.stdout).toMatch(/would free/);
    expect(refused.stderr).toMatch(/--yes/);
    expect(existsSync(blobPath(old.sha))).toBe(true);

    const ran = aios('gc', '--yes', '--json');
    expect(ran.status).toBe(0);
    const r = JSON.parse(ran.stdout) as { dryRun: boolean; goals: { count: number }; blobs: { count: number } };
    expect(r).toMatchObject({ dryRun: false, goals: { count: 1 } });

    // The old goal, its snapshot and its blob are gone; the retained one's are not.
    expect(await code(c.call('goal/get', { goalId: old.goalId }))).toBe(ErrorCode.NotFound);
    expect(existsSync(blobPath(old.sha))).toBe(false);
    expect(existsSync(blobPath(kept.sha))).toBe(true);
    const after = openDatabase(join(d.stateDir, 'aios.db'));
    const left = (sql: string, ...args: string[]): number => (after.prepare(sql).get(...args) as { n: number }).n;
    expect(left('SELECT COUNT(*) AS n FROM plans WHERE goal_id = ?', old.goalId)).toBe(0);
    expect(left('SELECT COUNT(*) AS n FROM events WHERE goal_id = ?', old.goalId)).toBe(0);
    expect(left('SELECT COUNT(*) AS n FROM tool_calls WHERE goal_id = ?', old.goalId)).toBe(0);
    expect(left('SELECT COUNT(*) AS n FROM snapshots WHERE goal_id = ?', old.goalId)).toBe(0);
    expect(left("SELECT COUNT(*) AS n FROM memories WHERE id = 'gc-test-memory'")).toBe(0);
    expect(left('SELECT COUNT(*) AS n FROM snapshots WHERE goal_id = ?', kept.goalId)).toBe(1);
    after.close();

    // The retained goal still rolls back to its exact previous content.
    const rolled = await c.call('goal/rollback', { goalId: kept.goalId });
    expect(rolled.state).toBe('rolled_back');
    expect(readFileSync(kept.file, 'utf8')).toBe('kept original\n');

    // Collection deletes no audit entry: the chain verifies, and the run itself is in it.
    const verify = await c.call('audit/verify', {});
    expect(verify.ok).toBe(true);
    expect(aios('audit', 'verify').status).toBe(0);
    const page = await c.call('audit/list', { limit: 50 });
    expect(page.entries.some((e) => e.action === 'gc.run')).toBe(true);

    // Nothing left to collect: a second run frees nothing.
    const again = await c.call('gc/run', { dryRun: false });
    expect(again.goals.count).toBe(0);
  }, 60_000);

  it('refuses an age it cannot read', async () => {
    expect(await code(c.call('gc/run', { olderThan: 'soon', dryRun: true }))).toBe(ErrorCode.InvalidParams);
  });

  it('archives old ledger entries under a signed seal: verify passes, the archive checks out, and a damaged one is named', async () => {
    await overwrite('sealed.txt', 'before\n', 'after');
    const head = (await c.call('audit/verify', {})).entries;
    // Every age at 0 s: all entries but the newest leave the database.
    const ran = aios('gc', '--older-than', '0s', '--yes');
    expect(ran.status).toBe(0);
    expect(ran.stdout).toMatch(/ledger +\d+ .*archived under a signed seal/);
    const verify = aios('audit', 'verify', '--archives');
    expect(verify.stdout).toMatch(/entries 1 to \d+ archived under signed seals/);
    expect(verify.stdout).toMatch(/archive of entries 1 to \d+: intact/);
    expect(verify.status).toBe(0);
    const r = await c.call('audit/verify', { archives: true });
    expect(r).toMatchObject({ ok: true, firstBad: null });
    expect(r.sealedThrough).toBeGreaterThanOrEqual(head - 1);
    // The chain goes on after the seal.
    await overwrite('sealed2.txt', 'before\n', 'after');
    expect((await c.call('audit/verify', {})).ok).toBe(true);
    // An archive file damaged on disk: verify --archives names it and fails.
    const dir = join(d.stateDir, 'audit-archive');
    const [name] = readdirSync(dir);
    writeFileSync(join(dir, name ?? ''), 'not gzip');
    const broken = aios('audit', 'verify', '--archives');
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(/archive of entries 1 to \d+: BROKEN: cannot read/);
  }, 60_000);
});
