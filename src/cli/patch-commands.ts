// `aios patch status` and `aios patch run`: [security] auto_patch, whether it is on, its window,
// and the last run; a run now, outside the window (admins), that exits 1 unless it upgraded or
// found nothing to do.
import { withClient, type Io } from './commands.js';
import { EXIT } from './exit-codes.js';
import { patchLine, runLine } from './patch-line.js';

export { patchLine };

export function patchStatusCommand(socketPath: string, io: Io): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    const p = await client.call('patch/status', {});
    io.out(io.json ? JSON.stringify(p) : patchLine(p));
    return EXIT.ok;
  });
}

export function patchRunCommand(socketPath: string, io: Io): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    const r = await client.call('patch/run', {});
    io.out(io.json ? JSON.stringify(r) : runLine(r));
    return r.outcome === 'upgraded' || r.outcome === 'nothing' ? EXIT.ok : EXIT.failed;
  });
}
