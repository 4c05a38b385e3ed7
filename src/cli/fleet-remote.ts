// `aios --node NAME <verb>`: points the CLI's socket at a bridge to that node's aiosd (src/fleet/remote-bridge.ts).
import { VERSION } from '../version.js';
import { personContext } from './fleet-commands.js';
import { CliError, EXIT } from './exit-codes.js';

export async function remoteSocket(node: string): Promise<{ close(): Promise<void> }> {
  const ctx = personContext({});
  if (ctx === null)
    throw new CliError(EXIT.usage, '--node needs the hub and your creds: set AIOS_FLEET_HUB and AIOS_FLEET_CREDS');
  const { openPersonBus } = await import('../fleet/person-bus.js');
  const { startRemoteBridge } = await import('../fleet/remote-bridge.js');
  const bus = await openPersonBus(ctx);
  const bridge = await startRemoteBridge(bus, node, VERSION);
  process.env['AIOS_SOCKET'] = bridge.socketPath;
  return {
    async close() {
      await bridge.close();
      await bus.close();
    },
  };
}
