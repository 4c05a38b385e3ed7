// SSH into the node image from the host: the test key, no host-key bookkeeping (every boot
// of a fresh image makes a new host key), and a wait for sshd to answer.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shQuote } from '../../init/login/host-files.js';

const COMMON = [
  '-o',
  'StrictHostKeyChecking=no',
  '-o',
  'UserKnownHostsFile=/dev/null',
  '-o',
  'LogLevel=ERROR',
  '-o',
  'ConnectTimeout=20',
];

export function sshArgs(port: number, key: string): string[] {
  return ['-i', key, '-p', String(port), ...COMMON, '-o', 'BatchMode=yes'];
}

/**
 * A login with a password, for the break-glass account: it has no key in the test image, as
 * it would have none on a node (it is for a person who knows its password). ssh reads the
 * password from an askpass program, so stdin stays free for the command's input.
 */
export function passwordLogin(port: number, password: string, dir: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const askpass = join(dir, `askpass-${port}`);
  writeFileSync(askpass, `#!/bin/sh\nprintf '%s\\n' '${password.replaceAll("'", "'\\''")}'\n`, { mode: 0o700 });
  return {
    args: [
      '-p',
      String(port),
      ...COMMON,
      '-o',
      'PubkeyAuthentication=no',
      '-o',
      'PreferredAuthentications=password,keyboard-interactive',
      '-o',
      'NumberOfPasswordPrompts=1',
    ],
    env: { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force' },
  };
}

/** Waits until sshd answers (any exit but ssh's own 255 means a session was opened). */
export async function waitForSsh(
  port: number,
  key: string,
  user = 'root',
  timeoutMs = 180_000,
  login = { args: sshArgs(port, key), env: process.env },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = spawnSync('ssh', [...login.args, `${user}@127.0.0.1`, 'true'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: login.env,
    });
    if (r.status !== 255 && r.status !== null) return;
    if (Date.now() > deadline) throw new Error(`sshd never answered on port ${port}: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 2000));
  }
}

/**
 * Runs a command as root on a node whose root logs in to aiOS (its shell refuses commands):
 * through the break-glass account, then su with root's password on stdin and /bin/sh named
 * as the shell, the way a person with both passwords would.
 */
export function runAsRoot(
  login: { args: string[]; env: NodeJS.ProcessEnv },
  user: string,
  rootPassword: string,
  command: string,
  timeoutMs = 180_000,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('ssh', [...login.args, `${user}@127.0.0.1`, `su -s /bin/sh -c ${shQuote(command)} root`], {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: login.env,
    input: `${rootPassword}\n`,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
