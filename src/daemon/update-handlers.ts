// The protocol methods of A/B updates (src/daemon/update-service.ts does the work).
import { OpError } from '../agents/op-error.js';
import type { Handlers } from './rpc-server.js';
import type { UpdateService } from './update-service.js';

type UpdateMethods = 'update/request' | 'update/rollback' | 'update/status' | 'update/report';

export function updateHandlers(updates: UpdateService | undefined): Pick<Handlers, UpdateMethods> {
  const need = (): UpdateService => {
    if (updates === undefined) throw new OpError('Failed', 'this aiosd was started without A/B updates');
    return updates;
  };
  return {
    'update/request': (p, conn) => need().request(p, conn.actor.name),
    'update/rollback': (_p, conn) => need().rollback(conn.actor.name),
    'update/status': () => need().status(),
    'update/report': () => ({ recorded: need().recordOutcomes() }),
  };
}
