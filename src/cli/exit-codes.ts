// What `aios` exits with, for scripts (docs/cli.md lists them).
import { ErrorCode } from '../protocol/jsonrpc.js';
import { RpcError } from '../protocol/client.js';

export const EXIT = {
  ok: 0,
  /** The operation failed, or a goal did not succeed. */
  failed: 1,
  /** Bad usage or configuration; nothing was sent to aiosd. */
  usage: 2,
  /** aiosd is not running or not reachable. */
  unreachable: 3,
  /** The goal id names no goal, or more than one; nothing was done. */
  noSuchGoal: 4,
  /** The plan changed since the hash the script reviewed; nothing was approved. */
  planChanged: 5,
} as const;

/** A refusal the CLI makes itself, with the exit status that says which. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof RpcError && err.code === null) return EXIT.unreachable;
  if (err instanceof RpcError && err.code === ErrorCode.Conflict && isHashMismatch(err.data)) return EXIT.planChanged;
  return EXIT.failed;
}

// The engine's hash-mismatch refusal carries the current hash; its other conflicts do not.
function isHashMismatch(data: unknown): boolean {
  return typeof data === 'object' && data !== null && typeof (data as { hash?: unknown }).hash === 'string';
}
