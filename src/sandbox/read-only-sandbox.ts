// The sandbox as the daemon uses it for commands that only read: nothing writable, no
// network, aiOS's own state, config and secrets hidden.
import { statSync } from 'node:fs';
import { probeSandbox, sandboxArgv } from './bubblewrap.js';

export interface ReadOnlySandbox {
  available: boolean;
  reason: string;
  wrap: ((argv: readonly string[]) => string[]) | null;
}

export function readOnlySandbox(opts: { hide: readonly string[]; cpuSeconds: number }): ReadOnlySandbox {
  const probe = probeSandbox();
  if (!probe.available) return { available: false, reason: probe.reason, wrap: null };
  const hidden = opts.hide.map((path) => {
    let kind: 'dir' | 'file' = 'file';
    try { kind = statSync(path).isDirectory() ? 'dir' : 'file'; } catch { /* absent: nothing to hide */ }
    return { path, kind };
  });
  return {
    available: true, reason: probe.reason,
    wrap: (argv) => sandboxArgv(argv, { writable: [], hidden, network: false, cpuSeconds: opts.cpuSeconds, memoryBytes: 16 * 1024 ** 3 }),
  };
}
