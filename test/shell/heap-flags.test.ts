// The client collects its garbage once a burst of pane output has gone quiet: seen here as a
// real major GC reported by V8's performance entries, not as a call to a stub.
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { keepYoungGenerationSmall, noteOutput } from '../../src/shell/terminal/heap-flags.js';

describe('idle collection after a burst of output', () => {
  it('runs a full collection about a second after a megabyte of output stops coming', async () => {
    keepYoungGenerationSmall();
    const majors: number[] = [];
    const seen = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (
          (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR
        )
          majors.push(e.startTime);
      }
    });
    seen.observe({ entryTypes: ['gc'] });
    try {
      const burstEnd = performance.now();
      for (let i = 0; i < 4; i++) noteOutput(300_000);
      for (let i = 0; i < 100 && !majors.some((t) => t >= burstEnd + 900); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(majors.some((t) => t >= burstEnd + 900)).toBe(true);
    } finally {
      seen.disconnect();
    }
  });
});
