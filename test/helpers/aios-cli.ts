// Runs the built `aios` CLI against a test daemon and keeps what it printed and its exit status,
// whether or not it succeeded.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { aiosBin } from './daemon.js';

const exec = promisify(execFile);

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `d`: a test daemon, or anything with the environment that names the instance. */
export async function runCli(d: { env: NodeJS.ProcessEnv }, args: string[], bin = aiosBin): Promise<CliRun> {
  try {
    const r = await exec(process.execPath, [bin, ...args], { env: d.env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
