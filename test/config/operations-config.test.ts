// [metrics] and the log settings in [system]: what loads, and what is refused at load with the key named.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config.js';
import { configFromText } from '../helpers/config-text.js';
import { parseListen } from '../../src/config/listen-address.js';
import { createLogger } from '../../src/daemon/logger.js';

const { load } = configFromText('aios-config-');

describe('[metrics] listen', () => {
  it('is off unless set, and takes loopback addresses and socket paths', () => {
    expect(load('').config.metrics).toBeUndefined();
    expect(load('[metrics]\nlisten = "127.0.0.1:9464"\n').config.metrics).toEqual({ listen: '127.0.0.1:9464' });
    expect(parseListen('[::1]:9464')).toEqual({ kind: 'tcp', host: '::1', port: 9464 });
    expect(parseListen('127.0.0.53:80')).toEqual({ kind: 'tcp', host: '127.0.0.53', port: 80 });
    expect(parseListen('/run/aios/metrics.sock')).toEqual({ kind: 'unix', path: '/run/aios/metrics.sock' });
  });

  it.each([
    '0.0.0.0:9464',
    '10.0.0.5:9464',
    '[::]:9464',
    'localhost:9464',
    ':9464',
    '127.0.0.1',
    '127.0.0.1:70000',
    'metrics.sock',
  ])('refuses %s when the config loads', (listen) => {
    let err: unknown;
    try {
      load(`[metrics]\nlisten = "${listen}"\n`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/metrics\.listen/);
  });
});

describe('the log', () => {
  it('defaults to text at info; log_format and log_level load', () => {
    expect(load('').config.system).toMatchObject({ log_format: 'text', log_level: 'info' });
    expect(load('[system]\nlog_format = "json"\nlog_level = "debug"\n').config.system).toMatchObject({
      log_format: 'json',
      log_level: 'debug',
    });
    expect(() => load('[system]\nlog_format = "xml"\n')).toThrow(ConfigError);
  });

  it('writes JSON lines with time, level, msg and fields, at or above the level', () => {
    const lines: string[] = [];
    const log = createLogger({
      level: 'info',
      format: 'json',
      write: (l) => lines.push(l),
      now: () => new Date('2026-01-02T03:04:05.000Z'),
    });
    log.debug('hidden');
    log('started', { pid: 7 });
    log.with({ component: 'rpc' }).warn('refused', { uid: 65534, msg: 'not this' });
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      { time: '2026-01-02T03:04:05.000Z', level: 'info', msg: 'started', pid: 7 },
      { time: '2026-01-02T03:04:05.000Z', level: 'warn', msg: 'refused', component: 'rpc', uid: 65534 },
    ]);
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
  });

  it('writes text as aiosd always has, with the level when it is not info', () => {
    const lines: string[] = [];
    const log = createLogger({
      level: 'warn',
      format: 'text',
      write: (l) => lines.push(l),
      now: () => new Date('2026-01-02T03:04:05.000Z'),
    });
    log('quiet');
    log.error('broken', { path: '/x' });
    expect(lines).toEqual(['2026-01-02T03:04:05.000Z aiosd: error: broken path=/x\n']);
  });
});

describe('[monitor] services and thresholds', () => {
  it("loads a list of services and thresholds of one's own", () => {
    const { monitor } = load(
      '[monitor]\nservices = ["nginx", "getty@tty1.service"]\n[[monitor.threshold]]\nmetric = "disk_pct"\npath = "/var"\nabove = 80\ngoal = "what uses the most space under /var"\n',
    ).config;
    expect(monitor.services).toEqual(['nginx', 'getty@tty1.service']);
    expect(monitor.threshold).toEqual([
      { metric: 'disk_pct', path: '/var', above: 80, goal: 'what uses the most space under /var' },
    ]);
  });

  it.each([
    ['[monitor]\nservices = ["nginx; reboot"]\n', /monitor\.services\[0\]/],
    [
      '[[monitor.threshold]]\nmetric = "cpu_pct"\npath = "/var"\nabove = 80\n',
      /monitor\.threshold\[0\]\.path: path is for disk_pct only/,
    ],
    ['[[monitor.threshold]]\nmetric = "memory_pct"\nabove = 180\n', /monitor\.threshold\[0\]\.above/],
    ['[[monitor.threshold]]\nmetric = "swap_pct"\nabove = 80\n', /monitor\.threshold\[0\]\.metric/],
    [
      '[[monitor.threshold]]\nmetric = "disk_pct"\nabove = 80\nlimit = 3\n',
      /monitor\.threshold\[0\]\.limit: unknown key/,
    ],
  ])('refuses %j', (text, why) => {
    expect(() => load(text)).toThrow(why);
  });
});

describe('[[schedule]]', () => {
  it('loads entries with every or at', () => {
    const { schedule } = load(
      '[[schedule]]\ngoal = "disk usage"\nevery = "6h"\n[[schedule]]\ngoal = "list processes"\nat = "0 3 * * *"\nautonomy = "manual"\n',
    ).config;
    expect(schedule).toEqual([
      { goal: 'disk usage', every: '6h' },
      { goal: 'list processes', at: '0 3 * * *', autonomy: 'manual' },
    ]);
  });

  it.each([
    ['[[schedule]]\ngoal = "x"\n', /schedule\[0\]: give exactly one of every/],
    ['[[schedule]]\ngoal = "x"\nevery = "1h"\nat = "* * * * *"\n', /give exactly one/],
    ['[[schedule]]\ngoal = "x"\nevery = "soon"\n', /schedule\[0\]\.every/],
    ['[[schedule]]\ngoal = "x"\nat = "0 25 * * *"\n', /schedule\[0\]\.at: hour: "25" is outside 0-23/],
    ['[[schedule]]\ngoal = "x"\nevery = "1h"\nautonomy = "yolo"\n', /schedule\[0\]\.autonomy/],
  ])('refuses %j', (text, why) => {
    expect(() => load(text)).toThrow(why);
  });
});
