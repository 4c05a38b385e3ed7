// Which tone each state is drawn in; colour names for Ink and SGR codes for the first frame.
import type { GoalState, Risk, StepState } from '../../protocol/model.js';
import type { Tone } from './styled-lines.js';

export const GOAL_TONE: Record<GoalState, Tone> = {
  planning: 'accent',
  not_understood: 'warn',
  awaiting_approval: 'warn',
  running: 'accent',
  succeeded: 'ok',
  failed: 'danger',
  rejected: 'muted',
  rolled_back: 'muted',
  interrupted: 'danger',
  cancelled: 'muted',
};

export const STEP_TONE: Record<StepState, Tone> = {
  pending: 'warn',
  approved: 'accent',
  rejected: 'muted',
  running: 'accent',
  succeeded: 'ok',
  failed: 'danger',
  skipped: 'muted',
  rolled_back: 'muted',
  cancelled: 'muted',
  outcome_unknown: 'warn',
};

export const RISK_TONE: Record<Risk, Tone> = { low: 'ok', medium: 'warn', high: 'danger' };

/** Ink colour names: the 16-colour palette only (the Linux console has no more). */
export const TONE_COLOUR: Record<Tone, string> = {
  accent: 'cyan',
  ok: 'green',
  warn: 'yellow',
  danger: 'red',
  muted: 'gray',
};

/** The same colours as SGR foreground codes. */
export const TONE_SGR: Record<Tone, number> = { accent: 36, ok: 32, warn: 33, danger: 31, muted: 90 };
