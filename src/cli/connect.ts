import { AiosClient } from '../protocol/client.js';
import { VERSION } from '../version.js';

export { exitCodeFor } from './exit-codes.js';

export async function connectDaemon(socketPath: string, name = 'aios-cli'): Promise<AiosClient> {
  return AiosClient.connect({ socketPath, clientName: name, clientVersion: VERSION });
}
