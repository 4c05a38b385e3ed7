// `aios … | head`: a reader that stops reading ends the command quietly (as SIGPIPE would end a
// C program), not with an EPIPE stack trace.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { aiosBin } from '../helpers/daemon.js';

describe('aios writing into a pipe whose reader has gone', () => {
  it('exits 141 without a stack trace', async () => {
    const child = spawn(process.execPath, [aiosBin, 'models', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // The reader goes before the first write.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled|at /);
    expect(code).toBe(141);
  });
});
