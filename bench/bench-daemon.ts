// Starts the built aiosd for a benchmark and waits until its socket answers; the function it
// returns stops it and waits for it to exit, so removing its state directory cannot race it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LineClient } from './rpc.js';

export async function startBenchDaemon(
  root: string,
  env: NodeJS.ProcessEnv,
  socketPath: string,
): Promise<() => Promise<void>> {
  const p = spawn(process.execPath, [join(root, 'bin', 'aios.js'), 'daemon'], { env, stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    try {
      (await LineClient.open(socketPath)).close();
      return async () => {
        if (p.exitCode !== null || p.signalCode !== null) return;
        const exited = new Promise((r) => p.once('exit', r));
        p.kill('SIGTERM');
        await exited;
      };
    } catch {
      await sleep(50);
    }
  }
  p.kill('SIGKILL');
  throw new Error(`aiosd did not start (${env['AIOS_MODE'] ?? 'user'} mode, socket ${socketPath})`);
}
