// `aios boot`: the boot timeline from the daemon, as a chart (or --json); and the one line
// that `aios status` adds about the boot.
import { connectDaemon, exitCodeFor } from './connect.js';
import type { AiosClient } from '../protocol/client.js';
import { bootChart, bootSummary, phaseDetails } from './boot-chart.js';

export interface BootIo {
  json: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
  columns: number;
}

const NOT_BOOTED =
  'no boot timeline: aios-init did not start this node (npm start and `aios daemon` run aiosd without it; see aios-init run)';

export async function bootCommand(socketPath: string, io: BootIo, verbose: boolean): Promise<number> {
  let client: AiosClient | undefined;
  try {
    client = await connectDaemon(socketPath);
    const r = await client.call('boot/timeline', {});
    if (io.json) {
      io.out(JSON.stringify(r));
      return 0;
    }
    if (r.timeline === null) {
      io.out(NOT_BOOTED);
      return 0;
    }
    const more = verbose
      ? ['', ...phaseDetails(r.timeline)]
      : ['', 'aios boot --verbose: what each phase found, and the services'];
    io.out([...bootChart(r.timeline, r.stale, io.columns), ...more].join('\n'));
    return 0;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (io.json) io.out(JSON.stringify({ error: msg }));
    else io.err(`aios: ${msg}`);
    return exitCodeFor(err);
  } finally {
    client?.close();
  }
}

/** The boot line for `aios status`, or null when the daemon cannot say (an older daemon). */
export async function bootStatusLine(socketPath: string): Promise<string | null> {
  let client: AiosClient | undefined;
  try {
    client = await connectDaemon(socketPath);
    const r = await client.call('boot/timeline', {});
    return r.timeline === null ? 'boot: not started by aios-init' : bootSummary(r.timeline, r.stale);
  } catch {
    return null;
  } finally {
    client?.close();
  }
}
