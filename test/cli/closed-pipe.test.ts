// `aios … | head`: a reader that stops reading ends the command quietly (as SIGPIPE would end a
// C program), not with an EPIPE stack trace.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { aiosBin, disposeTestDaemon, startTestDaemon } from '../helpers/daemon.js';

describe('aios writing into a pipe whose reader has gone', () => {
  it('exits 141 without a stack trace', async () => {
    const child = spawn(process.execPath, [aiosBin, 'models', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // The reader goes before the first write.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled|at /);
    expect(code).toBe(141);
  });
});

describe('aiosd logging into a pipe whose reader has gone', () => {
  it('goes on serving: its log is not a reason to stop', async () => {
    const d = await startTestDaemon();
    try {
      // Whoever read the log (a terminal, `aios daemon 2>&1 | less`) is gone.
      d.proc.stdout?.destroy();
      d.proc.stderr?.destroy();
      // SIGHUP makes aiosd write a log line (it reads the model settings again).
      for (let i = 0; i < 3; i++) {
        d.proc.kill('SIGHUP');
        await new Promise((r) => setTimeout(r, 150));
      }
      expect(d.proc.exitCode).toBeNull();
      const c = await d.client();
      expect((await c.call('status/get', {})).health).toBeDefined();
      c.close();
    } finally {
      await disposeTestDaemon(d);
    }
  });
});
