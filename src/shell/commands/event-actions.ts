// Daemon events → shell actions, one case per event type (the compiler checks they are all here).
// Escape-hatch output is not state: the hatch session feeds it to its terminal emulator.
import type { DaemonEvent } from '../../protocol/events.js';
import type { Action } from '../state/shell-state.js';

export function eventAction(event: DaemonEvent): Action | null {
  switch (event.type) {
    case 'goal.updated':
      return { type: 'goalUpdated', goal: event.goal, focus: false };
    case 'step.started':
      return { type: 'stepStarted', goalId: event.goalId, stepId: event.stepId, agent: event.agent, tool: event.tool };
    case 'step.output':
      return { type: 'stepOutput', goalId: event.goalId, stepId: event.stepId, chunk: event.chunk };
    case 'step.finished':
      return {
        type: 'stepFinished',
        goalId: event.goalId,
        stepId: event.stepId,
        state: event.state,
        error: event.error,
      };
    case 'agent.status':
      return { type: 'agentStatus', agent: event.agent, busy: event.status === 'busy', task: event.task };
    case 'alert': {
      const level = event.level === 'info' ? 'info' : event.level === 'warning' ? 'warning' : 'error';
      return { type: 'alerted', flash: { level, text: event.message }, counts: level !== 'info' };
    }
    case 'plan.delta':
      return { type: 'planDelta', goalId: event.goalId, text: event.text, restart: event.restart };
    case 'model.pull':
      return { type: 'pullProgressed', progress: event };
    case 'hatch.output':
    case 'hatch.exited':
      return null;
  }
}
