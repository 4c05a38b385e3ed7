import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runProgram } from '../../src/tools/run-program.js';

const opts = { timeoutMs: 10_000, outputCapBytes: 1024 * 1024 };

/** Alive means present in /proc and not a zombie waiting to be reaped. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function started<T extends { started: boolean }>(r: T): Extract<T, { started: true }> {
  if (!r.started) throw new Error(`expected the program to start: ${JSON.stringify(r)}`);
  return r as Extract<T, { started: true }>;
}

describe('runProgram', () => {
  it('passes each argv element through untouched: no splitting, quoting or expansion', async () => {
    const args = ['two words', `it's "quoted"`, '$HOME', '*', '; rm -rf /', ''];
    const r = started(
      await runProgram(['node', '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', ...args], opts),
    );
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(args);
  });

  it('reports exit status and keeps stdout and stderr apart', async () => {
    const r = started(await runProgram(['sh', '-c', 'echo out; echo err >&2; exit 3'], opts));
    expect(r).toMatchObject({
      exitCode: 3,
      signal: null,
      stdout: 'out\n',
      stderr: 'err\n',
      truncated: false,
      timedOut: false,
    });
  });

  it('streams output as it comes', async () => {
    const chunks: string[] = [];
    const r = started(
      await runProgram(['sh', '-c', 'echo one; sleep 0.2; echo two'], { ...opts, onOutput: (c) => chunks.push(c) }),
    );
    expect(r.exitCode).toBe(0);
    expect(chunks.join('')).toBe('one\ntwo\n');
    expect(chunks.length).toBeGreaterThanOrEqual(2);
  });

  it('kills the whole process group on timeout, grandchildren included', async () => {
    const began = Date.now();
    const r = started(await runProgram(['sh', '-c', 'sleep 100 & echo $!; wait'], { ...opts, timeoutMs: 500 }));
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(r.signal).toBe('SIGTERM');
    expect(Date.now() - began).toBeLessThan(5000);
    const grandchild = Number(r.stdout.trim());
    expect(grandchild).toBeGreaterThan(0);
    expect(isAlive(grandchild)).toBe(false);
  });

  it('escalates to SIGKILL for a group that ignores SIGTERM', async () => {
    const r = started(
      await runProgram(['sh', '-c', `trap '' TERM; sh -c "trap '' TERM; sleep 100" & echo $!; wait`], {
        ...opts,
        timeoutMs: 300,
      }),
    );
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    expect(isAlive(Number(r.stdout.trim()))).toBe(false);
  });

  it('stops on abort and kills the group', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const r = started(
      await runProgram(['sh', '-c', 'sleep 100 & echo $!; wait'], { ...opts, signal: controller.signal }),
    );
    expect(r.aborted).toBe(true);
    expect(r.timedOut).toBe(false);
    expect(isAlive(Number(r.stdout.trim()))).toBe(false);
  });

  it('caps what it keeps but drains the rest so the child finishes', async () => {
    const streamed: string[] = [];
    // 5 MB through a 64 KB pipe: a child that is not drained would block and time out.
    const r = started(
      await runProgram(['head', '-c', '5000000', '/dev/zero'], {
        ...opts,
        outputCapBytes: 1000,
        onOutput: (c) => streamed.push(c),
      }),
    );
    expect(r.exitCode).toBe(0);
    expect(r.timedOut).toBe(false);
    expect(r.truncated).toBe(true);
    expect(Buffer.byteLength(r.stdout)).toBe(1000);
    expect(streamed.join('')).toContain('[output truncated at 1000 bytes]');
  });

  it('counts stdout and stderr against one cap', async () => {
    const r = started(
      await runProgram(['sh', '-c', 'printf aaaaaaaaaa; printf bbbbbbbbbb >&2'], { ...opts, outputCapBytes: 15 }),
    );
    expect(r.truncated).toBe(true);
    expect(Buffer.byteLength(r.stdout) + Buffer.byteLength(r.stderr)).toBe(15);
  });

  it('says a missing program is not found, without throwing', async () => {
    const r = await runProgram(['no-such-program-aios'], opts);
    expect(r).toMatchObject({ started: false, error: 'program not found: no-such-program-aios' });
  });

  it('says a missing working directory is missing', async () => {
    const r = await runProgram(['true'], { ...opts, cwd: '/no/such/dir' });
    expect(r).toMatchObject({ started: false, error: 'working directory not found: /no/such/dir' });
  });

  it("gives children a minimal environment, never the daemon's secrets", async () => {
    process.env.AIOS_TEST_SECRET = 'sk-should-not-leak';
    try {
      const r = started(await runProgram(['env'], { ...opts, env: { EXTRA: 'yes' } }));
      const names = r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('=')[0])
        .sort();
      expect(r.stdout).not.toContain('sk-should-not-leak');
      expect(names).toEqual(['EXTRA', 'HOME', 'LANG', 'PATH', 'TERM']);
    } finally {
      delete process.env.AIOS_TEST_SECRET;
    }
  });

  it('runs in the given working directory with stdin closed', async () => {
    const r = started(await runProgram(['sh', '-c', 'pwd; cat; echo done'], { ...opts, cwd: '/tmp' }));
    expect(r.stdout).toBe('/tmp\ndone\n');
  });
});

describe('runProgram after the program exits', () => {
  it('kills what the program left running in its group and returns promptly', async () => {
    const began = Date.now();
    const r = started(await runProgram(['sh', '-c', 'sleep 100 & echo $!'], opts));
    expect(r.exitCode).toBe(0);
    expect(r.timedOut).toBe(false);
    expect(Date.now() - began).toBeLessThan(3000);
    expect(isAlive(Number(r.stdout.trim()))).toBe(false);
  });

  it('does not wait on a descendant that left the group but still holds the output pipe', async () => {
    const began = Date.now();
    const r = started(await runProgram(['sh', '-c', 'setsid sleep 30 & echo $!'], opts));
    const escaped = Number(r.stdout.trim());
    try {
      expect(r.exitCode).toBe(0);
      expect(r.timedOut).toBe(false);
      expect(Date.now() - began).toBeLessThan(3000);
    } finally {
      if (isAlive(escaped)) process.kill(escaped, 'SIGKILL');
    }
  });
});
