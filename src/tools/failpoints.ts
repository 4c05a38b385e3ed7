// Fault injection for the kill -9 tests: an armed failpoint "name:N" makes the Nth pass through
// `failpoint(name)` write a marker file and then stop the daemon dead (the test kills it with
// SIGKILL while it is stopped there). Only armFailpoint() arms one, and only the tests' own
// entry (test/helpers/failpoint-daemon.mjs) calls it: no environment variable, flag or config
// of a production aiosd (bin/aios.js) can. Disarmed, a failpoint costs one comparison.
import { writeFileSync } from 'node:fs';

let armed: { name: string; n: number; marker: string | null; seen: number } | null = null;

/** For test entry points only: stop dead at the Nth pass through failpoint `spec` ("name:N"). */
export function armFailpoint(spec: string, marker: string | null = null): void {
  const m = /^([\w.-]+):(\d+)$/.exec(spec);
  if (m?.[1] === undefined || m[2] === undefined) throw new Error(`a failpoint is "name:N", got "${spec}"`);
  armed = { name: m[1], n: Number(m[2]), marker, seen: 0 };
}

export function failpoint(name: string): void {
  if (armed?.name !== name) return;
  armed.seen += 1;
  if (armed.seen !== armed.n) return;
  if (armed.marker !== null) writeFileSync(armed.marker, `${name}:${armed.n} pid ${process.pid}\n`);
  // Block this thread (and so the whole daemon) until it is killed: nothing after this point runs.
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(cell, 0, 0, 60_000);
}
