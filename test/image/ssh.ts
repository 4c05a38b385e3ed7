// SSH into the node image from the host: the test key, no host-key bookkeeping (every boot
// of a fresh image makes a new host key), and a wait for sshd to answer.
import { spawnSync } from 'node:child_process';

export function sshArgs(port: number, key: string): string[] {
  return ['-i', key, '-p', String(port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=20'];
}

/** Waits until sshd answers (any exit but ssh's own 255 means a session was opened). */
export async function waitForSsh(port: number, key: string, user = 'root', timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = spawnSync('ssh', [...sshArgs(port, key), `${user}@127.0.0.1`, 'true'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 255 && r.status !== null) return;
    if (Date.now() > deadline) throw new Error(`sshd never answered on port ${port}: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 2000));
  }
}
