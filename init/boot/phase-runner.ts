// Runs the boot phases in order, each timed and recorded. A failed phase does not stop the
// boot: later phases still run (logins must come up so a person can repair the node), and
// the boot ends degraded instead of ready.
import type { PhaseOutcome, TimelineRecorder } from '../timeline/timeline-recorder.js';

export interface BootPhase<C> {
  name: string;
  title: string;
  run(ctx: C, signal: AbortSignal): Promise<PhaseOutcome>;
}

export interface RunPhasesOptions {
  log: (line: string) => void;
  /** A phase still running after this long is failed and the boot moves on. */
  phaseTimeoutMs: number;
}

export async function runPhases<C>(
  phases: ReadonlyArray<BootPhase<C>>,
  ctx: C,
  recorder: TimelineRecorder,
  opts: RunPhasesOptions,
): Promise<'ready' | 'degraded'> {
  let degraded = false;
  for (const phase of phases) {
    recorder.begin(phase.name);
    opts.log(`phase ${phase.name}: ${phase.title}`);
    const outcome = await runOne(phase, ctx, opts.phaseTimeoutMs);
    recorder.end(phase.name, outcome);
    if (outcome.status === 'failed') degraded = true;
    const summary = outcome.error ?? outcome.details.join('; ');
    opts.log(`phase ${phase.name}: ${outcome.status}${summary === '' ? '' : ` — ${summary}`}`);
  }
  const state = degraded ? 'degraded' : 'ready';
  recorder.finish(state);
  return state;
}

async function runOne<C>(phase: BootPhase<C>, ctx: C, timeoutMs: number): Promise<PhaseOutcome> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<PhaseOutcome>((resolve) => {
    timer = setTimeout(() => {
      // Settle first: a phase that gives up on the abort must not win the race as a success.
      resolve({ status: 'failed', details: [], error: `did not finish within ${Math.round(timeoutMs / 1000)} s` });
      controller.abort();
    }, timeoutMs);
  });
  try {
    return await Promise.race([phase.run(ctx, controller.signal), timedOut]);
  } catch (err) {
    return { status: 'failed', details: [], error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}
