// `aios gc`: retention by hand. Without --yes it only says what it would free (a dry run), since
// what it deletes cannot be brought back.
import type { ResultOf } from '../protocol/methods.js';
import { withClient, type Io } from './commands.js';
import { EXIT } from './exit-codes.js';

type GcResult = ResultOf<'gc/run'>;
const KINDS = ['goals', 'events', 'memories', 'snapshots', 'blobs', 'ledger'] as const;

export function gcCommand(
  socketPath: string,
  opts: { olderThan?: string; dryRun: boolean; yes: boolean },
  io: Io,
): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    const dryRun = opts.dryRun || !opts.yes;
    const r = await client.call('gc/run', {
      ...(opts.olderThan === undefined ? {} : { olderThan: opts.olderThan }),
      dryRun,
    });
    if (io.json) io.out(JSON.stringify(r));
    else io.out(`${dryRun ? 'would free' : 'freed'}:\n${summary(r)}`);
    if (!opts.dryRun && !opts.yes) {
      io.err('aios: nothing was deleted; run again with --yes to collect this, or --dry-run to only look');
      return EXIT.usage;
    }
    return EXIT.ok;
  });
}

function summary(r: GcResult): string {
  return KINDS.map(
    (k) =>
      `    ${k.padEnd(9)} ${String(r[k].count).padStart(8)}  ${bytes(r[k].bytes)}${k === 'ledger' ? '  (entries archived under a signed seal, not deleted)' : ''}`,
  ).join('\n');
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
