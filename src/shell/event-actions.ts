// Daemon events → shell actions, one case per event type (the compiler checks they are all here).
import type { DaemonEvent } from '../protocol/events.js';
import type { Action } from './shell-state.js';

export function eventAction(event: DaemonEvent): Action {
  switch (event.type) {
    case 'goal.updated':
      return { type: 'goalUpdated', goal: event.goal, focus: false };
    case 'step.started':
      return { type: 'stepStarted', goalId: event.goalId, stepId: event.stepId };
    case 'step.output':
      return { type: 'stepOutput', goalId: event.goalId, stepId: event.stepId, chunk: event.chunk };
    case 'step.finished':
      return { type: 'stepFinished', goalId: event.goalId, stepId: event.stepId, state: event.state, error: event.error };
    case 'agent.status':
      return { type: 'agentStatus', agent: event.agent, busy: event.status === 'busy' };
    case 'alert':
      return { type: 'flashed', flash: { level: event.level === 'info' ? 'info' : event.level === 'warning' ? 'warning' : 'error', text: event.message } };
  }
}
