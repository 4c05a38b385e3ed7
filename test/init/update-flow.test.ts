// A/B updates end to end without a VM: a fake root with real slot trees (unpacked from real
// signed bundles), a real GRUB environment block (grub-editenv), and aios-init started the way
// grub.cfg boots it: aios_next once (cleared first), else aios_active. Each "boot" is
// `aios-init run` from a slot's own tree; the restart an update asks for is its exit code 3.
// Covered: an update that passes its health check and becomes aios_active; a rollback by hand;
// a bundle whose aiosd cannot start, which fails its health check and falls back to the old
// slot by itself, which says so at the next login; a slot whose aios-init dies at once (a PID 1
// that cannot start), after which GRUB's cleared aios_next boots the old slot; and the ledger's
// record of each.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { daemonStatus } from '../../init/daemon-probe.js';
import { GrubEnv } from '../../src/update/grubenv.js';
import { installSlot, receiveBundle } from '../../init/update/slot-install.js';
import { readUpdateState } from '../../src/update/update-state.js';
import { resolvePaths } from '../../src/config/paths.js';
import { spawnInPty } from '../helpers/pty-screen.js';
import { makeBundle, stageTree, tinyTree } from '../helpers/update-bundles.js';
import { eventually } from '../helpers/until.js';

let dir: string;
let slots: string;
let keys: string;
let grub: GrubEnv;
let env: NodeJS.ProcessEnv;
const bundles: Record<'base' | 'next' | 'broken' | 'deadInit', string> = {
  base: '',
  next: '',
  broken: '',
  deadInit: '',
};

interface Boot {
  slot: string;
  proc: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}
const booted: Boot[] = [];

/** What grub.cfg does: aios_next once (cleared with save_env before booting), else aios_active. */
function boot(extraEnv: NodeJS.ProcessEnv = {}): Boot {
  const vars = grub.read();
  const next = vars['aios_next'] ?? '';
  const slot = next !== '' ? next : (vars['aios_active'] ?? 'a');
  if (next !== '') grub.set({ aios_next: '' });
  let output = '';
  const proc = spawn(process.execPath, [join(slots, slot, 'bin', 'aios-init.js'), 'run'], {
    env: { ...env, AIOS_SLOT: slot, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const b = { slot, proc, output: () => output, exit };
  booted.push(b);
  return b;
}

const socket = (): string => resolvePaths({ env, uid: process.getuid?.() ?? 0, home: dir }).socketPath;

async function up(b: Boot): Promise<void> {
  await eventually(
    () => `aiosd of slot ${b.slot} answering; aios-init said:\n${b.output()}`,
    async () => {
      try {
        return await daemonStatus(socket(), AbortSignal.timeout(2000));
      } catch {
        return null;
      }
    },
    90_000,
  );
}

function aios(slot: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [join(slots, slot, 'bin', 'aios.js'), ...args], { env, encoding: 'utf8' });
}

function ledger(): { action: string; subject: string; detail: Record<string, unknown> }[] {
  const db = new Database(join(dir, 'state', 'aios.db'), { readonly: true });
  try {
    return (
      db.prepare("SELECT action, subject, detail FROM audit WHERE action LIKE 'update.%' ORDER BY seq").all() as {
        action: string;
        subject: string;
        detail: string;
      }[]
    ).map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  } finally {
    db.close();
  }
}

async function stop(b: Boot): Promise<void> {
  b.proc.kill('SIGTERM');
  expect(await b.exit).toBe(0);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aios-update-'));
  slots = join(dir, 'opt', 'aios', 'slots');
  keys = join(dir, 'etc', 'aios', 'update-keys');
  mkdirSync(keys, { recursive: true });
  mkdirSync(join(dir, 'boot', 'grub'), { recursive: true });
  const grubenv = join(dir, 'boot', 'grub', 'grubenv');
  execFileSync('grub-editenv', [grubenv, 'create']);
  grub = new GrubEnv(grubenv);
  grub.set({ aios_active: 'a', aios_next: '' });
  env = {
    ...process.env,
    AIOS_MODE: 'user',
    AIOS_STATE_DIR: join(dir, 'state'),
    AIOS_CONFIG: join(dir, 'config.toml'),
    HOME: dir,
    AIOS_SLOTS_DIR: slots,
    AIOS_GRUBENV: grubenv,
    AIOS_UPDATE_KEYS: keys,
    AIOS_UPDATE_HEALTH_S: '120',
  };
  // One tree, three bundles: the installed aiOS, a newer one, and a newer one whose aiosd exits at once.
  const tree = stageTree(join(dir, 'tree'));
  const key = join(dir, 'signer.pem');
  bundles.base = makeBundle({ tree, key, out: join(dir, 'base.aios'), version: '50.0.0' });
  copyFileSync(`${key}.pub`, join(keys, 'signer.pub'));
  bundles.next = makeBundle({ tree, key, out: join(dir, 'next.aios'), version: '50.1.0' });
  const broken = join(dir, 'tree-broken');
  execFileSync('cp', ['-al', tree, broken]);
  unlinkSync(join(broken, 'bin', 'aios.js'));
  writeFileSync(
    join(broken, 'bin', 'aios.js'),
    "process.stderr.write('aiosd: broken on purpose\\n');\nprocess.exit(1);\n",
  );
  bundles.broken = makeBundle({ tree: broken, key, out: join(dir, 'broken.aios'), version: '50.2.0' });
  rmSync(tree, { recursive: true });
  rmSync(broken, { recursive: true });
  // A slot whose aios-init dies at once, as a PID 1 that cannot start (the kernel would panic, and panic=10 reboot).
  const dead = tinyTree(join(dir, 'tree-dead'));
  writeFileSync(
    join(dead, 'bin', 'aios-init.js'),
    "process.stderr.write('aios-init: dies at start\\n');\nprocess.exit(1);\n",
  );
  bundles.deadInit = makeBundle({ tree: dead, key, out: join(dir, 'dead.aios'), version: '50.3.0' });
  // The node as the image installs it: slot a holds the base bundle.
  const { copy, verified } = receiveBundle(bundles.base, slots, {
    keysDir: keys,
    currentVersion: null,
    allowDowngrade: false,
  });
  await installSlot(copy, verified, slots, 'a');
  rmSync(copy);
}, 600_000);

/** A test that failed half way leaves its aios-init running: the next one must not boot beside it. */
async function killLeftovers(): Promise<void> {
  for (const b of booted)
    if (b.proc.exitCode === null && b.proc.signalCode === null) {
      b.proc.kill('SIGTERM');
      await Promise.race([b.exit, new Promise((r) => setTimeout(r, 20_000))]);
      if (b.proc.exitCode === null && b.proc.signalCode === null) b.proc.kill('SIGKILL');
      await b.exit;
    }
}

beforeEach(killLeftovers, 60_000);
afterAll(async () => {
  await killLeftovers();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('aios update, A/B', () => {
  it('installs a newer bundle into slot b, restarts into it, passes the health check and makes b active', async () => {
    const first = boot();
    expect(first.slot).toBe('a');
    await up(first);
    const refused = aios('a', ['update', join(dir, 'no-such.aios'), '--yes']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/no-such\.aios does not exist/);
    const noYes = aios('a', ['update', bundles.next]);
    expect(noYes.status).toBe(2);
    expect(noYes.stderr).toMatch(/run again with --yes/);

    const r = aios('a', ['update', bundles.next, '--yes', '--json']);
    expect(r.stderr).toBe('');
    const accepted = JSON.parse(r.stdout) as { id: string; to: { slot: string; version: string } };
    expect(accepted.to).toMatchObject({ slot: 'b', version: '50.1.0' });
    expect(await first.exit).toBe(3);
    // The restart came on aiosd's word that the CLI had its answer, not at the 5 s bound.
    expect(first.output()).toContain(`${accepted.id}: aiosd answered its client; restarting`);
    expect(first.output()).not.toMatch(/did not say within/);
    expect(grub.read()).toMatchObject({ aios_active: 'a', aios_next: 'b' });

    const second = boot();
    expect(second.slot).toBe('b');
    expect(grub.read()['aios_next']).toBe('');
    await eventually(
      () => `slot b to pass its health check; aios-init said:\n${second.output()}`,
      () => readUpdateState(slots)?.phase === 'succeeded',
      150_000,
    );
    expect(grub.read()).toMatchObject({ aios_active: 'b' });
    const status = JSON.parse(aios('b', ['update', '--status', '--json']).stdout) as {
      slot: string;
      version: string;
      other: { version: string };
      notice: string | null;
    };
    expect(status).toMatchObject({ slot: 'b', version: '50.1.0', other: { version: '50.0.0' }, notice: null });
    await eventually('the outcome in the ledger', () => ledger().some((e) => e.action === 'update.outcome'));
    // The refused request (the missing file) is recorded too: request, then why it was refused.
    expect(ledger().map((e) => e.action)).toEqual([
      'update.request',
      'update.refused',
      'update.request',
      'update.accepted',
      'update.outcome',
    ]);
    const mine = ledger().filter((e) => e.subject === accepted.id);
    expect(mine.map((e) => e.action)).toEqual(['update.request', 'update.accepted', 'update.outcome']);
    expect(mine[2]?.detail).toMatchObject({ outcome: 'succeeded', to: 'b 50.1.0' });
    expect(aios('b', ['audit', 'verify']).status).toBe(0);

    // A downgrade is refused with what to do.
    const down = aios('b', ['update', bundles.base, '--yes']);
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(
      /older than the running 50\.1\.0: a downgrade is refused unless asked for with --allow-downgrade/,
    );
    await stop(second);
  }, 400_000);

  it('goes back by hand with --rollback, through the same health check', async () => {
    const b = boot();
    expect(b.slot).toBe('b');
    await up(b);
    const r = aios('b', ['update', '--rollback', '--yes']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/rollback .*: aiOS 50\.0\.0 is in slot a/);
    expect(await b.exit).toBe(3);
    const a = boot();
    expect(a.slot).toBe('a');
    await eventually(
      () => `slot a to pass its health check; aios-init said:\n${a.output()}`,
      () => readUpdateState(slots)?.phase === 'succeeded',
      150_000,
    );
    expect(grub.read()['aios_active']).toBe('a');
    expect(grub.read()['aios_next'] ?? '').toBe('');
    await stop(a);
  }, 400_000);

  it('falls back to the old slot by itself when the new aiosd cannot start, and says so at the next login', async () => {
    const a = boot();
    await up(a);
    const r = aios('a', ['update', bundles.broken, '--yes', '--json']);
    expect(r.status).toBe(0);
    expect(await a.exit).toBe(3);
    // The broken slot: its aiosd exits at once, so the health check fails at its deadline and it restarts.
    const trial = boot({ AIOS_UPDATE_HEALTH_S: '20' });
    expect(trial.slot).toBe('b');
    expect(await trial.exit).toBe(3);
    expect(grub.read()['aios_active']).toBe('a');
    expect(grub.read()['aios_next'] ?? '').toBe('');
    const s = readUpdateState(slots);
    expect(s).toMatchObject({ phase: 'failed', failedIn: 'health', to: { slot: 'b', version: '50.2.0' } });
    expect(s?.reason).toMatch(/aiosd did not answer within \d+ s/);

    const back = boot();
    expect(back.slot).toBe('a');
    await up(back);
    const login = spawnInPty(process.execPath, [join(slots, 'a', 'bin', 'aios-shell.js')], {
      cols: 160,
      rows: 30,
      env: env as Record<string, string>,
      term: 'xterm-256color',
    });
    try {
      // The whole line, to its end: output arrives in chunks.
      await login.waitFor(
        /update to 50\.2\.0 failed its health check: aiosd did not answer[^]*running 50\.0\.0 \(slot a\)/,
        30_000,
      );
    } finally {
      login.kill();
    }
    expect(aios('a', ['status']).stdout).toMatch(/! update to 50\.2\.0 failed its health check/);
    await eventually('the failure in the ledger', () =>
      ledger().some((e) => e.action === 'update.outcome' && e.detail['outcome'] === 'failed'),
    );
    const outcome = ledger()
      .filter((e) => e.action === 'update.outcome')
      .at(-1);
    expect(outcome?.detail).toMatchObject({ outcome: 'failed', failedIn: 'health', to: 'b 50.2.0', running: 'a' });
    expect(aios('a', ['audit', 'verify']).status).toBe(0);
    await stop(back);
  }, 400_000);

  it("falls back by itself when the new slot's aios-init cannot start at all, and says so", async () => {
    const a = boot();
    expect(a.slot).toBe('a');
    await up(a);
    expect(aios('a', ['update', bundles.deadInit, '--yes']).status).toBe(0);
    expect(await a.exit).toBe(3);
    // GRUB boots slot b once; its PID 1 dies, the node resets, and GRUB boots aios_active: a.
    const dead = boot();
    expect(dead.slot).toBe('b');
    expect(await dead.exit).toBe(1);
    const back = boot();
    expect(back.slot).toBe('a');
    await up(back);
    const status = JSON.parse(aios('a', ['update', '--status', '--json']).stdout) as {
      slot: string;
      last: { phase: string; failedIn: string };
      notice: string;
    };
    expect(status.slot).toBe('a');
    expect(status.last).toMatchObject({ phase: 'failed', failedIn: 'boot' });
    expect(status.notice).toBe(
      'update to 50.3.0 did not boot: slot b did not start: its aios-init never ran (the node came back in slot a); running 50.0.0 (slot a)',
    );
    await eventually('the failure in the ledger', () =>
      ledger().some((e) => e.action === 'update.outcome' && e.detail['to'] === 'b 50.3.0'),
    );
    await stop(back);
  }, 400_000);
});
