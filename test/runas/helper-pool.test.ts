// The run-as helper on its own: a real helper process, started by a root test as a real extra
// account (prefix ar, a member of aios-operator and of a group of its own), doing real tool
// calls that the kernel allows or refuses.
import {
  chmodSync,
  chownSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuiltinRegistry } from '../../src/tools/builtin-tools.js';
import { HelperPool } from '../../src/runas/helper-pool.js';
import type { RunAsHelper } from '../../src/runas/helper-process.js';
import { createAccount, ensureGroup, isRoot, type TestAccount } from '../helpers/system-users.js';
import { eventually } from '../helpers/until.js';

const registry = createBuiltinRegistry({ timeoutMs: 10_000, outputCapBytes: 1 << 20 });
const tool = (name: string) => {
  const t = registry.get(name);
  if (t === undefined) throw new Error(`no tool ${name}`);
  return t;
};
const parsed = (name: string, args: unknown): unknown => {
  const v = registry.validate(name, args);
  if (!v.ok) throw new Error(v.error);
  return v.args;
};

describe.skipIf(!isRoot)('run-as helper', () => {
  let account: TestAccount;
  let dir: string;
  let pool: HelperPool;
  const group = `arg${process.pid % 10000}`;
  const quiet = { signal: new AbortController().signal, onOutput: () => undefined };
  // The paths as policy would have checked them: the helper refuses any other at the moment of use.
  const run = (h: RunAsHelper, name: string, args: unknown, signal = quiet.signal) =>
    h.execute(
      name,
      parsed(name, args),
      tool(name).paths?.(parsed(name, args)) ?? [],
      { sandboxed: false },
      { ...quiet, signal },
    );

  beforeAll(() => {
    ensureGroup(group);
    account = createAccount('ar', ['aios-operator', group]);
    dir = mkdtempSync(join(tmpdir(), 'aios-runas-'));
    chmodSync(dir, 0o755);
    pool = new HelperPool({
      idleMs: 300,
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
  });
  afterAll(() => {
    pool.close();
    account.remove();
    execFileSync('flock', ['-w', '60', '/run/lock/aios-test-accounts.lock', 'groupdel', group]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('becomes the account: its uid, its gid and its supplementary groups, with root out of reach', async () => {
    const h = pool.get(account.uid);
    const who = await h.ready;
    const groupGid = Number(execFileSync('getent', ['group', group], { encoding: 'utf8' }).split(':')[2]);
    const operatorGid = Number(execFileSync('getent', ['group', 'aios-operator'], { encoding: 'utf8' }).split(':')[2]);
    expect(who).toMatchObject({ uid: account.uid, gid: account.gid });
    expect(who.groups).toEqual(expect.arrayContaining([account.gid, groupGid, operatorGid]));
    const status = readFileSync(`/proc/${h.pid}/status`, 'utf8');
    // Real, effective, saved and filesystem ids all the account's; no capability left.
    expect(status).toMatch(
      new RegExp(`^Uid:\\s+${account.uid}\\s+${account.uid}\\s+${account.uid}\\s+${account.uid}$`, 'm'),
    );
    expect(status).toMatch(
      new RegExp(`^Gid:\\s+${account.gid}\\s+${account.gid}\\s+${account.gid}\\s+${account.gid}$`, 'm'),
    );
    expect(status).toMatch(/^CapEff:\s+0+$/m);
    expect(status).toMatch(/^CapPrm:\s+0+$/m);
    // Having changed credentials it is not dumpable: the account cannot trace it or read its memory.
    const peek = spawnSync('cat', [`/proc/${h.pid}/environ`], { uid: account.uid, gid: account.gid, encoding: 'utf8' });
    expect(peek.stderr).toMatch(/Permission denied/);
  });

  it('inherits no descriptor but its channel, and only a minimal environment', async () => {
    const h = pool.get(account.uid);
    await h.ready;
    const fds = readdirSync(`/proc/${h.pid}/fd`).map((fd) => ({
      fd: Number(fd),
      to: readlinkSync(`/proc/${h.pid}/fd/${fd}`),
    }));
    expect(fds.filter((f) => f.fd <= 2).map((f) => f.to)).toEqual(['/dev/null', '/dev/null', '/dev/null']);
    expect(fds.filter((f) => f.to.startsWith('socket:'))).toHaveLength(1); // the IPC channel
    // Whatever else is open is node's own (epoll, eventfd, its signal pipe), never a file of the daemon's.
    expect(fds.filter((f) => f.to.startsWith('/') && f.to !== '/dev/null')).toEqual([]);
    const env = readFileSync(`/proc/${h.pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((kv) => kv.slice(0, kv.indexOf('=')))
      .sort();
    // NODE_CHANNEL_*: node's own names for the channel (fd 3); tools' programs get neither (run-program's minimal env).
    expect(env).toEqual([
      'HOME',
      'LANG',
      'LOGNAME',
      'NODE_CHANNEL_FD',
      'NODE_CHANNEL_SERIALIZATION_MODE',
      'PATH',
      'TERM',
      'USER',
    ]);
    expect(readFileSync(`/proc/${h.pid}/environ`, 'utf8')).toContain(`HOME=${account.home}`);
  });

  it('is refused what the kernel refuses the account, and reads what its groups may read', async () => {
    const secret = join(dir, 'root-only');
    writeFileSync(secret, 'root secret\n', { mode: 0o600 });
    const shared = join(dir, 'group-only');
    writeFileSync(shared, 'for the group\n', { mode: 0o640 });
    chownSync(shared, 0, Number(execFileSync('getent', ['group', group], { encoding: 'utf8' }).split(':')[2]));
    const h = pool.get(account.uid);
    const denied = await run(h, 'fs.read', { path: secret });
    expect(denied.ok).toBe(false);
    expect(JSON.stringify(denied)).toMatch(/EACCES|permission denied/i);
    expect(JSON.stringify(denied)).not.toContain('root secret');
    const allowed = await run(h, 'fs.read', { path: shared });
    expect(allowed).toMatchObject({ ok: true });
    expect(allowed.output).toContain('for the group');
  });

  it('writes as the account: the file it creates is the account’s', async () => {
    const target = join(account.home, 'note.txt');
    const r = await run(pool.get(account.uid), 'fs.write', { path: target, content: 'mine\n' });
    expect(r).toMatchObject({ ok: true });
    expect(statSync(target)).toMatchObject({ uid: account.uid, gid: account.gid });
    const cron = await run(pool.get(account.uid), 'fs.write', {
      path: '/etc/cron.d/aios-runas-test',
      content: '* * * * * root true\n',
    });
    expect(cron.ok).toBe(false);
    expect(() => statSync('/etc/cron.d/aios-runas-test')).toThrow();
    // Asked before the daemon snapshots: the kernel's answer, for a new file and an existing one.
    expect(await pool.get(account.uid).mayWrite([join(account.home, 'a', 'b')])).toBeNull();
    expect(await pool.get(account.uid).mayWrite(['/etc/cron.d/aios-runas-test'])).toMatch(
      /^EACCES: .*may not create \/etc\/cron.d\/aios-runas-test/,
    );
    expect(await pool.get(account.uid).mayWrite(['/etc/hostname'])).toMatch(/^EACCES: .*may not write \/etc\/hostname/);
  });

  it('streams output, forwards cancellation, and previews as the account', async () => {
    const h = pool.get(account.uid);
    const chunks: string[] = [];
    const controller = new AbortController();
    const running = h.execute(
      'shell.exec',
      parsed('shell.exec', { command: 'echo started; sleep 30' }),
      [],
      { sandboxed: false },
      {
        signal: controller.signal,
        onOutput: (c) => {
          chunks.push(c);
          if (c.includes('started')) controller.abort(new Error('stop'));
        },
      },
    );
    const r = await running;
    expect(chunks.join('')).toContain('started');
    expect(r).toMatchObject({ ok: false, error: 'cancelled and killed' });
    const preview = await h.preview('fs.read', parsed('fs.read', { path: join(dir, 'root-only') }));
    expect(JSON.stringify(preview)).not.toContain('root secret');
  });

  it('fails the call in flight, at once and saying why, when the helper dies', async () => {
    const h = pool.get(account.uid);
    await h.ready;
    const pid = h.pid as number;
    const running = run(h, 'shell.exec', { command: 'sleep 30' });
    setTimeout(() => process.kill(pid, 'SIGKILL'), 300);
    await expect(running).rejects.toThrow(/ended: killed by SIGKILL.*unknown/);
    // The next call gets a new helper.
    const again = pool.get(account.uid);
    expect(again.pid).not.toBe(pid);
    await expect(again.ready).resolves.toMatchObject({ uid: account.uid });
  });

  it('passes on a process report only for a process of the helper’s uid, in the group it names', async () => {
    const hostile = new HelperPool({
      script: join(import.meta.dirname, 'fixtures', 'hostile-helper.mjs'),
      tools: {
        timeoutMs: 1000,
        outputCapBytes: 1024,
        initSocket: '',
        serviceEnv: {},
        locations: { stateDir: dir, configDirs: [], secretsFile: '' },
        sandbox: null,
      },
    });
    try {
      const reports: { pid: number; pgid: number }[] = [];
      const r = await hostile
        .get(account.uid)
        .execute('shell.exec', {}, [], { sandboxed: false }, { ...quiet, onProcess: (p) => reports.push(p) });
      expect(r.ok).toBe(true);
      expect(reports).toHaveLength(1);
      expect(reports[0]?.pid).not.toBe(1);
    } finally {
      hostile.close();
    }
  });

  it('an account NSS does not know gets only its own gid; root is refused, saying why, and runs nothing', async () => {
    const odd = new HelperPool({
      identity: (uid) => ({ uid, gid: uid, name: 'ar-no-such-account', home: '/' }),
      tools: {
        timeoutMs: 1000,
        outputCapBytes: 1024,
        initSocket: '',
        serviceEnv: {},
        locations: { stateDir: dir, configDirs: [], secretsFile: '' },
        sandbox: null,
      },
    });
    try {
      await expect(odd.get(61_999).ready).resolves.toEqual({
        type: 'ready',
        uid: 61_999,
        gid: 61_999,
        groups: [61_999],
      });
      await expect(run(odd.get(0), 'fs.read', { path: '/etc/hostname' })).rejects.toThrow(
        /ended: run-as helper: refusing to run steps as root/,
      );
    } finally {
      odd.close();
    }
  });

  it('ends a helper left idle', async () => {
    const h = pool.get(account.uid);
    await h.ready;
    pool.settle(account.uid);
    await eventually(
      'the idle helper to end',
      () => !h.alive && !pool.running().some((r) => r.uid === account.uid),
      5000,
    );
  });
});
