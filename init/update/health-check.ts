// The new slot's health check after an update: aiosd answers, the audit ledger verifies, and a
// login lands in the TUI, all before the deadline. Resolves with null when it passed, else with
// the first thing that failed, in words (it is shown at the next login).
import { AiosClient } from '../../src/protocol/client.js';
import { VERSION } from '../../src/version.js';
import { waitForDaemon } from '../daemon-probe.js';
import { loginProbe } from './login-probe.js';

export interface HealthCheckOptions {
  socketPath: string;
  slotDir: string;
  env: NodeJS.ProcessEnv;
  /** When the deadline passes (ms since the epoch). */
  deadline: number;
  log: (line: string) => void;
}

export async function healthCheck(o: HealthCheckOptions): Promise<string | null> {
  const signal = AbortSignal.timeout(Math.max(1, o.deadline - Date.now()));
  const seconds = Math.round((o.deadline - Date.now()) / 1000);
  try {
    await waitForDaemon(o.socketPath, signal, 250);
  } catch {
    return `aiosd did not answer within ${seconds} s`;
  }
  o.log('update health check: aiosd answers');
  let client: AiosClient | null = null;
  try {
    client = await AiosClient.connect({ socketPath: o.socketPath, clientName: 'aios-init', clientVersion: VERSION });
    const v = await client.call('audit/verify', {});
    if (!v.ok)
      return `the audit ledger does not verify: ${v.firstBad === null ? 'broken' : `entry ${v.firstBad.seq}: ${v.firstBad.reason}`}`;
  } catch (err) {
    return `the audit ledger could not be verified: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    client?.close();
  }
  o.log('update health check: the ledger verifies');
  const login = await loginProbe({ slotDir: o.slotDir, env: { ...o.env, AIOS_SOCKET: o.socketPath }, signal });
  if (login !== null) return login;
  o.log('update health check: a login lands in the TUI');
  return null;
}
