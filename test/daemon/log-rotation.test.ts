// aiosd's own log: rotated in place past [system] log_max_bytes while it (and another process)
// writes, only when the file was opened for appending; sent to journald, with no file, when
// systemd's JOURNAL_STREAM names its stderr. Real files, a real second writer, a real aiosd.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logSink, logTarget } from '../../src/daemon/log-file.js';
import { AiosClient } from '../../src/protocol/client.js';
import { aiosBin } from '../helpers/daemon.js';
import { eventually } from '../helpers/until.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aios-logrot-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const noPlain = (): void => {
  throw new Error('a file is written through the rotating writer');
};

/** The live file and its rotated ones, oldest first. */
function allOf(path: string, files: number): string {
  const parts: string[] = [];
  for (let i = files; i >= 1; i--) if (existsSync(`${path}.${i}`)) parts.push(readFileSync(`${path}.${i}`, 'utf8'));
  parts.push(readFileSync(path, 'utf8'));
  return parts.join('');
}

describe('the log target', () => {
  it('is a file opened for appending, a file that is not, or journald when JOURNAL_STREAM names the fd', () => {
    const path = join(dir, 'aiosd.log');
    const appending = openSync(path, 'a');
    const truncating = openSync(join(dir, 'other.log'), 'w');
    try {
      expect(logTarget({}, appending)).toEqual({ kind: 'file', path, append: true });
      expect(logTarget({}, truncating)).toMatchObject({ kind: 'file', append: false });
      const st = fstatSync(appending, { bigint: true });
      expect(logTarget({ JOURNAL_STREAM: `${st.dev}:${st.ino}` }, appending)).toEqual({ kind: 'journal' });
      // Inherited from a parent whose stream is not this fd's: not the journal.
      expect(logTarget({ JOURNAL_STREAM: `${st.dev}:${st.ino + 1n}` }, appending).kind).toBe('file');
    } finally {
      closeSync(appending);
      closeSync(truncating);
    }
  });
});

describe('rotation in place', () => {
  it('keeps every line of its own, in order, while another process appends to the same file', async () => {
    const path = join(dir, 'aiosd.log');
    const fd = openSync(path, 'a', 0o600);
    const files = 60;
    const sink = logSink(logTarget({}, fd), { maxBytes: 16_384, files }, noPlain, fd);
    expect(sink.describe).toMatch(/rotated past 16384 bytes, 60 old file\(s\) kept/);
    // The other writer: a crashing child's stderr, say, appending whole lines as fast as it can.
    const other = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('fs'); const fd = fs.openSync(process.argv[1], 'a');
         for (let i = 0; ; i++) fs.writeSync(fd, 'other ' + i + '\\n');`,
        path,
      ],
      { stdio: 'ignore' },
    );
    try {
      await eventually('the other writer to start', () => readFileSync(path, 'utf8').includes('other '));
      for (let i = 0; i < 6000; i++) sink.write(`${new Date().toISOString()} aiosd: line ${i}\n`);
    } finally {
      other.kill('SIGKILL');
      closeSync(fd);
    }
    await new Promise((r) => other.once('exit', r));
    const text = allOf(path, files);
    expect(existsSync(`${path}.1`)).toBe(true);
    // Truncated under an appending writer, never extended past a hole: no NUL bytes anywhere.
    expect(text.includes('\0')).toBe(false);
    const mine = text.split('\n').flatMap((l) => /aiosd: line (\d+)$/.exec(l)?.[1] ?? []);
    expect(mine.length).toBe(6000);
    expect(mine.every((n, i) => Number(n) === i)).toBe(true);
    // The other process's lines are whole lines wherever they landed.
    const lines = text.split('\n').filter((l) => l !== '');
    expect(lines.every((l) => /^(other \d+|\S+ aiosd: line \d+)$/.test(l))).toBe(true);
  });

  it('drops the oldest file past log_files', () => {
    const path = join(dir, 'aiosd.log');
    const fd = openSync(path, 'a');
    const sink = logSink(logTarget({}, fd), { maxBytes: 4096, files: 2 }, noPlain, fd);
    for (let i = 0; i < 400; i++) sink.write(`line ${String(i).padStart(4, '0')} ${'x'.repeat(80)}\n`);
    closeSync(fd);
    expect(existsSync(`${path}.2`)).toBe(true);
    expect(existsSync(`${path}.3`)).toBe(false);
    for (const f of [path, `${path}.1`, `${path}.2`]) expect(readFileSync(f).length).toBeLessThanOrEqual(4096);
    expect(readFileSync(path, 'utf8')).toMatch(/line 0399 x+\n$/);
  });

  it('leaves a file not opened for appending as it is, and says why', () => {
    const path = join(dir, 'aiosd.log');
    const fd = openSync(path, 'w');
    const plain: string[] = [];
    const sink = logSink(logTarget({}, fd), { maxBytes: 4096, files: 2 }, (l) => plain.push(l), fd);
    expect(sink.describe).toMatch(
      /NOT rotated: it was not opened for appending \(start aiosd with 2>> rather than 2>\)/,
    );
    sink.write('through the plain writer\n');
    closeSync(fd);
    expect(plain).toEqual(['through the plain writer\n']);
  });
});

describe('aiosd', () => {
  let proc: ChildProcess | undefined;
  afterEach(async () => {
    if (proc !== undefined && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc?.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    proc = undefined;
  });

  /** aiosd with its stderr on `log` opened for appending, as `aios up` and aios-init start it. */
  async function start(log: string, env: (fd: number) => NodeJS.ProcessEnv = () => ({})): Promise<ChildProcess> {
    const config = join(dir, 'config.toml');
    writeFileSync(
      config,
      '[system]\nlog_max_bytes = 4096\nlog_files = 2\n[monitor]\ncpu_pct = false\nmemory_pct = false\ndisk_pct = false\nload_per_core = false\n[recovery]\nspare_files = 0\n',
    );
    const fd = openSync(log, 'a', 0o600);
    const stateDir = join(dir, 'state');
    const p = spawn(process.execPath, [aiosBin, 'daemon'], {
      stdio: ['ignore', fd, fd],
      env: {
        ...process.env,
        AIOS_STATE_DIR: stateDir,
        AIOS_CONFIG: config,
        HOME: dir,
        AIOS_MODE: 'user',
        ...env(fd),
      },
    });
    closeSync(fd);
    await eventually(
      () => `aiosd to answer:\n${readFileSync(log, 'utf8')}`,
      async () => {
        if (p.exitCode !== null) throw new Error(`aiosd exited ${p.exitCode}: ${readFileSync(log, 'utf8')}`);
        try {
          (await AiosClient.connect({ socketPath: join(stateDir, 'aiosd.sock'), clientName: 'probe' })).close();
          return true;
        } catch {
          return false;
        }
      },
      60_000,
    );
    return p;
  }

  /** SIGHUP makes aiosd log a line each time: enough of them to fill the log twice over. */
  async function hups(p: ChildProcess, log: string, n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const before = allOf(log, 2).split('SIGHUP:').length;
      p.kill('SIGHUP');
      // Changed, not grown: a rotation that drops the oldest file takes its SIGHUP lines with it,
      // so the count can fall even as this SIGHUP's line arrives.
      await eventually(`SIGHUP line ${i}`, () => allOf(log, 2).split('SIGHUP:').length !== before);
    }
  }

  it('rotates its log past log_max_bytes, keeps log_files old ones, and says so at start', async () => {
    const log = join(dir, 'aiosd.log');
    proc = await start(log);
    expect(readFileSync(log, 'utf8')).toContain(
      `log: to ${log}, rotated past 4096 bytes, 2 old file(s) kept (${log}.1 newest)`,
    );
    await hups(proc, log, 90);
    expect(existsSync(`${log}.2`)).toBe(true);
    expect(existsSync(`${log}.3`)).toBe(false);
    for (const f of [log, `${log}.1`, `${log}.2`]) expect(readFileSync(f).length).toBeLessThanOrEqual(4096);
    expect(readFileSync(log, 'utf8')).toMatch(/SIGHUP: /);
  }, 180_000);

  it('under journald (JOURNAL_STREAM names its stderr) writes no file of its own and never rotates', async () => {
    const log = join(dir, 'journal-stand-in');
    proc = await start(log, (fd) => {
      const st = fstatSync(fd, { bigint: true });
      return { JOURNAL_STREAM: `${st.dev}:${st.ino}`, INVOCATION_ID: '0123456789abcdef0123456789abcdef' };
    });
    expect(readFileSync(log, 'utf8')).toContain('log: to journald (stderr under systemd): no log file');
    await hups(proc, log, 60);
    expect(readFileSync(log).length).toBeGreaterThan(4096);
    expect(existsSync(`${log}.1`)).toBe(false);
    expect(existsSync(join(dir, 'state', 'aiosd.log'))).toBe(false);
  }, 180_000);
});
