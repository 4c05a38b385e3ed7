import type { ErrorCodeName } from '../protocol/jsonrpc.js';

/**
 * A request that cannot be done as asked: the daemon answers it as a JSON-RPC error with
 * this code. Anything else thrown is a bug or broken infrastructure (InternalError).
 */
export class OpError extends Error {
  constructor(
    readonly code: ErrorCodeName,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'OpError';
  }
}
