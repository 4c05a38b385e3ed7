// aiosd's heartbeat: a status/get over its socket. A daemon whose event loop is stuck accepts
// the connection (the kernel does that) but never answers, which is what the watchdog catches.
import { AiosClient } from '../src/protocol/client.js';
import type { ResultOf } from '../src/protocol/methods.js';
import { VERSION } from '../src/version.js';

export async function daemonStatus(socketPath: string, signal: AbortSignal): Promise<ResultOf<'status/get'>> {
  signal.throwIfAborted();
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(new Error('aiosd did not answer in time'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  // The handshake itself is a request: a stuck daemon accepts the connection and never answers it.
  const connecting = AiosClient.connect({
    socketPath,
    clientName: 'aios-init',
    clientVersion: VERSION,
    connectTimeoutMs: 2000,
  });
  connecting.then(
    (c) => {
      if (signal.aborted) c.close();
    },
    () => undefined,
  );
  let client: AiosClient | null = null;
  try {
    client = await Promise.race([connecting, aborted]);
    return await Promise.race([client.call('status/get', {}), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
    client?.close();
  }
}

/** Resolves once the daemon answers status/get; polls until then or until `signal` aborts. */
export async function waitForDaemon(socketPath: string, signal: AbortSignal, pollMs = 100): Promise<void> {
  for (;;) {
    try {
      await daemonStatus(socketPath, signal);
      return;
    } catch (err) {
      if (signal.aborted) throw err;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
