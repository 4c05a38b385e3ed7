// The brakes of one goal's run: what may still start, and the steps that run now with their
// process trees, so a cancel (goal/cancel, aios agents stop) can end them from outside.
import type { StepView } from '../protocol/model.js';
import type { ProcessTree } from '../tools/process-tree.js';

export interface ActiveStep {
  abort: AbortController;
  /** Made just before its tool starts; null while it is still checked and snapshotted. */
  tree: ProcessTree | null;
  /** Why it was stopped, once it was: it ends cancelled (or, before its tool started, skipped). */
  stopped: string | null;
}

export interface StopRequest {
  by: string;
  /** Running steps finish; nothing more starts. */
  afterStep: boolean;
  /** What a step that never started says. */
  reason: string;
}

export class GoalRun {
  stop: StopRequest | null = null;
  readonly active = new Map<string, ActiveStep>();

  /** Nothing more starts; without afterStep the running steps are stopped too. A later plain stop overrides an after-step one. */
  requestStop(by: string, afterStep: boolean): string[] {
    if (this.stop === null) this.stop = { by, afterStep, reason: `never started: the goal was cancelled by ${by}` };
    else if (!afterStep) this.stop.afterStep = false;
    if (this.stop.afterStep) return [];
    return [...this.active.keys()].filter((id) => this.stopStep(id, `stopped by ${by}, who cancelled the goal`));
  }

  /** Aborts the step's tool and ends its process tree; false when it does not run here. */
  stopStep(stepId: string, why: string): boolean {
    const step = this.active.get(stepId);
    if (step === undefined) return false;
    step.stopped ??= why;
    step.abort.abort(new Error(why));
    void step.tree?.end();
    return true;
  }
}

/** What a cancelled goal says: which steps ran, which were stopped, which never started, and how to undo. */
export function cancelledSummary(by: string, afterStep: boolean, steps: readonly StepView[]): string {
  const ids = (pred: (s: StepView) => boolean): string =>
    steps
      .filter(pred)
      .map((s) => s.id)
      .join(', ');
  const ran = ids((s) => s.state === 'succeeded' || s.state === 'failed');
  const stopped = ids((s) => s.state === 'cancelled');
  const never = ids((s) => s.state === 'skipped' || s.state === 'approved' || s.state === 'pending');
  const unknown = ids((s) => s.state === 'outcome_unknown');
  const undo = steps.some(
    (s) => s.snapshotId !== null && ['succeeded', 'failed', 'cancelled', 'outcome_unknown'].includes(s.state),
  )
    ? '; roll back what ran with r (or aios goal rollback)'
    : '';
  const parts = [
    ran === '' ? 'nothing had finished' : `ran ${ran}`,
    ...(stopped === '' ? [] : [`stopped ${stopped} (its processes were ended)`]),
    ...(unknown === '' ? [] : [`outcome unknown ${unknown} (it may have run)`]),
    ...(never === '' ? [] : [`never started ${never}`]),
  ];
  return `cancelled by ${by}${afterStep ? ' after the running step' : ''}: ${parts.join('; ')}${undo}`;
}
