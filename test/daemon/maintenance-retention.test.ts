// The maintenance agent's retention: listed as its job in `aios agents`, and run at once when the
// state directory's filesystem fills past [retention] low_disk_pct — a real small tmpfs, really
// filled — saying what it freed (an alert the TUI and line mode show, the ledger's gc.run, the
// log), with the ledger still verifying.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskFill } from '../../src/agents/maintenance/maintenance-agent.js';
import { openDatabase } from '../../src/memory/database.js';
import type { AiosClient } from '../../src/protocol/client.js';
import type { DaemonEvent } from '../../src/protocol/events.js';
import { aiosBin, disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/until.js';
import { waitForGoal } from '../helpers/wait.js';

const MiB = 1024 * 1024;
let mount: string;
let stateDir: string;
let d: TestDaemon | undefined;
let c: AiosClient;
const alerts: string[] = [];

beforeAll(async () => {
  // A filesystem of its own for the state directory, small enough to fill in a test.
  mount = mkdtempSync(join(tmpdir(), 'aios-lowdisk-'));
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64m,mode=0700', 'tmpfs', mount], { encoding: 'utf8' });
  if (m.status !== 0) throw new Error(`mount tmpfs (the test runs as root, as CI does): ${m.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), 'aios-lowdisk-home-'));
  writeFileSync(join(dir, 'config.toml'), '[retention]\nlow_disk_pct = 70\n');
  stateDir = join(mount, 'state');
  d = await startTestDaemon({ dir, env: { AIOS_STATE_DIR: stateDir, AIOS_SOCKET: join(stateDir, 'aiosd.sock') } });
  c = await d.client();
  c.onEvent((e: DaemonEvent) => {
    if (e.type === 'alert') alerts.push(e.message);
  });
  await c.call('events/subscribe', {});
}, 60_000);

afterAll(async () => {
  c?.close();
  await disposeTestDaemon(d);
  spawnSync('umount', ['-l', mount]);
  rmSync(mount, { recursive: true, force: true });
});

function aios(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [aiosBin, ...args], { env: d?.env, encoding: 'utf8' });
}

describe('the maintenance agent', () => {
  it('lists retention as its job in aios agents, next run a day after aiosd started', async () => {
    const r = await c.call('agents/list', {});
    const agent = r.agents.find((a) => a.name === 'maintenance');
    const job = agent?.jobs?.find((j) => j.name === 'retention');
    expect(job?.schedule).toMatch(/^daily, and at once when the state directory's filesystem is 70% full/);
    const inHours = (Date.parse(job?.next ?? '') - Date.now()) / 3_600_000;
    expect(inHours).toBeGreaterThan(23);
    expect(inHours).toBeLessThanOrEqual(24);
    expect(job?.last).toBeNull();
    expect(r.agents.find((a) => a.name === 'storage')?.jobs).toBeUndefined();
    const text = aios('agents');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/maintenance .*\n.*\n\s+job retention: daily, .*; next \S+; last not run yet/);
  });

  it('collects at once when the state filesystem fills, says what it freed, and the ledger verifies', async () => {
    if (d === undefined) throw new Error('no daemon');
    // An old goal whose step snapshot holds 8 MiB: what collection can free.
    const file = join(d.dir, 'big.bin');
    writeFileSync(file, randomBytes(8 * MiB));
    const goal = await c.call('goal/submit', { text: `write small to ${file}` });
    await c.call('plan/decide', { planId: goal.plan?.id ?? '', planHash: goal.plan?.hash ?? '', decision: 'approve' });
    expect((await waitForGoal(c, goal.id, 60_000)).state).toBe('succeeded');
    const old = new Date(Date.now() - 200 * 86_400_000).toISOString();
    const db = openDatabase(join(stateDir, 'aios.db'));
    db.prepare('UPDATE goals SET created_at = ?, updated_at = ? WHERE id = ?').run(old, old, goal.id);
    db.close();
    const blobs = join(stateDir, 'snapshots');
    const blobFiles = readdirSync(blobs)
      .filter((s) => /^[0-9a-f]{2}$/.test(s))
      .flatMap((s) => readdirSync(join(blobs, s)).map((n) => join(blobs, s, n)));
    expect(blobFiles.length).toBeGreaterThan(0);
    const then = new Date(Date.now() - 3_600_000);
    for (const f of blobFiles) utimesSync(f, then, then); // past the blob files' grace period

    // Fill the filesystem past 70%, beside the state directory.
    const before = diskFill(stateDir);
    expect(before.usedPct).toBeLessThan(70);
    mkdirSync(join(mount, 'filler'));
    const fillBytes = Math.ceil(((75 - before.usedPct) / 100) * 64 * MiB);
    writeFileSync(join(mount, 'filler', 'data'), Buffer.alloc(fillBytes, 1));
    expect(diskFill(stateDir).usedPct).toBeGreaterThanOrEqual(70);

    const notice = await eventually(
      () => `the low-disk alert; alerts so far: ${JSON.stringify(alerts)}; log: ${d?.log() ?? ''}`,
      () => alerts.find((a) => /retention|collected/.test(a)),
      30_000,
    );
    expect(notice).toMatch(
      /^maintenance: the state directory's filesystem was 7\d% full \(at least 70% starts collection\): collected 1 goals, .*, [1-9]\d* blobs, 0 ledger entries archived \(8\.\d MiB\); now [4-6]\d% full$/,
    );
    for (const f of blobFiles) expect(existsSync(f)).toBe(false);
    expect(diskFill(stateDir).usedPct).toBeLessThan(70);

    // The ledger has the run, and still verifies; the events table has the notice.
    const page = await c.call('audit/list', { limit: 50 });
    const run = page.entries.find((e) => e.action === 'gc.run' && e.subject === 'low-disk');
    expect(run?.actor).toBe('aiosd');
    expect((await c.call('audit/verify', {})).ok).toBe(true);
    const events = openDatabase(join(stateDir, 'aios.db'));
    const stored = events.prepare("SELECT payload FROM events WHERE type = 'alert'").all() as { payload: string }[];
    events.close();
    expect(stored.some((e) => e.payload.includes('collected 1 goals'))).toBe(true);

    // aios agents shows it as the job's last result.
    const jobs = (await c.call('agents/list', {})).agents.find((a) => a.name === 'maintenance')?.jobs;
    expect(jobs?.find((j) => j.name === 'retention')?.last).toMatchObject({ ok: true });
    expect(d.log()).toMatch(/maintenance: retention \(low disk\): the state directory's filesystem was/);
  }, 120_000);
});
