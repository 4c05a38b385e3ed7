// Runs the built `aios` CLI against a test daemon and keeps what it printed and its exit status,
// whether or not it succeeded.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { aiosBin, type TestDaemon } from './daemon.js';

const exec = promisify(execFile);

export interface CliRun { code: number; stdout: string; stderr: string }

export async function runCli(d: TestDaemon, args: string[], bin = aiosBin): Promise<CliRun> {
  try {
    const r = await exec(process.execPath, [bin, ...args], { env: d.env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
