import { AiosClient, RpcError } from '../protocol/client.js';
import { VERSION } from '../version.js';

export async function connectDaemon(socketPath: string, name = 'aios-cli'): Promise<AiosClient> {
  return AiosClient.connect({ socketPath, clientName: name, clientVersion: VERSION });
}

/** Exit codes: 1 the operation failed, 2 bad usage or config, 3 the daemon is unreachable. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof RpcError && err.code === null) return 3;
  return 1;
}
