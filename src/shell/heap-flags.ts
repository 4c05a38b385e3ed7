// The client's heap, tuned for a process that lives for a whole login and mostly waits. V8
// doubles its young generation (up to 2 x 16 MB) whenever a burst of allocation survives a
// scavenge, as a pane ingesting a big chunk of output does, and never gives it back: that
// alone is 30 MB of RSS held for the rest of the session. Keeping it at its first size costs
// a few more (short) scavenges during such a burst and nothing when idle. The flag is read
// when the young generation would grow, so setting it at run time works (and an unknown flag
// in another V8 is ignored).
import { setFlagsFromString } from 'node:v8';

export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
