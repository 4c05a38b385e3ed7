// aios-init's control socket against its real supervisor and real child processes (sleep):
// malformed messages answered with errors on a connection that stays usable, critical services
// that refuse to stop, a peer of another uid refused by SO_PEERCRED, and boot enablement that
// is written atomically and survives a new aios-init.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlServer, peerAllowed } from '../../init/control/control-server.js';
import { ServiceControl } from '../../init/control/service-control.js';
import { configuredServices } from '../../init/boot/configured-services.js';
import { InitConfig } from '../../src/config/init-schema.js';
import { BootEnablement } from '../../init/supervisor/boot-enablement.js';
import { Supervisor } from '../../init/supervisor/supervisor.js';
import { InitControlResponse } from '../../src/protocol/init-control.js';
import { AiosInitManager } from '../../src/tools/aios-init-manager.js';
import { askInit } from '../../src/tools/init-control-client.js';
import { eventually, until } from '../helpers/until.js';
import { detectServiceManager } from '../../src/tools/service-manager.js';
import { alive } from '../helpers/process-alive.js';

let dir: string;
let logs: string[];
let sup: Supervisor;
let server: ControlServer;
let socketPath: string;
let enablement: BootEnablement;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aios-ctl-'));
  logs = [];
  sup = new Supervisor({ log: (l) => logs.push(l) });
  sup.add({
    name: 'keeper',
    description: 'stands in for aiosd',
    kind: 'daemon',
    argv: ['sleep', '300'],
    critical: 'it must keep running',
  });
  sup.add({
    name: 'worker',
    kind: 'daemon',
    argv: ['sh', '-c', 'echo hello from worker; exec sleep 300'],
    keepOutput: true,
  });
  enablement = new BootEnablement(
    join(dir, 'state', 'init-services.json'),
    () => true,
    (l) => logs.push(l),
  );
  socketPath = join(dir, 'init.sock');
  server = new ControlServer({ socketPath, control: new ServiceControl(sup, enablement), log: (l) => logs.push(l) });
  await server.listen();
  await sup.start('keeper');
  await sup.start('worker');
});
afterEach(async () => {
  await sup.stopAll();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends raw lines on one connection and collects `count` answers. */
function exchange(lines: string, count: number): Promise<InitControlResponse[]> {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath);
    let buf = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`only got: ${buf}`));
    }, 10_000);
    s.on('data', (d: Buffer) => {
      buf += d.toString();
      const got = buf.split('\n').filter(Boolean);
      if (got.length >= count) {
        clearTimeout(timer);
        s.destroy();
        resolve(got.map((l) => InitControlResponse.parse(JSON.parse(l))));
      }
    });
    s.on('error', reject);
    s.write(lines);
  });
}

const pidOf = (name: string): number | null => sup.service(name).record.pid;

describe('the control socket', () => {
  it('is a socket only its owner may open', () => {
    const st = lstatSync(socketPath);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
  });

  it('answers malformed messages with a clear error, keeps the connection, and keeps serving', async () => {
    const answers = await exchange(
      [
        'this is not json',
        '{"id":2,"op":"explode","unit":"worker"}',
        '{"id":3,"op":"stop"}',
        '{"id":4,"op":"state","unit":"worker","extra":true}',
        '[1,2,3]',
        '{"id":6,"op":"state","unit":"no-such"}',
        '{"id":7,"op":"state","unit":"worker.service"}',
      ].join('\n') + '\n',
      7,
    );
    expect(answers[0]).toMatchObject({
      id: null,
      ok: false,
      error: expect.stringMatching(/^not a JSON object: .*send one object a line/),
    });
    expect(answers[1]).toMatchObject({
      id: 2,
      ok: false,
      error: expect.stringMatching(/^not a control request: op: expected one of list, state, .*; got "explode"/),
    });
    expect(answers[2]).toMatchObject({ id: 3, ok: false, error: 'not a control request: unit: this op needs a unit' });
    expect(answers[3]).toMatchObject({ id: 4, ok: false, error: expect.stringMatching(/unknown key/) });
    expect(answers[4]).toMatchObject({ id: null, ok: false });
    expect(answers[5]).toMatchObject({
      id: 6,
      ok: false,
      error: expect.stringMatching(/no service named "no-such" is supervised by aios-init \(it runs: keeper, worker\)/),
    });
    // The same connection still works, and "x.service" means x as it does for systemctl.
    expect(answers[6]).toMatchObject({
      id: 7,
      ok: true,
      service: { unit: 'worker', active: 'active', enabled: 'enabled' },
    });
    expect(sup.state('worker')).toBe('running');
  });

  it('answers an oversized message with an error and goes on with the next line', async () => {
    const answers = await exchange(`{"id":1,"op":"list","pad":"${'x'.repeat(300 * 1024)}"}\n{"id":2,"op":"list"}\n`, 2);
    expect(answers[0]).toMatchObject({ id: null, ok: false, error: expect.stringMatching(/at most \d+ bytes/) });
    expect(answers[1]).toMatchObject({ id: 2, ok: true });
  });

  it('refuses to stop, restart or disable a critical service, and it keeps running', async () => {
    const before = pidOf('keeper');
    for (const op of ['stop', 'restart', 'disable'] as const) {
      await expect(askInit(socketPath, { op, unit: 'keeper' })).rejects.toThrow(
        `refusing to ${op} keeper: it must keep running`,
      );
    }
    expect(pidOf('keeper')).toBe(before);
    expect(sup.state('keeper')).toBe('running');
    expect(enablement.enabled('keeper')).toBe(true);
    const state = await askInit(socketPath, { op: 'state', unit: 'keeper' });
    expect(state.service).toMatchObject({ critical: 'it must keep running', active: 'active' });
  });

  it('stops, starts and restarts a service, and shows its output and its history in detail', async () => {
    const m = new AiosInitManager(socketPath);
    const first = pidOf('worker');
    expect(await m.act('stop', 'worker')).toMatchObject({ ok: true, output: 'stopped worker' });
    expect(await m.state('worker')).toMatchObject({ active: 'inactive' });
    expect(first !== null && alive(first)).toBe(false);
    expect(await m.act('start', 'worker')).toMatchObject({ ok: true });
    const second = pidOf('worker');
    expect(await m.act('restart', 'worker')).toMatchObject({ ok: true, output: 'restarted worker' });
    expect(pidOf('worker')).not.toBe(second);
    // The output is the service's own: a busy machine may show the detail before sh has echoed.
    const detail = await until(
      'the worker to have written its greeting',
      () => m.detail('worker'),
      (d) => d.includes('hello from worker'),
      10_000,
    );
    expect(detail).toMatch(/state: running \(pid \d+\); started 3 time\(s\)/);
    expect(detail).toMatch(/stop requested through the control channel \(uid \d+\)/);
    expect(detail).toContain('hello from worker');
    expect(m.argvFor('stop', 'worker')).toEqual(['aios-init', 'ctl', 'stop', 'worker']);
  });

  it('starts again a service that failed', async () => {
    sup.add({
      name: 'flaky',
      kind: 'daemon',
      argv: ['sh', '-c', `test -e ${join(dir, 'ok')} && exec sleep 300 || exit 3`],
      policy: { restart: 'never' },
    });
    await sup.start('flaky');
    await eventually(
      () => `the flaky service to fail; log:\n${logs.join('\n')}`,
      () => sup.state('flaky') === 'failed',
      10_000,
    );
    writeFileSync(join(dir, 'ok'), '');
    const a = await askInit(socketPath, { op: 'start', unit: 'flaky' });
    expect(a.service).toMatchObject({ active: 'active', starts: 2 });
  });

  it('enable and disable persist in a file that a new aios-init reads', async () => {
    await askInit(socketPath, { op: 'disable', unit: 'worker' });
    expect(sup.state('worker')).toBe('running'); // disable does not stop it now
    const file = join(dir, 'state', 'init-services.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, services: { worker: false } });
    expect(readdirSync(join(dir, 'state'))).toEqual(['init-services.json']); // no temp file left
    const again = new BootEnablement(
      file,
      () => true,
      () => undefined,
    );
    expect(again.enabled('worker')).toBe(false);
    expect(again.enabled('keeper')).toBe(true);
    await askInit(socketPath, { op: 'enable', unit: 'worker' });
    expect(
      new BootEnablement(
        file,
        () => false,
        () => undefined,
      ).enabled('worker'),
    ).toBe(true);
  });

  it('reads a broken enablement file as every default, and says so', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"version":1,"services":{"x":"yes"}}');
    const said: string[] = [];
    const e = new BootEnablement(
      file,
      (n) => n !== 'off',
      (l) => said.push(l),
    );
    expect(e.enabled('x')).toBe(true);
    expect(e.enabled('off')).toBe(false);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/broken\.json is not a valid enablement file .*every service keeps its default/);
  });
});

describe('who may use it', () => {
  it("root and aios-init's own uid, nobody else", () => {
    expect(peerAllowed({ uid: 0 }, 1000)).toBe(true);
    expect(peerAllowed({ uid: 1000 }, 1000)).toBe(true);
    expect(peerAllowed({ uid: 1001 }, 1000)).toBe(false);
    expect(peerAllowed({ uid: 1000 }, 0)).toBe(false);
  });

  // As root the test can be another user: it opens the socket's mode so that only the
  // SO_PEERCRED check stands between that user and the supervisor. The refusal comes at
  // connect, before anything is read from the peer.
  it.skipIf(process.getuid?.() !== 0)(
    'refuses a peer of another uid by SO_PEERCRED, even past the file mode',
    async () => {
      chmodSync(socketPath, 0o666);
      chownSync(dir, 65534, 65534);
      const script = `const s=require('net').connect(${JSON.stringify(socketPath)});let b='';s.on('data',d=>b+=d);s.on('close',()=>{process.stdout.write(b)});s.on('error',e=>{process.stdout.write('ERR '+e.code);});`;
      const child = spawn(process.execPath, ['-e', script], {
        uid: 65534,
        gid: 65534,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      await new Promise((r) => child.once('exit', r));
      expect(JSON.parse(out)).toEqual({
        id: null,
        ok: false,
        error: "uid 65534 may not control aios-init's services: only root may",
      });
      expect(sup.state('worker')).toBe('running');
      expect(logs.join('\n')).toMatch(/control socket: refused uid 65534/);
    },
  );
});

describe('which service manager aiosd uses', () => {
  const none = '/nonexistent/systemd';
  it('systemd where it runs, else aios-init when named or its socket is there, else none', () => {
    expect(detectServiceManager({ env: {}, systemdDir: dir }).name).toBe('systemd');
    expect(detectServiceManager({ env: { AIOS_INIT_SOCKET: socketPath }, systemdDir: none }).name).toBe('aios-init');
    expect(detectServiceManager({ env: {}, systemdDir: none, initSocket: socketPath }).name).toBe('aios-init');
    const missing = detectServiceManager({ env: {}, systemdDir: none, initSocket: join(dir, 'absent.sock') });
    expect(missing.unavailable()).toMatch(
      /systemd is not running .* and aios-init's supervisor is not reachable \(.*absent\.sock does not exist\)/,
    );
    expect(
      detectServiceManager({
        env: { AIOS_SERVICE_MANAGER: 'aios-init', AIOS_INIT_SOCKET: socketPath },
        systemdDir: dir,
      }).name,
    ).toBe('aios-init');
    expect(detectServiceManager({ env: { AIOS_SERVICE_MANAGER: 'upstart' }, systemdDir: dir }).unavailable()).toMatch(
      /is not one of systemd, aios-init, none/,
    );
  });

  it('a named socket that is gone says so on every call instead of failing obscurely', async () => {
    await server.close();
    const m = detectServiceManager({ env: { AIOS_INIT_SOCKET: socketPath }, systemdDir: '/nonexistent/systemd' });
    expect(m.unavailable()).toMatch(/control socket .*init\.sock does not exist/);
    await expect(askInit(socketPath, { op: 'list' })).rejects.toThrow(
      /does not exist: aios-init is not running this node's services/,
    );
  });
});

describe('[[init.services]]', () => {
  it('become supervised services; a name a built-in one has is skipped and said', () => {
    const said: string[] = [];
    const init = InitConfig.parse({
      services: [
        { name: 'web', argv: ['sleep', '1'] },
        { name: 'aiosd', argv: ['true'] },
        { name: 'job', argv: ['true'], kind: 'oneshot', restart: 'never', enabled: false },
      ],
    });
    const specs = configuredServices(init, {
      env: {},
      output: 'ignore',
      taken: new Set(['aiosd']),
      log: (l) => said.push(l),
    });
    expect(specs.map((s) => `${s.name} ${s.kind} ${s.policy?.restart ?? '?'} ${String(s.keepOutput)}`)).toEqual([
      'web daemon on-failure true',
      'job oneshot never true',
    ]);
    expect(said).toEqual(['[[init.services]] aiosd: a service of that name exists already; this one is not run']);
    expect(() => InitConfig.parse({ services: [{ name: 'bad name', argv: ['x'] }] })).toThrow(
      /expected a service name/,
    );
    expect(() => InitConfig.parse({ services: [{ name: 'x', argv: [] }] })).toThrow();
  });

  it('keep what they require; one that requires no such service, or is in a cycle, is skipped and said, with what requires it', () => {
    const said: string[] = [];
    const init = InitConfig.parse({
      services: [
        { name: 'db', argv: ['true'], requires: ['aiosd'] },
        { name: 'web', argv: ['true'], requires: ['db'] },
        { name: 'typo', argv: ['true'], requires: ['dbb'] },
        { name: 'after-typo', argv: ['true'], requires: ['typo'] },
        { name: 'a', argv: ['true'], requires: ['b'] },
        { name: 'b', argv: ['true'], requires: ['a'] },
      ],
    });
    const specs = configuredServices(init, {
      env: {},
      output: 'ignore',
      taken: new Set(['aiosd']),
      log: (l) => said.push(l),
    });
    expect(specs.map((s) => `${s.name} <- ${(s.requires ?? []).join(',')}`)).toEqual(['db <- aiosd', 'web <- db']);
    expect(said).toEqual([
      '[[init.services]] typo: it requires dbb, which is not a service here; this one is not run',
      '[[init.services]] a: its requirements go round in a cycle (a → b → a); this one is not run',
      '[[init.services]] b: its requirements go round in a cycle (b → a → b); this one is not run',
      '[[init.services]] after-typo: it requires typo, which is not a service here; this one is not run',
    ]);
    expect(() => InitConfig.parse({ services: [{ name: 'x', argv: ['true'], requires: ['no good'] }] })).toThrow(
      /expected a service name/,
    );
  });

  it('start after what they require, under the real supervisor', async () => {
    // "second" succeeds only if "first" has finished (and written its mark) before it starts.
    const mark = join(dir, 'first-done');
    const init = InitConfig.parse({
      services: [
        { name: 'second', argv: ['test', '-f', mark], kind: 'oneshot', restart: 'never', requires: ['first'] },
        { name: 'first', argv: ['sh', '-c', `sleep 0.3 && touch ${mark}`], kind: 'oneshot', restart: 'never' },
      ],
    });
    const s = new Supervisor({ log: () => undefined });
    for (const spec of configuredServices(init, {
      env: process.env,
      output: 'ignore',
      taken: new Set(),
      log: () => undefined,
    }))
      s.add(spec);
    expect(await s.start('second')).toBe('done');
    expect(s.state('first')).toBe('done');
    await s.stopAll();
  });
});
