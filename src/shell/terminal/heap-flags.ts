// The client's heap, tuned for a process that lives for a whole login and mostly waits.
//
// - Young generation: V8 doubles it (up to 2 x 16 MB) whenever a burst of allocation survives a
//   scavenge, as a pane ingesting a big chunk of output does, and never gives it back: that alone
//   is 30 MB of RSS held for the rest of the session. Keeping it at its first size costs a few
//   more (short) scavenges during such a burst and nothing when idle. The flag is read when the
//   young generation would grow, so setting it at run time works (an unknown flag is ignored).
// - After a burst: the decoded chunks, the lines split from them and the frames written for them
//   are garbage the moment the pane has stored its compressed copy, but V8 collects the old
//   generation only when it next needs room, which for a shell that then sits idle is never. Once
//   a megabyte or more of output has come in and a second passes with none, one full collection
//   returns that memory. It runs only when idle, so no keystroke waits on it. It compacts: a
//   plain one frees the garbage but keeps the pages it lay on (8 MB of them after 100,000 lines),
//   while moving the survivors together lets those pages go back to the system.
// - V8's memory reducer: some seconds after start-up (or after a collection that grew the heap),
//   once allocation slows, it runs up to three full collections to shrink the heap. For this
//   process that is 60-70 ms of CPU in the first idle seconds after someone stops typing, the
//   only work an idle shell did. One of them is kept (about 20 ms); the idle collection above
//   covers the bursts that grow the heap most. The reducer reads the flag each time it
//   decides, so it applies though set after V8 started (seen with --trace-gc).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const BURST_BYTES = 1_000_000;
const QUIET_MS = 1000;

let collect: (() => void) | null = null;
let owed = 0;
let timer: NodeJS.Timeout | null = null;

export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--memory-reducer-single-gc'); // see the top of this file
  try {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  } catch {
    collect = null; // another V8: no idle collection, nothing else changes
  }
}

/** Output has come in: once enough has, a full collection follows the next quiet second. */
export function noteOutput(bytes: number): void {
  if (collect === null) return;
  owed += bytes;
  if (owed < BURST_BYTES) return;
  // Each chunk pushes the quiet second back: one timer, restarted, not one per chunk.
  if (timer !== null) {
    timer.refresh();
    return;
  }
  timer = setTimeout(() => {
    timer = null;
    owed = 0;
    setFlagsFromString('--compact-on-every-full-gc'); // read by each collection: this one only
    try {
      collect?.();
    } finally {
      setFlagsFromString('--no-compact-on-every-full-gc');
    }
  }, QUIET_MS);
  timer.unref();
}
