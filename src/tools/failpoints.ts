// Fault injection for crash tests: AIOS_FAILPOINT="name:N" makes the Nth pass through the
// failpoint `name` write the file named by AIOS_FAILPOINT_MARKER and then stop dead (the
// test kills the daemon with SIGKILL while it is stopped there). Unset, it costs one lookup.
import { writeFileSync } from 'node:fs';

const counts = new Map<string, number>();

export function failpoint(name: string): void {
  const spec = process.env['AIOS_FAILPOINT'];
  if (spec === undefined || !spec.startsWith(`${name}:`)) return;
  const n = (counts.get(name) ?? 0) + 1;
  counts.set(name, n);
  if (n !== Number(spec.slice(name.length + 1))) return;
  const marker = process.env['AIOS_FAILPOINT_MARKER'];
  if (marker !== undefined) writeFileSync(marker, `${name}:${n} pid ${process.pid}\n`);
  // Block this thread (and so the whole daemon) until it is killed: nothing after this point runs.
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(cell, 0, 0, 60_000);
}
