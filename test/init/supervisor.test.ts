// The supervisor against real child processes: node programs that crash, hang, ignore
// SIGTERM, leave children behind, and record what happened to them in files.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServiceRecord } from '../../src/protocol/boot-timeline.js';
import type { ServiceSpec } from '../../init/supervisor/service-spec.js';
import { Supervisor } from '../../init/supervisor/supervisor.js';
import { eventually } from '../helpers/until.js';
import { alive } from '../helpers/process-alive.js';

let dir: string;
let logs: string[];
let sup: Supervisor | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aios-sup-'));
  logs = [];
});
afterEach(async () => {
  await sup?.stopAll();
  sup = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const fast = { baseDelayMs: 20, maxDelayMs: 200, stableAfterMs: 5000 };

function node(name: string, script: string, extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name,
    kind: 'daemon',
    argv: [process.execPath, '-e', script],
    env: { ...process.env, DIR: dir },
    policy: fast,
    ...extra,
  };
}

function supervisor(onChange?: (r: ServiceRecord) => void): Supervisor {
  sup = new Supervisor({ log: (l) => logs.push(l), ...(onChange ? { onChange } : {}) });
  return sup;
}

const until = async (check: () => boolean, what: string): Promise<void> => {
  await eventually(() => `${what}; log:\n${logs.join('\n')}`, check, 10_000);
};

describe('supervisor', () => {
  it('restarts a crashing service with doubling backoff and gives up at the start limit', async () => {
    const s = supervisor();
    s.add(node('crasher', 'process.exit(3)', { policy: { ...fast, startLimit: { burst: 4, intervalMs: 60_000 } } }));
    // Without a readiness probe a daemon counts as running once spawned, as systemd's Type=simple.
    await s.start('crasher');
    await until(() => s.state('crasher') === 'failed', 'the start limit');
    const record = s.records().find((r) => r.name === 'crasher');
    expect(record?.starts).toBe(4);
    expect(record?.lastExit).toMatch(/exit 3; start limit hit: 4 starts/);
    const delays = logs
      .map((l) => /starting again in (\d+) ms/.exec(l)?.[1])
      .filter((d) => d !== undefined)
      .map(Number);
    expect(delays).toEqual([20, 40, 80]);
  });

  it('starts what a service requires first and waits until it is ready', async () => {
    const s = supervisor();
    const marker = join(dir, 'a-ready');
    // A becomes ready only after a delay; B refuses to run unless A's marker is there.
    s.add(
      node(
        'a',
        `setTimeout(() => require('fs').writeFileSync(process.env.DIR + '/a-ready', 'x'), 300); setInterval(() => {}, 1000)`,
        {
          ready: async (signal) => {
            while (!existsSync(marker)) {
              signal.throwIfAborted();
              await new Promise((r) => setTimeout(r, 20));
            }
          },
        },
      ),
    );
    s.add(
      node(
        'b',
        `if (!require('fs').existsSync(process.env.DIR + '/a-ready')) process.exit(9); setInterval(() => {}, 1000)`,
        { requires: ['a'], policy: { ...fast, restart: 'never' } },
      ),
    );
    expect(await s.start('b')).toBe('running');
    expect(s.state('a')).toBe('running');
  });

  it('does not start a service whose requirement failed', async () => {
    const s = supervisor();
    s.add(node('broken', 'process.exit(1)', { kind: 'oneshot', policy: { ...fast, restart: 'never' } }));
    s.add(
      node('dependent', `require('fs').writeFileSync(process.env.DIR + '/ran', 'x'); setInterval(() => {}, 1000)`, {
        requires: ['broken'],
      }),
    );
    expect(await s.start('dependent')).toBe('failed');
    expect(s.records().find((r) => r.name === 'dependent')?.lastExit).toBe('requirement broken is failed');
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });

  it('refuses a requirement cycle by naming it', async () => {
    const s = supervisor();
    s.add(node('x', 'setInterval(() => {}, 1000)', { requires: ['y'] }));
    s.add(node('y', 'setInterval(() => {}, 1000)', { requires: ['x'] }));
    await expect(s.start('x')).rejects.toThrow(/requirement cycle: x → y → x/);
  });

  it('stops dependents before what they require', async () => {
    const s = supervisor();
    const order = join(dir, 'order');
    // Each says it is ready once its SIGTERM handler is in place: on a busy machine Node can take
    // longer to start than any fixed wait, and a SIGTERM before that would kill it silently.
    const script = (name: string): string =>
      `process.on('SIGTERM', () => { require('fs').appendFileSync(process.env.DIR + '/order', '${name}\\n'); process.exit(0); }); require('fs').writeFileSync(process.env.DIR + '/${name}.up', ''); setInterval(() => {}, 1000)`;
    const up = (name: string) => () => until(() => existsSync(join(dir, `${name}.up`)), `${name} to start`);
    s.add(node('base', script('base'), { ready: up('base') }));
    s.add(node('top', script('top'), { requires: ['base'], ready: up('top') }));
    expect(await s.start('top')).toBe('running');
    await s.stopAll();
    expect(readFileSync(order, 'utf8')).toBe('top\nbase\n');
    expect(s.state('top')).toBe('stopped');
  });

  it('kills a service that ignores SIGTERM, and the children it started, after the stop timeout', async () => {
    const s = supervisor();
    const pidFile = join(dir, 'child.pid');
    s.add(
      node(
        'stubborn',
        `process.on('SIGTERM', () => {}); const c = require('child_process').spawn('sleep', ['60'], { stdio: 'ignore' }); require('fs').writeFileSync(process.env.DIR + '/child.pid', String(c.pid)); setInterval(() => {}, 1000)`,
        { stopTimeoutMs: 300 },
      ),
    );
    expect(await s.start('stubborn')).toBe('running');
    await until(() => existsSync(pidFile), 'the grandchild');
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    const record = s.records()[0];
    expect(record?.pid).not.toBeNull();
    await s.stop('stubborn');
    expect(logs.some((l) => /did not stop within 300 ms of SIGTERM; sending SIGKILL/.test(l))).toBe(true);
    expect(alive(record?.pid ?? 0)).toBe(false);
    await until(() => !alive(grandchild), 'the grandchild to die');
  });

  it('kills and restarts a daemon whose watchdog probe stops answering', async () => {
    const changes: ServiceRecord[] = [];
    const s = supervisor((r) => changes.push(r));
    let healthy = true;
    s.add(
      node('watched', 'setInterval(() => {}, 1000)', {
        policy: { ...fast, restart: 'always' },
        watchdog: {
          intervalMs: 50,
          timeoutMs: 200,
          probe: () => (healthy ? Promise.resolve() : new Promise<void>(() => undefined)),
        },
      }),
    );
    expect(await s.start('watched')).toBe('running');
    const firstPid = s.records()[0]?.pid;
    healthy = false;
    await until(() => (s.records()[0]?.starts ?? 0) >= 2, 'a restart');
    healthy = true;
    await until(() => s.state('watched') === 'running', 'running again');
    expect(logs.some((l) => /watched: watchdog: watchdog probe: no answer within 200 ms; killing it/.test(l))).toBe(
      true,
    );
    expect(s.records()[0]?.pid).not.toBe(firstPid);
    expect(changes.some((c) => c.state === 'backoff' && c.lastExit === 'killed by SIGKILL')).toBe(true);
  });

  it('asks again at once after a miss, and kills only after the misses allowed in a row', async () => {
    const s = supervisor();
    // The probe misses on the asks whose numbers are listed: one miss alone, then two in a row.
    const missOn = new Set([3, 8, 9]);
    let asked = 0;
    s.add(
      node('stalled', 'setInterval(() => {}, 1000)', {
        policy: { ...fast, restart: 'always' },
        watchdog: {
          intervalMs: 50,
          timeoutMs: 200,
          misses: 2,
          probe: () => (missOn.has(++asked) ? new Promise<void>(() => undefined) : Promise.resolve()),
        },
      }),
    );
    expect(await s.start('stalled')).toBe('running');
    const firstPid = s.records()[0]?.pid;
    await until(() => asked >= 7, 'the asks after the lone miss');
    expect(s.records()[0]?.starts).toBe(1);
    expect(s.records()[0]?.pid).toBe(firstPid);
    expect(logs.some((l) => /stalled: watchdog: .*no answer within 200 ms \(miss 1 of 2\); asking again/.test(l))).toBe(
      true,
    );
    await until(() => (s.records()[0]?.starts ?? 0) >= 2, 'a restart after two misses in a row');
    expect(logs.some((l) => /stalled: watchdog: .*\(2 in a row\); killing it/.test(l))).toBe(true);
    expect(s.records()[0]?.pid).not.toBe(firstPid);
  });

  it('keeps probing a healthy daemon without piling up abort listeners', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(`${w.name}: ${w.message}`);
    };
    process.on('warning', onWarning);
    try {
      const s = supervisor();
      let probes = 0;
      s.add(
        node('healthy', 'setInterval(() => {}, 1000)', {
          watchdog: {
            intervalMs: 5,
            timeoutMs: 1000,
            probe: (signal) => {
              probes++;
              expect(signal.aborted).toBe(false);
              return Promise.resolve();
            },
          },
        }),
      );
      expect(await s.start('healthy')).toBe('running');
      await until(() => probes >= 40, '40 probes');
      expect(s.records()[0]?.starts).toBe(1);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => /MaxListeners/.test(w))).toEqual([]);
  });

  it('runs a oneshot to completion and reports a program that cannot be started', async () => {
    const s = supervisor();
    s.add({ name: 'once', kind: 'oneshot', argv: [process.execPath, '-e', 'process.exit(0)'] });
    s.add({ name: 'missing', kind: 'oneshot', argv: [join(dir, 'no-such-program')], policy: { restart: 'never' } });
    expect(await s.start('once')).toBe('done');
    expect(await s.start('missing')).toBe('failed');
    expect(s.records().find((r) => r.name === 'missing')?.lastExit).toMatch(/could not start: spawn .*ENOENT/);
  });
});
