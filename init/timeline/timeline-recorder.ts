// Keeps the boot timeline as it happens and writes it to the state dir after every change,
// so `aios boot` shows a boot that is still in progress, or one that hung half way.
import type { BootPhaseRecord, BootTimeline, ServiceRecord } from '../../src/protocol/boot-timeline.js';
import { writeTimeline } from '../../src/files/boot-timeline-file.js';

export interface PhaseOutcome {
  status: 'ok' | 'warn' | 'failed' | 'skipped';
  details: string[];
  error?: string;
}

export interface RecorderOptions {
  /** null keeps the timeline in memory only. */
  stateDir: string | null;
  /** Seconds since the kernel started. */
  clock: () => number;
  bootId: string;
  mode: BootTimeline['mode'];
  node: string;
  log?: (line: string) => void;
}

export class TimelineRecorder {
  private readonly timeline: BootTimeline;

  constructor(
    private readonly options: RecorderOptions,
    phases: ReadonlyArray<{ name: string; title: string }>,
  ) {
    this.timeline = {
      bootId: options.bootId,
      mode: options.mode,
      node: options.node,
      wallStart: new Date().toISOString(),
      initStartS: round(options.clock()),
      state: 'booting',
      readyS: null,
      phases: phases.map((p): BootPhaseRecord => ({
        name: p.name,
        title: p.title,
        status: 'pending',
        startS: null,
        endS: null,
        details: [],
        error: null,
      })),
      services: [],
    };
    this.persist();
  }

  begin(name: string): void {
    const phase = this.phase(name);
    phase.status = 'running';
    phase.startS = round(this.options.clock());
    this.persist();
  }

  end(name: string, outcome: PhaseOutcome): void {
    const phase = this.phase(name);
    phase.status = outcome.status;
    phase.endS = round(this.options.clock());
    phase.details = outcome.details;
    phase.error = outcome.error ?? null;
    this.persist();
  }

  service(record: ServiceRecord): void {
    const i = this.timeline.services.findIndex((s) => s.name === record.name);
    if (i === -1) this.timeline.services.push(record);
    else this.timeline.services[i] = record;
    this.persist();
  }

  finish(state: BootTimeline['state']): void {
    this.timeline.state = state;
    if (state === 'ready' || state === 'degraded') this.timeline.readyS = round(this.options.clock());
    this.persist();
  }

  snapshot(): BootTimeline {
    return structuredClone(this.timeline);
  }

  private phase(name: string): BootPhaseRecord {
    const p = this.timeline.phases.find((x) => x.name === name);
    if (p === undefined) throw new Error(`no boot phase named ${name}`);
    return p;
  }

  private persist(): void {
    if (this.options.stateDir === null) return;
    try {
      writeTimeline(this.options.stateDir, this.timeline);
    } catch (err) {
      // A read-only or full state dir must not stop the boot; the timeline stays in memory.
      this.options.log?.(`cannot write the boot timeline: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

function round(s: number): number {
  return Math.round(s * 1000) / 1000;
}
